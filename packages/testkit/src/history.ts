/**
 * The history recorder: every write a scenario makes goes through `History.record`, which logs
 * which tracker it was sent to and how it ended:
 *
 * - `acked`: the tracker answered ok. It had committed the write (docs/tracker.md), so the write
 *   must be on every tracker in the end, exactly once, unless a documented conflict rule
 *   discarded it (docs/replication.md).
 * - `refused`: an error reply. Nothing was written.
 * - `in-doubt`: the connection died before the answer (the tracker was killed, the link reset).
 *   The write may or may not have been committed; either is fine, but not twice.
 *
 * `checkHistory` (history-check.ts) compares the log with what every tracker reports.
 * Record *every* write of a scenario, set-up included: the checker flags anything a tracker
 * holds that nobody asked for.
 */
import type { ErrorBody } from '@groupshare/protocol';
import { ConnectionClosedError } from '@groupshare/tracker/testing';

/** One logical write, named by what a user would look for afterwards. */
export type Write =
  | { kind: 'user'; userId: string }
  | { kind: 'group'; groupId: string; owner: string }
  /** An accepted join request (the write acknowledged is the owner's accept). */
  | { kind: 'membership'; groupId: string; userId: string; owner: string }
  | { kind: 'share'; groupId: string; name: string; infoHash: string; sharedBy: string };

export type WriteOutcome = 'acked' | 'refused' | 'in-doubt';

export interface Entry {
  write: Write;
  /** The identity of the thing written: two writes with one key are a conflict or a repeat. */
  key: string;
  tracker: number;
  outcome: WriteOutcome;
  /** Error code of a refusal. */
  error?: string;
  sentAt: number;
  answeredAt: number;
}

/** `user:ann`, `group:lab`, `member:lab/bob`, `share:lab/notes.bin`. */
export function writeKey(write: Write): string {
  switch (write.kind) {
    case 'user':
      return `user:${write.userId}`;
    case 'group':
      return `group:${write.groupId}`;
    case 'membership':
      return `member:${write.groupId}/${write.userId}`;
    case 'share':
      return `share:${write.groupId}/${write.name}`;
  }
}

/** Who made the write: the account whose loss of a conflict would discard it. */
export function actorOf(write: Write): string {
  switch (write.kind) {
    case 'user':
      return write.userId;
    case 'group':
    case 'membership':
      return write.owner;
    case 'share':
      return write.sharedBy;
  }
}

/** How often a write answered ERR_BUSY is sent again before it counts as refused. */
const BUSY_RETRIES = 20;

export class History {
  readonly entries: Entry[] = [];

  /**
   * Sends one write (`attempt`, typically `client.request(...)`) and logs its outcome. A
   * ConnectionClosedError makes it `in-doubt`; any other exception is the test's own failure
   * and is rethrown.
   */
  async record(write: Write, tracker: number, attempt: () => Promise<{ ok: true } | { ok: false; error: ErrorBody }>): Promise<WriteOutcome> {
    const sentAt = Date.now();
    const entry = (outcome: WriteOutcome, error?: string): WriteOutcome => {
      this.entries.push({ write, key: writeKey(write), tracker, outcome, ...(error === undefined ? {} : { error }), sentAt, answeredAt: Date.now() });
      return outcome;
    };
    try {
      let reply = await attempt();
      // ERR_BUSY means "not done, ask again after retryAfterMs" (a real client does): the write
      // is one write however often the tracker was busy.
      for (let i = 0; i < BUSY_RETRIES && !reply.ok && reply.error.code === 'ERR_BUSY'; i++) {
        await new Promise((r) => setTimeout(r, reply.ok ? 0 : (reply.error.retryAfterMs ?? 200)));
        reply = await attempt();
      }
      return reply.ok ? entry('acked') : entry('refused', reply.error.code);
    } catch (err) {
      if (err instanceof ConnectionClosedError) return entry('in-doubt');
      throw err;
    }
  }

  /** Like `record`, for a write that must be acknowledged (set-up): throws otherwise. */
  async must(write: Write, tracker: number, attempt: () => Promise<{ ok: true } | { ok: false; error: ErrorBody }>): Promise<void> {
    const outcome = await this.record(write, tracker, attempt);
    if (outcome !== 'acked') {
      const last = this.entries[this.entries.length - 1]!;
      throw new Error(`${last.key} on tracker ${tracker} was ${outcome}${last.error ? ` (${last.error})` : ''}`);
    }
  }

  with(outcome: WriteOutcome): Entry[] {
    return this.entries.filter((e) => e.outcome === outcome);
  }

  /** Acknowledged writes, counted per tracker that acknowledged them. */
  ackedBy(tracker: number, since = 0, until = Infinity): number {
    return this.entries.filter((e) => e.outcome === 'acked' && e.tracker === tracker && e.answeredAt >= since && e.answeredAt < until).length;
  }

  /** `412 writes: 380 acked (1: 190, 2: 190), 3 in doubt, 29 refused (ERR_X 29)`. */
  summary(): string {
    const acked = this.with('acked');
    const perTracker = new Map<number, number>();
    for (const e of acked) perTracker.set(e.tracker, (perTracker.get(e.tracker) ?? 0) + 1);
    const refusedCodes = new Map<string, number>();
    for (const e of this.with('refused')) refusedCodes.set(e.error ?? '?', (refusedCodes.get(e.error ?? '?') ?? 0) + 1);
    const by = [...perTracker].sort(([a], [b]) => a - b).map(([t, c]) => `${t}: ${c}`).join(', ');
    const codes = [...refusedCodes].map(([c, n]) => `${c} ${n}`).join(', ');
    return `${this.entries.length} writes: ${acked.length} acked (${by}), ${this.with('in-doubt').length} in doubt, ${this.with('refused').length} refused${codes ? ` (${codes})` : ''}`;
  }
}
