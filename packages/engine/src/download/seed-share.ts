/**
 * When a downloader may ask seeds for pieces its partial peers also have.
 *
 * The picker asks a seed (a peer that had the whole file when we met it, typically the member
 * who shared it) only for pieces no partial peer has, so that each piece leaves the sharer about
 * once and the downloaders trade the rest (see picker.ts). That rule must not cost time when the
 * partial peers cannot keep up: a member on a slow uplink holding half the file would otherwise
 * make us fetch that half at its pace while a fast seed sits idle, and a partial peer that
 * claims pieces but chokes us or never answers would hold them hostage until endgame. So the
 * rule is lifted while the partial peers
 * - have delivered nothing for {@link PARTIAL_QUIET_MS} (none yet, choked, stalled), or
 * - deliver less than {@link SEED_SHARE_RATIO} of the best rate this download has had.
 *
 * Why the download's best rate and not the seeds' rate now: a seed that is asked for shared
 * pieces speeds up (it is then uncontested by the other downloaders, who keep to the rule), so
 * comparing with it kept the rule lifted once lifted, and one downloader of eight took 2.4 times
 * the file from the sharer in a test run. The best rate does not grow with the seed's help;
 * partial peers that are merely as fast as the sharer was at the start keep the rule. Pure.
 */

/**
 * Partial peers delivering less than this fraction of the download's best rate are "lagging".
 * A tenth: on a shared machine the rate of 8 downloaders on loopback swings by 4× with other
 * load (a quarter lifted the rule in one benchmark run of three), which must not lift it; a
 * fast seed beside slow members (a member's uplink beside a server's) still lifts it.
 */
export const SEED_SHARE_RATIO = 0.1;

/**
 * No block from any partial peer for this long lifts the rule. A second: longer than a piece
 * takes from a working peer, shorter than the request time-out (20 s) that would otherwise be
 * the first sign of a stalled one. The download's time-out check pumps every peer at least
 * once a second, so the seed is asked again soon after.
 */
export const PARTIAL_QUIET_MS = 1_000;

/** What {@link askSeedForShared} decides from, all measured by the download's swarm. */
export interface SeedShareState {
  now: number;
  /** Sum of the partial peers' receive rates, bytes/s. */
  partialBytesPerSecond: number;
  /** The highest receive rate of the whole download so far (all peers), bytes/s. */
  bestBytesPerSecond: number;
  /** When the last new block from a partial peer arrived; -Infinity if none has. */
  lastPartialBlockAt: number;
}

/** True if seeds may be asked for pieces partial peers have too (see the module comment). */
export function askSeedForShared(s: SeedShareState): boolean {
  return s.now - s.lastPartialBlockAt >= PARTIAL_QUIET_MS || s.partialBytesPerSecond < SEED_SHARE_RATIO * s.bestBytesPerSecond;
}
