/**
 * Every connected client, indexed by user: delivers pushes and answers "is this peer online?".
 * A share counts as online while its user has a logged-in connection that announced the share's
 * peer address; presence is in memory only, rebuilt as clients (re)connect.
 */
import type { Effect } from '../state/effects.js';
import type { ClientConnection, ConnectionSession } from './client-connection.js';

/**
 * The peer address of a session that serves no files: such a user is still online (list_users on
 * the console shows it), but no share can match it, since shares always have an address.
 */
const NO_PEER = '';

function presenceKey(userId: string, peerAddress: string): string {
  return `${userId}\u0000${peerAddress}`;
}

export class ClientHub {
  private readonly connections = new Set<ClientConnection>();
  private readonly byUser = new Map<string, Set<ClientConnection>>();
  private readonly online = new Map<string, number>();
  /** What each replication link last said is online on its tracker (soft state). */
  private readonly remote = new Map<object, Set<string>>();
  /** Called when the set of locally online (user, peer address) pairs changes. */
  onPresenceChange: () => void = () => {};
  /**
   * Counts changes of what {@link isOnline} answers (here or on another tracker), so readers
   * may keep what they derived from presence until it moves (queries.ts: file summaries).
   */
  presenceVersion = 0;

  add(conn: ClientConnection): void {
    this.connections.add(conn);
  }

  remove(conn: ClientConnection): void {
    this.setSession(conn, null);
    this.connections.delete(conn);
  }

  /** Binds (or with null, unbinds) a connection to a logged-in session. */
  setSession(conn: ClientConnection, session: ConnectionSession | null): void {
    const old = conn.session;
    if (old) {
      this.byUser.get(old.userId)?.delete(conn);
      if (this.byUser.get(old.userId)?.size === 0) this.byUser.delete(old.userId);
      this.adjustOnline(presenceKey(old.userId, old.peerAddress ?? NO_PEER), -1);
    }
    conn.session = session;
    // A login that finishes after its socket closed must not leave the user marked online.
    if (session && this.connections.has(conn)) {
      let set = this.byUser.get(session.userId);
      if (!set) this.byUser.set(session.userId, (set = new Set()));
      set.add(conn);
      this.adjustOnline(presenceKey(session.userId, session.peerAddress ?? NO_PEER), 1);
    }
  }

  /** Online here, or on another tracker of the cluster (a client may use any of them). */
  isOnline(userId: string, peerAddress: string): boolean {
    const key = presenceKey(userId, peerAddress);
    if ((this.online.get(key) ?? 0) > 0) return true;
    for (const set of this.remote.values()) if (set.has(key)) return true;
    return false;
  }

  /** This tracker's online pairs, for its replication peers. */
  localPresence(): Array<[string, string]> {
    return [...this.online.keys()].map((key) => key.split('\u0000') as [string, string]);
  }

  /** Replaces (or with null, forgets) what one replication link reports online. */
  setRemotePresence(link: object, online: Array<[string, string]> | null): void {
    if (online === null) this.remote.delete(link);
    else this.remote.set(link, new Set(online.map(([userId, peerAddress]) => presenceKey(userId, peerAddress))));
    this.presenceVersion += 1;
  }

  /** Every connection of the user (a user may be logged in from several clients). */
  connectionsOf(userId: string): ReadonlySet<ClientConnection> {
    return this.byUser.get(userId) ?? new Set();
  }

  /**
   * Carries out what applying ops asked: pushes, and logging out every connection of a user or
   * of one session (a logout, an expiry, or a session past the per-user cap, here or on any
   * other tracker: the effect comes with the op).
   */
  deliver(effects: readonly Effect[]): void {
    for (const effect of effects) {
      if ('endSession' in effect) {
        for (const conn of [...this.connectionsOf(effect.userId)]) {
          if (conn.session?.tokenHash !== effect.endSession) continue;
          conn.push({ push: 'session_ended', data: { reason: effect.reason } });
          this.setSession(conn, null);
        }
        continue;
      }
      if ('endSessionsOf' in effect) {
        for (const conn of [...this.connectionsOf(effect.endSessionsOf)]) {
          conn.push({ push: 'session_ended', data: { reason: effect.reason } });
          this.setSession(conn, null);
        }
        continue;
      }
      for (const userId of new Set(effect.to)) {
        for (const conn of this.connectionsOf(userId)) conn.push(effect.push);
      }
    }
  }

  /** Users logged in on this tracker or (as their trackers last said) on another one. */
  onlineUsers(): Set<string> {
    const users = new Set(this.byUser.keys());
    for (const set of this.remote.values()) for (const key of set) users.add(key.slice(0, key.indexOf('\u0000')));
    return users;
  }

  get size(): number {
    return this.connections.size;
  }

  get loggedIn(): number {
    let n = 0;
    for (const conn of this.connections) if (conn.session) n += 1;
    return n;
  }

  all(): Iterable<ClientConnection> {
    return this.connections;
  }

  private adjustOnline(key: string, delta: number): void {
    const before = this.online.get(key) ?? 0;
    const n = before + delta;
    if (n > 0) this.online.set(key, n);
    else this.online.delete(key);
    if ((before > 0) !== (n > 0)) {
      this.presenceVersion += 1;
      this.onPresenceChange();
    }
  }
}
