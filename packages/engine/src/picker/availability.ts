/**
 * The rarity map: how many connected peers have each piece, and the pieces grouped by that count
 * so the piece picker can walk them rarest first.
 *
 * Why this layout: rarest-first has to find "the rarest pieces this peer offers" on every pick,
 * and a file may have 262,144 pieces (MAX_PIECES). Sorting per pick would cost O(n log n); a
 * heap would cost O(log n) per `have`. Instead `order` is a permutation of the piece indices
 * kept grouped into contiguous *buckets* of equal count, in ascending count:
 *
 * ```
 * order: [ excluded | count 0 | count 1 | count 2 | ... ]
 *          0         start[0]  start[1]  start[2]        pieceCount
 * ```
 *
 * `pos` is the inverse permutation. A count change of ±1 moves a piece across exactly one bucket
 * boundary: swap it with the element at that boundary and shift the boundary by one, so every
 * update is O(1) (the trick libtorrent's piece_picker uses for its priority-sorted piece list).
 * Pieces we already have (or do not want) can be `exclude`d into a region the walk never visits,
 * so late in a download the picker does not step over thousands of finished pieces.
 *
 * Complexity: `have`, `count` O(1); `addPeer`/`removePeer` O(pieceCount/8 + pieces set);
 * `exclude`/`include` O(count + 1) ≤ O(peers); `rarest` O(buckets + pieces visited), at most
 * `maxVisits`; the picker stops as soon as it has enough (typically O(pieces taken)).
 * Memory: 13 bytes per piece (3 MiB for 262,144 pieces).
 */
import type { Bitfield } from '@groupshare/protocol';

import { RANDOM_DRAWS } from './constants.js';

/** A uniform integer in [0, n) from `rng` (values outside [0, 1) are clamped). */
export function randomIndex(rng: () => number, n: number): number {
  return Math.min(n - 1, Math.max(0, Math.floor(rng() * n)));
}

/**
 * Yields `pieces` in random order, each still `eligible` when its turn comes: a lazy
 * Fisher–Yates shuffle in place, so a consumer that stops early pays only for what it took.
 */
export function* shuffledEligible(pieces: number[], rng: () => number, eligible: (index: number) => boolean): Generator<number, void, undefined> {
  for (let j = 0; j < pieces.length; j++) {
    const r = j + randomIndex(rng, pieces.length - j);
    const piece = pieces[r] as number;
    pieces[r] = pieces[j] as number;
    pieces[j] = piece;
    if (eligible(piece)) yield piece;
  }
}

/** Bounds on a piece's count, both inclusive: which rarity buckets a walk visits. */
export interface CountRange {
  /** Default 1: pieces that some counted peer has. */
  min?: number;
  /** Default unbounded. */
  max?: number;
}

/** Per-piece count of connected peers that have the piece, with O(1) updates and rarest-first walks. */
export class Availability {
  /** Number of pieces in the file. */
  readonly pieceCount: number;
  private readonly counts: Uint32Array;
  private readonly order: Uint32Array;
  private readonly pos: Uint32Array;
  private readonly excluded: Uint8Array;
  /** start[c] = first position of bucket c; bucket c ends at start[c + 1], or pieceCount. */
  private readonly start: number[];
  private swaps = 0;
  private peers = 0;

  /** @throws {RangeError} if `pieceCount` is not a non-negative safe integer. */
  constructor(pieceCount: number) {
    if (!Number.isSafeInteger(pieceCount) || pieceCount < 0) {
      throw new RangeError(`pieceCount must be a non-negative safe integer, got ${String(pieceCount)}`);
    }
    this.pieceCount = pieceCount;
    this.counts = new Uint32Array(pieceCount);
    this.order = Uint32Array.from({ length: pieceCount }, (_, i) => i);
    this.pos = Uint32Array.from(this.order);
    this.excluded = new Uint8Array(pieceCount);
    this.start = [0]; // nothing excluded, every piece in bucket 0
  }

