import { Bitfield } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';
import { StallWatch, uncoveredPieces } from './stall-watch.js';

function bits(count: number, set: number[]): Bitfield {
  const b = new Bitfield(count);
  for (const i of set) b.set(i);
  return b;
}

describe('uncoveredPieces', () => {
  it('counts the pieces we lack that neither the tracker\'s holders nor a connected peer have', () => {
    const have = bits(8, [0, 1]);
    const offered = bits(8, [2, 3]);
    const connected = new Map([[4, 1]]);
    // Lacking 2..7; 2, 3 offered, 4 connected: 5, 6, 7 have nobody.
    expect(uncoveredPieces(have, offered, (i) => connected.get(i) ?? 0)).toBe(3);
    expect(uncoveredPieces(bits(8, [0, 1, 2, 3, 4, 5, 6, 7]), new Bitfield(8), () => 0)).toBe(0);
  });
});

describe('StallWatch', () => {
  it('reports stalled only after the pieces stayed uncovered for the whole wait, and resumed when covered', () => {
    const w = new StallWatch(60_000);
    expect(w.update(3, 0)).toBeUndefined();
    expect(w.update(3, 59_999)).toBeUndefined();
    expect(w.stalled).toBeUndefined();
    expect(w.update(2, 60_000)).toBe('stalled');
    expect(w.stalled).toEqual({ reason: 'no online member has 2 of its pieces', since: 60_000 });
    // Still stalled: no second report, but the count follows.
    expect(w.update(5, 70_000)).toBeUndefined();
    expect(w.stalled?.reason).toBe('no online member has 5 of its pieces');
    expect(w.update(0, 71_000)).toBe('resumed');
    expect(w.stalled).toBeUndefined();
  });

  it('starts the wait again when the pieces were covered in between', () => {
    const w = new StallWatch(10_000);
    w.update(1, 0);
    w.update(0, 9_000); // a holder came and went
    expect(w.update(1, 12_000)).toBeUndefined();
    expect(w.update(1, 21_999)).toBeUndefined();
    expect(w.update(1, 22_000)).toBe('stalled');
  });
});
