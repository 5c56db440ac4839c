/**
 * The last security events of this tracker (throttled logins, refused replication links,
 * refused connections, failed admin logins), kept in memory for the admin page. Bounded: the
 * oldest go first, and a run of the same event (a dialer retrying with a wrong secret, a client
 * hammering a throttled login) is one entry with a count rather than a flood that pushes every
 * other event out.
 */

export type SecurityEventKind =
  | 'login_throttled' // a client's login refused by the failed-login throttle
  | 'replication_refused' // a replication link closed for a bad cluster secret or an unknown tracker number
  | 'connections_refused' // an address over its cap of open WebSockets
  | 'admin_login_failed' // a wrong admin password or token on the admin page
  | 'admin_login_throttled';

export interface SecurityEvent {
  kind: SecurityEventKind;
  /** The last time it happened (ISO 8601). */
  at: string;
  /** How many times in a row (same kind, same details). */
  count: number;
  /** Plain text: may quote what a remote party sent (a user id), so it is shown as text only. */
  message: string;
  ip?: string;
  userId?: string;
  /** The other tracker's number, for replication events. */
  peer?: number;
}

/** How many events the admin page can show. */
export const SECURITY_EVENTS_KEPT = 200;

export class SecurityEvents {
  private readonly events: SecurityEvent[] = [];

  constructor(
    private readonly capacity = SECURITY_EVENTS_KEPT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one event, folding it into the newest one when that one is the same event. */
  record(event: Omit<SecurityEvent, 'at' | 'count'>): void {
    const at = new Date(this.now()).toISOString();
    const last = this.events[this.events.length - 1];
    if (last && sameEvent(last, event)) {
      last.count += 1;
      last.at = at;
      return;
    }
    this.events.push({ ...event, at, count: 1 });
    if (this.events.length > this.capacity) this.events.shift();
  }

  /** Newest first (copies: callers cannot change the buffer). */
  list(): SecurityEvent[] {
    return this.events.map((e) => ({ ...e })).reverse();
  }
}

function sameEvent(a: SecurityEvent, b: Omit<SecurityEvent, 'at' | 'count'>): boolean {
  return a.kind === b.kind && a.message === b.message && a.ip === b.ip && a.userId === b.userId && a.peer === b.peer;
}
