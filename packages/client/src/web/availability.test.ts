// Per-piece availability from the tracker's piece maps: right counts (BEP 3 bit order, the short
// last byte, the cap at 255, this peer's own whole copy) and fast enough for 16,384 pieces.
import { Bitfield } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';
import { offlineOnlyPieces, pieceAvailability } from './availability.js';

function field(pieceCount: number, pieces: Iterable<number>): Uint8Array {
  const b = new Bitfield(pieceCount);
  for (const i of pieces) b.set(i);
  return b.bytes;
}

describe('pieceAvailability', () => {
  it('counts the online holders of each piece, plus whole copies', () => {
    const counts = pieceAvailability(10, [field(10, [0, 1, 9]), field(10, [1, 8, 9]), field(10, [9])], 1);
    expect([...counts]).toEqual([2, 3, 1, 1, 1, 1, 1, 1, 2, 4]);
  });

  it('caps at 255', () => {
    const all = field(3, [0, 1, 2]);
    expect([...pieceAvailability(3, new Array(300).fill(all))]).toEqual([255, 255, 255]);
  });

  it('counts offline-only pieces only when an offline member holds some', () => {
    const counts = pieceAvailability(4, [field(4, [0, 1])]);
    const online = { userId: 'a', online: true, pieces: 2, complete: false };
    expect(offlineOnlyPieces(counts, [online])).toBe(0);
    expect(offlineOnlyPieces(counts, [online, { userId: 'b', online: false, pieces: 4, complete: true }])).toBe(2);
  });

  it('sums 40 holders of a 16,384-piece file in well under 50 ms', () => {
    const n = 16_384;
    const fields = Array.from({ length: 40 }, (_, h) => field(n, Array.from({ length: n / 2 }, (_, i) => (i * 2 + h) % n)));
    const started = performance.now();
    const counts = pieceAvailability(n, fields);
    const ms = performance.now() - started;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(40 * (n / 2));
    expect(ms).toBeLessThan(50);
  });
});