  /**
   * Number of element swaps performed so far: every update costs at most one swap per bucket
   * boundary crossed. Exposed so tests can assert complexity by counting, not by wall time.
   */
  get moves(): number {
    return this.swaps;
  }

  /** How many connected peers have piece `index`. */
  count(index: number): number {
    this.check(index);
    return this.counts[index] as number;
  }

  /** True if piece `index` is skipped by {@link Availability.rarest} (see {@link Availability.exclude}). */
  isExcluded(index: number): boolean {
    this.check(index);
    return this.excluded[index] === 1;
  }

  /** Peers counted: added with {@link Availability.addPeer} and not yet removed. */
  get peerCount(): number {
    return this.peers;
  }

  /** Number of non-excluded pieces that exactly `count` peers have. */
  piecesWithCount(count: number): number {
    if (count < 0 || count >= this.start.length) return 0;
    return this.end(count) - (this.start[count] as number);
  }

  /**
   * A peer connected (or sent its bitfield): every piece it has gains one.
   *
   * @throws {RangeError} if the bitfield describes a different number of pieces.
   */
  addPeer(bitfield: Bitfield): void {
    this.checkField(bitfield);
    forEachSet(bitfield, (i) => this.inc(i));
    this.peers++;
  }

  /**
   * A peer disconnected: every piece in its *current* bitfield (including pieces it announced
   * with `have` since it joined) loses one. Validated before any change, so a wrong bitfield
   * leaves the map untouched.
   *
   * @throws {RangeError} if the sizes differ or a piece's count would drop below zero.
   */
  removePeer(bitfield: Bitfield): void {
    this.checkField(bitfield);
    forEachSet(bitfield, (i) => {
      if (this.counts[i] === 0) throw new RangeError(`piece ${i} has no peers to remove`);
    });
    forEachSet(bitfield, (i) => this.dec(i));
    this.peers--;
  }

  /** A connected peer announced piece `index` (BEP 3 `have`). O(1). */
  have(index: number): void {
    this.check(index);
    this.inc(index);
  }

  /**
   * Takes piece `index` out of the rarity walk (we verified it, or do not want it); its count is
   * still kept. O(count + 1).
   */
  exclude(index: number): void {
    this.check(index);
    if (this.excluded[index] === 1) return;
    // Walk down one bucket at a time: swapping with a bucket's first element and moving that
    // boundary up leaves the piece as the last element of the bucket below.
    for (let k = this.counts[index] as number; k >= 0; k--) {
      const first = this.start[k] as number;
      this.swap(this.pos[index] as number, first);
      this.start[k] = first + 1;
    }
    this.excluded[index] = 1;
  }

  /** Puts an excluded piece back into the rarity walk (e.g. it failed a re-check). O(count + 1). */
  include(index: number): void {
    this.check(index);
    if (this.excluded[index] === 0) return;
    const c = this.counts[index] as number;
    this.ensureBucket(c);
    for (let k = 0; k <= c; k++) {
      const last = (this.start[k] as number) - 1;
      this.swap(this.pos[index] as number, last);
      this.start[k] = last;
    }
    this.excluded[index] = 0;
  }

