/** Defaults for the piece picker and request pipelining. */

/**
 * Uniform random draws tried in a rarity bucket before falling back to a scan from a random
 * offset. With a fraction `f` of the bucket eligible, a draw succeeds with probability
 * 1 − (1 − f)^4 (94% at f = ½), so ties are broken uniformly in the common case while a bucket
 * with few eligible pieces still costs a single pass.
 */
export const RANDOM_DRAWS = 4;

/**
 * In endgame, the most *extra* peers one block may be requested from at once (so at most
 * 1 + this many requests in flight per block). Two bounds the wasted upload to ~2 blocks per
 * block while still routing around one stalled peer and one slow one.
 */
export const DEFAULT_MAX_DUPLICATES = 2;

/**
 * Fewest requests kept in flight per peer. BEP 3 clients historically pipelined 5; a floor of
 * 4 keeps a link busy while its throughput is still unmeasured.
 */
export const DEFAULT_MIN_PIPELINE = 4;

/**
 * Most requests kept in flight per peer: 256 × 16 KiB = 4 MiB, i.e. 40 MB/s at 100 ms RTT
 * (×2 headroom). libtorrent caps at 500; many peers reject queues far beyond 250 (their
 * `reqq` in BEP 10), so a lower cap avoids requests being dropped.
 */
export const DEFAULT_MAX_PIPELINE = 256;

/**
 * Factor applied to the bandwidth-delay product. Throughput is measured *through* the current
 * pipeline, so a pipeline sized to exactly 1× the BDP could never grow past the rate it already
 * allows; 2× lets it double per round trip until the link, not the queue, is the limit, and
 * absorbs RTT jitter after that.
 */
export const DEFAULT_PIPELINE_HEADROOM = 2;

/**
 * How many pieces the rarity walk may examine, as `base + pieceCount / RARITY_WALK_DIVISOR`,
 * before the picker switches to scanning the peer's own bitfield. The walk is cheapest when the
 * peer has most pieces; a peer with only a few among many would make it visit every piece, so
 * after the budget (4,352 checks for 262,144 pieces) a byte scan of the bitfields (32 KiB)
 * costs less.
 */
export const RARITY_WALK_BASE = 256;

/** See {@link RARITY_WALK_BASE}. */
export const RARITY_WALK_DIVISOR = 64;

/**
 * Range of piece indices a download served only by seeds chooses among at random, from the first
 * piece not yet started (see file-order.ts). 128 pieces (64 MiB at 512 KiB pieces) keep eight
 * members that start at once on mostly different pieces of the seed until they connect to each
 * other, while the whole-file SHA-1 trails the download by at most that much.
 */
export const FILE_ORDER_WINDOW = 128;
