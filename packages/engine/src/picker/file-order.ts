/**
 * Near file order, for a download that only seeds serve: random among the pieces just after the
 * first missing one rather than among all of them.
 *
 * Why. Rarest first with random ties exists so that downloaders have different pieces to trade.
 * With no partial peer connected there is nobody to trade with, and a random order has a cost:
 * the download's whole-file SHA-1 (checked at the end of every download) is sequential, so it can only follow
 * the unbroken run of pieces from the start of the file. Picked at random over a 1 GiB file,
 * that run stayed short until the last piece, and the whole file was read and hashed again
 * after it: a second of one core alone, a quarter of the download (docs/benchmarks.md,
 * Transfer). Picked from the {@link FILE_ORDER_WINDOW} pieces starting at the first one not yet
 * started, the run trails the download by at most that many pieces, so the hash keeps pace; the
 * writes also land near each other.
 *
 * The window is a range of piece indices, not "the first N pieces not started": with the
 * latter, a piece passed over again and again stays behind while the window moves on, and in a
 * simulation of 2,048 pieces the run trailed by 1,100 pieces with a window of 128. In a range,
 * the first piece is taken at the latest when everything after it in the range is.
 *
 * Why still random inside the window: downloaders of the same seeds that have not yet
 * connected to each other (every member starting at once) should not all ask the seed for the
 * same first pieces, which it would then upload several times. Eight downloaders taking eight
 * pieces each from a window of 128 take about 52 different pieces of 64. Downloaders that never
 * connect to each other keep meeting in the window, though, and the sharer refuses the second
 * asker of a piece (peer/first-copies.ts): the first such refusal turns the rule off for that
 * download (`PiecePicker.fileOrder`). Six such downloaders of one in-process sharer took 58 and
 * 105 s with the rule kept, 65 and 68 s with it turned off, as with random picks (65, 68 s).
 */
import type { Bitfield } from '@groupshare/protocol';

import { candidateBits, shuffledEligible } from './availability.js';
import { FILE_ORDER_WINDOW } from './constants.js';

/** Inputs to {@link nearFileOrder}. */
export interface NearFileOrderInit {
  /** Pieces the peer has. */
  peerHas: Bitfield;
  /** Pieces we have (never yielded). */
  have: Bitfield;
  /** Pieces wanted; default all. */
  want?: Bitfield | undefined;
  /** Further filter (not started, not banned), checked when collecting and again before each yield. */
  eligible: (index: number) => boolean;
  rng: () => number;
  /** First byte of the bitfields to scan: every piece before `8 × fromByte` is had. */
  fromByte: number;
  /** Pieces collected before shuffling; default {@link FILE_ORDER_WINDOW}. */
  window?: number;
}

/**
 * Yields, each time at random among those left, the pieces that the peer has, we lack (and
 * want) and that pass `eligible`, whose index is less than `window` past the first such piece.
 * Cost: O(bytes scanned + window).
 */
export function* nearFileOrder(init: NearFileOrderInit): Generator<number, void, undefined> {
  const { peerHas, have, want, eligible, rng } = init;
  const window = init.window ?? FILE_ORDER_WINDOW;
  const found: number[] = [];
  let end = Infinity; // one past the window, once its first piece is found
  for (let byte = init.fromByte; byte < peerHas.bytes.length && byte * 8 < end; byte++) {
    const bits = candidateBits(peerHas, have, want, byte);
    for (let bit = 0; bits !== 0 && bit < 8; bit++) {
      const i = byte * 8 + bit;
      if (i >= end) break;
      if ((bits & (0x80 >> bit)) === 0 || !eligible(i)) continue;
      if (found.length === 0) end = i + window;
      found.push(i);
    }
  }
  yield* shuffledEligible(found, rng, eligible);
}

/**
 * The first byte of `have` that is not all ones, from `hint` on: where {@link nearFileOrder}
 * starts (a download's `have` only grows, so the caller keeps the result as the next hint).
 */
export function firstIncompleteByte(have: Bitfield, hint: number): number {
  let byte = hint;
  const last = have.bytes.length - 1;
  while (byte < last && have.bytes[byte] === 0xff) byte++;
  return byte;
}
