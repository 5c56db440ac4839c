// Near file order: a download only seeds serve takes pieces at random from a window of indices
// starting at the first piece not yet started, so its whole-file SHA-1 can keep pace.
import { BLOCK_SIZE, Bitfield, seededRng } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';

import { FILE_ORDER_WINDOW } from './constants.js';
import { firstIncompleteByte, nearFileOrder } from './file-order.js';
import { PiecePicker } from './picker.js';

const PIECE = 2 * BLOCK_SIZE;
const field = (n: number, pieces: Iterable<number>): Bitfield => {
  const f = new Bitfield(n);
  for (const i of pieces) f.set(i);
  return f;
};

describe('nearFileOrder', () => {
  it('yields each piece of the window once, at random, skipping what we have, do not want or may not take', () => {
    const n = 64;
    const have = field(n, [0, 1, 2, 5]);
    const want = Bitfield.full(n);
    want.clear(6);
    const peerHas = Bitfield.full(n);
    peerHas.clear(7);
    const started = new Set([3]);
    const got = [...nearFileOrder({ peerHas, have, want, eligible: (i) => !started.has(i), rng: seededRng(1), fromByte: 0, window: 10 })];
    // The window starts at piece 4, the first that may be taken, and ends before 14.
    expect([...got].sort((a, b) => a - b)).toEqual([4, 8, 9, 10, 11, 12, 13]);
    expect(got).not.toEqual([4, 8, 9, 10, 11, 12, 13]); // shuffled (fixed seed)
  });

  it('re-checks eligibility before each yield, so a consumer may take pieces as they come', () => {
    const n = 16;
    const taken = new Set<number>();
    const out: number[] = [];
    for (const i of nearFileOrder({ peerHas: Bitfield.full(n), have: new Bitfield(n), eligible: (i) => !taken.has(i), rng: seededRng(2), fromByte: 0, window: 8 })) {
      out.push(i);
      taken.add(i);
      taken.add(i ^ 1); // taking a piece makes its neighbour ineligible too
    }
    expect(out).toHaveLength(4);
    expect(new Set(out.map((i) => i >> 1)).size).toBe(4);
  });

  it('starts at the first byte of `have` that is not full, and never skips the last byte', () => {
    const have = field(20, [...Array(16).keys()]);
    expect(firstIncompleteByte(have, 0)).toBe(2);
    expect(firstIncompleteByte(Bitfield.full(20), 0)).toBe(2); // spare bits: the last byte is never skipped
    expect(firstIncompleteByte(new Bitfield(20), 1)).toBe(1);
  });
});

describe('PiecePicker near file order', () => {
  /** A whole download of `n` pieces from `peers` (each piece verified as soon as picked), recording each pick. */
  function download(n: number, partial: boolean, fileOrder = true): number[][] {
    const picker = new PiecePicker({ size: n * PIECE, pieceLength: PIECE });
    picker.fileOrder = fileOrder;
    const seed = Bitfield.full(n);
    picker.addPeer('seed', seed);
    if (partial) picker.addPeer('fellow', new Bitfield(n)); // a fellow downloader with nothing yet
    const have = new Bitfield(n);
    const rng = seededRng(11);
    const picks: number[][] = [];
    let inFlight: number[] = [];
    while (!have.isComplete()) {
      const got = [...new Set(picker.pickBlocks({ peer: 'seed', peerHas: seed, have, count: 16, now: 0, rng, endgame: false }).map((r) => r.index))];
      picks.push(got);
      inFlight.push(...got);
      // Pieces complete a little out of order: the oldest half of those in flight.
      const done = inFlight.splice(0, Math.max(1, inFlight.length >> 1));
      for (const i of done) {
        for (const r of picker.blocks.requestsOf('seed').filter((r) => r.index === i)) picker.onBlock(r.index, r.begin, 'seed');
        picker.pieceVerified(i);
        have.set(i);
      }
    }
    return picks;
  }

  it('with only seeds connected, takes every piece within the window after the first not yet taken', () => {
    const n = 8 * FILE_ORDER_WINDOW;
    const picks = download(n, false);
    const taken = new Set<number>();
    for (const got of picks) {
      let first = 0;
      while (taken.has(first)) first++;
      for (const i of got) expect(i - first).toBeLessThan(FILE_ORDER_WINDOW);
      for (const i of got) taken.add(i);
    }
    expect(taken.size).toBe(n);
    expect(picks[0]).not.toEqual([...Array(picks[0]!.length).keys()]); // random within the window, not in order
  });

  it('with a partial peer connected, goes back to rarest first over the whole file', () => {
    const n = 8 * FILE_ORDER_WINDOW;
    const first = download(n, true)[0]!;
    expect(first).toHaveLength(8);
    expect(Math.max(...first)).toBeGreaterThanOrEqual(FILE_ORDER_WINDOW);
  });

  it('turned off (a seed refused a piece another downloader took), picks over the whole file', () => {
    const first = download(8 * FILE_ORDER_WINDOW, false, false)[0]!;
    expect(first).toHaveLength(8);
    expect(Math.max(...first)).toBeGreaterThanOrEqual(FILE_ORDER_WINDOW);
  });
});
