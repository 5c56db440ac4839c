/**
 * When a download has to say it cannot finish: some piece it lacks is held by no member who is
 * online (the tracker's latest peer list and the peers connected now both lack it), and that has
 * lasted `afterMs`. A download in that state keeps waiting and asking for peers, and resumes by
 * itself when a holder comes online; this only decides what the user is told. Pure: the caller
 * passes the clock and the coverage.
 */
import { Bitfield } from '@groupshare/protocol';

/** Default patience before a download with uncovered pieces is reported as failed: a minute. */
export const DEFAULT_STALL_AFTER_MS = 60_000;

/** Why a download is stalled, and since when (ms, the download's clock). */
export interface Stalled {
  reason: string;
  since: number;
}

/**
 * Pieces `have` lacks that nobody offers: not in `offered` (the union of online holders'
 * bitfields) and with no connected peer holding them (`connectedCount(i) === 0`).
 */
export function uncoveredPieces(have: Bitfield, offered: Bitfield, connectedCount: (index: number) => number): number {
  let n = 0;
  for (let i = 0; i < have.pieceCount; i++) {
    if (!have.has(i) && !offered.has(i) && connectedCount(i) === 0) n += 1;
  }
  return n;
}

/** Tracks how long pieces have been uncovered; reports the moments the state flips. */
export class StallWatch {
  private uncoveredSince: number | undefined;
  /** Set while the download is reported as stalled. */
  stalled: Stalled | undefined;

  constructor(private readonly afterMs = DEFAULT_STALL_AFTER_MS) {}

  /**
   * Feeds the number of uncovered pieces at `now`. Returns `stalled` when the state begins,
   * `resumed` when it ends, undefined otherwise.
   */
  update(uncovered: number, now: number): 'stalled' | 'resumed' | undefined {
    if (uncovered === 0) {
      this.uncoveredSince = undefined;
      if (this.stalled === undefined) return undefined;
      this.stalled = undefined;
      return 'resumed';
    }
    this.uncoveredSince ??= now;
    const reason = `no online member has ${uncovered} of its pieces`;
    if (this.stalled !== undefined) {
      this.stalled = { ...this.stalled, reason }; // the count may change while it waits
      return undefined;
    }
    if (now - this.uncoveredSince < this.afterMs) return undefined;
    this.stalled = { reason, since: now };
    return 'stalled';
  }
}
