import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { copyIntoShared } from './copy-into-shared.js';

describe('copyIntoShared', () => {
  it('copies blocks at every alignment and length into shared and ordinary pieces', () => {
    const source = randomBytes(40_000 + 16);
    for (const shared of [true, false]) {
      for (const misalign of [0, 1, 3, 7, 8, 13]) {
        for (const length of [1, 7, 8, 9, 16_384, 20_000, 40_000]) {
          const piece = Buffer.from(shared ? new SharedArrayBuffer(65_536) : new ArrayBuffer(65_536)).fill(0xee);
          const block = source.subarray(misalign, misalign + length);
          copyIntoShared(piece, 16_384, block);
          expect(piece.subarray(16_384, 16_384 + length).equals(block)).toBe(true);
          // Nothing outside the block's place is touched.
          expect(piece.subarray(0, 16_384).every((b) => b === 0xee)).toBe(true);
          expect(piece.subarray(16_384 + length).every((b) => b === 0xee)).toBe(true);
        }
      }
    }
  });

  it('leaves the scratch buffer out of the result: a later, shorter block does not carry bytes of an earlier one', () => {
    const piece = Buffer.from(new SharedArrayBuffer(64)).fill(0);
    const long = Buffer.alloc(33, 0xaa).subarray(1); // 32 bytes, misaligned
    const short = Buffer.alloc(9, 0x55).subarray(1); // 8 bytes, misaligned
    copyIntoShared(piece, 0, long);
    copyIntoShared(piece, 32, short);
    expect([...piece.subarray(32, 40)]).toEqual(new Array(8).fill(0x55));
    expect(piece.subarray(40).every((b) => b === 0)).toBe(true);
  });
});