  /**
   * Yields the non-excluded pieces whose count is in `counts` (default: at least one peer has
   * them) and that pass `eligible`, rarest first. Within a bucket of equal count the choice is random: first uniform draws (rejection
   * sampling, so an accepted draw is uniform among the bucket's eligible pieces), and after
   * {@link RANDOM_DRAWS} misses in a row a full scan from a random offset, so a bucket with few
   * eligible pieces still costs only one pass.
   *
   * The walk stops after `maxVisits` calls to `eligible`, so a caller can bound its cost and
   * switch strategy (see `rarestInField`) when the peer has few of the pieces walked.
   *
   * `counts` picks the buckets walked: the picker asks a seed for pieces of count 0 (held by no
   * counted peer: it does not count seeds, see `PiecePicker.addPeer`).
   *
   * Contract: the map must not change while iterating, and the consumer should make each
   * yielded piece ineligible (the picker reserves it) or stop; otherwise a piece may be yielded
   * again. The walk always ends.
   */
  *rarest(
    rng: () => number,
    eligible: (index: number) => boolean,
    maxVisits = Infinity,
    counts: CountRange = {},
  ): Generator<number, void, undefined> {
    let visits = 0;
    const top = Math.min(this.start.length - 1, counts.max ?? Infinity);
    for (let c = counts.min ?? 1; c <= top; c++) {
      const lo = this.start[c] as number;
      const n = this.end(c) - lo;
      if (n === 0) continue;
      // Bounded so a consumer that ignores the contract cannot loop forever.
      for (let misses = 0, draws = 0; misses < RANDOM_DRAWS && draws < 2 * n + RANDOM_DRAWS; draws++) {
        if (++visits > maxVisits) return;
        const piece = this.order[lo + randomIndex(rng, n)] as number;
        if (eligible(piece)) {
          misses = 0;
          yield piece;
        } else {
          misses++;
        }
      }
      const offset = randomIndex(rng, n);
      for (let k = 0; k < n; k++) {
        if (++visits > maxVisits) return;
        const piece = this.order[lo + ((offset + k) % n)] as number;
        if (eligible(piece)) yield piece;
      }
    }
  }

  private inc(i: number): void {
    const c = this.counts[i] as number;
    if (this.excluded[i] === 0) {
      this.ensureBucket(c + 1);
      const last = (this.start[c + 1] as number) - 1; // last element of bucket c
      this.swap(this.pos[i] as number, last);
      this.start[c + 1] = last;
    }
    this.counts[i] = c + 1;
  }

  private dec(i: number): void {
    const c = this.counts[i] as number;
    if (this.excluded[i] === 0) {
      const first = this.start[c] as number; // first element of bucket c
      this.swap(this.pos[i] as number, first);
      this.start[c] = first + 1;
    }
    this.counts[i] = c - 1;
  }

  /** Makes sure start[c] exists; new (empty) top buckets begin at pieceCount. */
  private ensureBucket(c: number): void {
    while (this.start.length <= c) this.start.push(this.pieceCount);
  }

  private end(c: number): number {
    return c + 1 < this.start.length ? (this.start[c + 1] as number) : this.pieceCount;
  }

  private swap(a: number, b: number): void {
    if (a === b) return;
    const pa = this.order[a] as number;
    const pb = this.order[b] as number;
    this.order[a] = pb;
    this.order[b] = pa;
    this.pos[pb] = a;
    this.pos[pa] = b;
    this.swaps++;
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.pieceCount) {
      throw new RangeError(`piece index ${String(i)} is out of range: the file has ${this.pieceCount} pieces`);
    }
  }

  private checkField(bitfield: Bitfield): void {
    if (bitfield.pieceCount !== this.pieceCount) {
      throw new RangeError(`bitfield has ${bitfield.pieceCount} pieces, the file has ${this.pieceCount}`);
    }
  }
}

/**
 * The pieces of byte `byte` of the bitfields (bit 0x80 = piece `8 × byte`) that the peer has, we
 * lack, and we want (all when `want` is undefined): what a scan of a peer's bitfield may pick.
 */
export function candidateBits(peerHas: Bitfield, have: Bitfield, want: Bitfield | undefined, byte: number): number {
  const bits = (peerHas.bytes[byte] as number) & ~(have.bytes[byte] as number);
  return want === undefined ? bits : bits & (want.bytes[byte] as number);
}

/** Calls `f` for every set piece, skipping empty bytes (a sparse field costs ~pieceCount/8). */
export function forEachSet(bitfield: Bitfield, f: (index: number) => void): void {
  const bytes = bitfield.bytes;
  for (let byte = 0; byte < bytes.length; byte++) {
    const b = bytes[byte] as number;
    if (b === 0) continue;
    for (let bit = 0; bit < 8; bit++) if ((b & (0x80 >> bit)) !== 0) f(byte * 8 + bit);
  }
}
