import { describe, expect, it } from 'vitest';

import { PieceCache } from './piece-cache.js';

/** A cache over 10 pieces of 100 bytes (piece i filled with byte i), counting disk reads. */
function cache(maxBytes: number, fail: (index: number) => boolean = () => false) {
  const reads: number[] = [];
  /** The buffer each read filled, in read order. */
  const targets: ArrayBufferLike[] = [];
  const c = new PieceCache(
    async (index, into) => {
      reads.push(index);
      targets.push(into.buffer);
      await new Promise((r) => setImmediate(r)); // a read takes a while, as a disk read does
      if (fail(index)) throw new Error(`disk error on ${index}`);
      return into.subarray(0, 100).fill(index);
    },
    () => 100,
    maxBytes,
  );
  return { c, reads, targets };
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

  it('reuses a piece buffer only once the piece is evicted and every block from it is given back', async () => {
    const { c, targets } = cache(200); // two pieces
    const held = await c.block(0, 10, 20);
    const given = await c.block(0, 0, 5);
    c.release(given);
    c.release(given); // twice: must not count as the held block's release too
    for (let i = 1; i < 8; i++) c.release(await c.block(i, 0, 1)); // piece 0 is evicted early on
    expect([...held]).toEqual(Array(20).fill(0)); // never overwritten by a later read
    expect(new Set(targets.slice(1)).has(targets[0]!)).toBe(false);
    c.release(held);
    for (let i = 8; i < 10; i++) c.release(await c.block(i, 0, 1));
    expect(targets.slice(8)).toContain(targets[0]); // now it is reused
    // Steady state: reads cycle through a few buffers instead of allocating one each.
    expect(new Set(targets).size).toBeLessThanOrEqual(4);
  });

  it('a block that is never given back keeps its bytes; a failed read frees its buffer', async () => {
    const { c, targets } = cache(200, (i) => i === 9);
    const kept = await c.block(4, 0, 100);
    for (let i = 0; i < 4; i++) c.release(await c.block(i, 0, 1));
    await expect(c.block(9, 0, 1)).rejects.toThrow('disk error on 9');
    const failed = targets.at(-1);
    for (const i of [5, 6]) c.release(await c.block(i, 0, 1));
    expect(kept.every((b) => b === 4)).toBe(true);
    expect(targets.slice(1).includes(targets[0]!)).toBe(false);
    expect(targets.slice(-2)).toContain(failed); // a later read got the buffer the failed one gave up
  });

  it('a piece evicted while its read is in flight still lends its blocks safely', async () => {
    const { c } = cache(100);
    const early = c.block(0, 0, 100); // not awaited: piece 0 is evicted before its read completes
    const others = [1, 2].map((i) => c.block(i, 0, 1));
    const block = await early;
    for (const b of await Promise.all(others)) c.release(b);
    for (let i = 3; i < 8; i++) c.release(await c.block(i, 0, 1));
    expect(block.every((b) => b === 0)).toBe(true);
  });
});
