import { Bitfield, MAX_PIECES } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';

import { Availability } from './availability.js';
import { seededRng } from '@groupshare/protocol';

const field = (n: number, pieces: number[]): Bitfield => {
  const f = new Bitfield(n);
  for (const i of pieces) f.set(i);
  return f;
};

/** Walks the whole map as the picker does: each yielded piece becomes ineligible. */
function walk(a: Availability, seed = 1): number[] {
  const seen = new Set<number>();
  for (const i of a.rarest(seededRng(seed), (p) => !seen.has(p))) seen.add(i);
  return [...seen];
}

describe('Availability', () => {
  it('counts peers per piece through join, have and leave', () => {
    const a = new Availability(10);
    const p1 = field(10, [0, 1, 2]);
    const p2 = field(10, [1, 2, 9]);
    a.addPeer(p1);
    a.addPeer(p2);
    a.have(9);
    expect([0, 1, 2, 3, 9].map((i) => a.count(i))).toEqual([1, 2, 2, 0, 2]);
    a.removePeer(p1);
    expect([0, 1, 2, 3, 9].map((i) => a.count(i))).toEqual([0, 1, 1, 0, 2]);
  });

  it('walks pieces rarest first, skipping pieces no peer has', () => {
    const a = new Availability(6);
    a.addPeer(field(6, [0, 1, 2, 3]));
    a.addPeer(field(6, [0, 1, 2]));
    a.addPeer(field(6, [0, 1]));
    a.addPeer(field(6, [0]));
    // counts: 0→4, 1→3, 2→2, 3→1, 4,5→0
    expect(walk(a)).toEqual([3, 2, 1, 0]);
  });

  it('rejects a leave that would make a count negative and leaves the map untouched', () => {
    const a = new Availability(4);
    a.addPeer(field(4, [0]));
    expect(() => a.removePeer(field(4, [0, 1]))).toThrow(RangeError);
    expect(a.count(0)).toBe(1);
    expect(() => a.addPeer(new Bitfield(5))).toThrow(RangeError);
  });

  it('excluded pieces keep their count but leave the walk until included again', () => {
    const a = new Availability(5);
    a.addPeer(Bitfield.full(5));
    a.have(3);
    a.exclude(3);
    a.exclude(0);
    a.have(3); // a peer announces an excluded piece: counted, still not walked
    expect(a.count(3)).toBe(3);
    expect(new Set(walk(a))).toEqual(new Set([1, 2, 4]));
    a.include(3);
    expect(walk(a).at(-1)).toBe(3);
    expect(a.isExcluded(0)).toBe(true);
  });

  it('agrees with a naive model over random joins, haves, leaves and exclusions', () => {
    for (let seed = 0; seed < 50; seed++) {
      const rng = seededRng(seed);
      const n = 1 + Math.floor(rng() * 40);
      const a = new Availability(n);
      const model = new Array<number>(n).fill(0);
      const excluded = new Set<number>();
      const peers: Bitfield[] = [];
      for (let step = 0; step < 200; step++) {
        const r = rng();
        const i = Math.floor(rng() * n);
        if (r < 0.3) {
          const f = field(n, [...Array(n).keys()].filter(() => rng() < 0.5));
          peers.push(f);
          a.addPeer(f);
          for (const p of f.indices()) model[p]!++;
        } else if (r < 0.5 && peers.length > 0) {
          const f = peers.splice(Math.floor(rng() * peers.length), 1)[0]!;
          a.removePeer(f);
          for (const p of f.indices()) model[p]!--;
        } else if (r < 0.7 && peers.length > 0) {
          const f = peers[Math.floor(rng() * peers.length)]!;
          if (!f.has(i)) {
            f.set(i);
            a.have(i);
            model[i]!++;
          }
        } else if (r < 0.85) {
          a.exclude(i);
          excluded.add(i);
        } else {
          a.include(i);
          excluded.delete(i);
        }
      }
      expect([...Array(n).keys()].map((i) => a.count(i))).toEqual(model);
      const order = walk(a, seed);
      const expected = [...Array(n).keys()].filter((i) => !excluded.has(i) && model[i]! > 0);
      expect(order.slice().sort((x, y) => x - y)).toEqual(expected);
      const counts = order.map((i) => model[i]!);
      expect(counts).toEqual(counts.slice().sort((x, y) => x - y));
      for (let c = 0; c <= peers.length; c++) {
        const inBucket = expected.filter((i) => model[i] === c).length;
        if (c > 0) expect(a.piecesWithCount(c)).toBe(inBucket);
      }
    }
  });

  it(`updates ${MAX_PIECES} pieces with at most one swap per count change`, () => {
    const a = new Availability(MAX_PIECES);
    a.addPeer(Bitfield.full(MAX_PIECES));
    expect(a.moves).toBeLessThanOrEqual(MAX_PIECES);
    const half = new Bitfield(MAX_PIECES);
    for (let i = 0; i < MAX_PIECES; i += 2) half.set(i);
    let before = a.moves;
    a.addPeer(half);
    expect(a.moves - before).toBeLessThanOrEqual(MAX_PIECES / 2);
    before = a.moves;
    for (let i = 1; i < 1001; i += 2) a.have(i);
    expect(a.moves - before).toBeLessThanOrEqual(500);
    before = a.moves;
    a.exclude(0); // count 2: crosses three boundaries
    expect(a.moves - before).toBeLessThanOrEqual(3);
    before = a.moves;
    a.removePeer(half);
    expect(a.moves - before).toBeLessThanOrEqual(MAX_PIECES / 2);
    expect(a.piecesWithCount(1)).toBe(MAX_PIECES - 500 - 1);
  });
});
