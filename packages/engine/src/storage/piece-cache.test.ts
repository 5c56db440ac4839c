import { describe, expect, it } from 'vitest';

import { PieceCache } from './piece-cache.js';

/** A cache over 10 pieces of 100 bytes (piece i filled with byte i), counting disk reads. */
function cache(maxBytes: number, fail: (index: number) => boolean = () => false) {
  const reads: number[] = [];
  const c = new PieceCache(
    async (index) => {
      reads.push(index);
      if (fail(index)) throw new Error(`disk error on ${index}`);
      return Buffer.alloc(100, index);
    },
    () => 100,
    maxBytes,
  );
  return { c, reads };
}

describe('PieceCache', () => {
  it('reads a piece once for all its blocks, and concurrent requests share the read', async () => {
    const { c, reads } = cache(1_000);
    const blocks = await Promise.all([c.block(3, 0, 10), c.block(3, 10, 10), c.block(3, 90, 10)]);
    expect(blocks.map((b) => [b.length, b[0]])).toEqual([[10, 3], [10, 3], [10, 3]]);
    await c.block(3, 50, 50);
    expect(reads).toEqual([3]);
  });

  it('keeps at most maxBytes, evicting the least recently used piece', async () => {
    const { c, reads } = cache(300);
    for (const i of [0, 1, 2]) await c.block(i, 0, 1);
    await c.block(0, 0, 1); // 0 is now the most recent
    await c.block(3, 0, 1); // evicts 1
    await c.block(0, 0, 1);
    await c.block(2, 0, 1);
    await c.block(1, 0, 1); // read again
    expect(reads).toEqual([0, 1, 2, 3, 1]);
  });

  it('does not cache a failed read; clear() drops what is cached', async () => {
    let broken = true;
    const { c, reads } = cache(1_000, (i) => i === 5 && broken);
    await expect(c.block(5, 0, 1)).rejects.toThrow('disk error on 5');
    broken = false;
    expect((await c.block(5, 0, 1))[0]).toBe(5);
    expect(reads).toEqual([5, 5]);
    c.clear();
    expect((await c.block(5, 0, 1))[0]).toBe(5);
    expect(reads).toEqual([5, 5, 5]);
  });
});
