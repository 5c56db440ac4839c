// The picker's seed rule: a peer registered with a complete bitfield is asked only for pieces no
// partial peer has (unless the caller lifts the rule), and in endgame like anyone else.
import { BLOCK_SIZE, Bitfield, MAX_PIECES, seededRng } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';

import { PiecePicker, type PickRequest } from './picker.js';
import type { BlockRequest } from './types.js';

const PIECE = 2 * BLOCK_SIZE;
const field = (n: number, pieces: Iterable<number>): Bitfield => {
  const f = new Bitfield(n);
  for (const i of pieces) f.set(i);
  return f;
};
const pieces = (rs: BlockRequest[]): number[] => [...new Set(rs.map((r) => r.index))];

/** A picker for `n` two-block pieces; `seed` has everything, the partial peers what is listed. */
function setup(n: number, partial: Record<string, number[]>) {
  const picker = new PiecePicker({ size: n * PIECE, pieceLength: PIECE });
  const has = new Map<string, Bitfield>([['seed', Bitfield.full(n)]]);
  picker.addPeer('seed', has.get('seed')!);
  for (const [id, ps] of Object.entries(partial)) {
    has.set(id, field(n, ps));
    picker.addPeer(id, has.get(id)!);
  }
  const have = new Bitfield(n);
  const pick = (peer: string, count: number, extra: Partial<PickRequest> = {}): BlockRequest[] =>
    picker.pickBlocks({ peer, peerHas: has.get(peer)!, have, count, now: 0, rng: seededRng(3), ...extra });
  return { picker, has, have, pick };
}

describe('PiecePicker and seeds', () => {
  it('counts a seed apart: the rarity map holds only partial peers', () => {
    const { picker } = setup(4, { a: [0, 1], b: [1] });
    expect(picker.isSeed('seed')).toBe(true);
    expect(picker.isSeed('a')).toBe(false);
    expect([0, 1, 2, 3].map((i) => picker.availability.count(i))).toEqual([1, 2, 0, 0]);
  });

  it('asks a seed only for pieces no partial peer has, and those first from it', () => {
    const { pick } = setup(6, { a: [0, 1, 2], b: [2, 3] });
    const fromSeed = pieces(pick('seed', 100, { endgame: false }));
    expect(fromSeed.sort()).toEqual([4, 5]);
    // The rest is left to the partial peers that hold it.
    expect(pieces(pick('a', 100, { endgame: false })).sort()).toEqual([0, 1, 2]);
    expect(pieces(pick('b', 100, { endgame: false }))).toEqual([3]);
  });

  it('asks a seed for pieces partial peers have too when the caller lifts the rule, rarest first', () => {
    const { pick } = setup(4, { a: [0, 1, 2], b: [1, 2] });
    expect(pieces(pick('seed', 2, { askSeedForShared: true }))).toEqual([3]); // unshared first
    expect(pieces(pick('seed', 2, { askSeedForShared: true }))).toEqual([0]); // then the rarest shared
    expect(pieces(pick('seed', 4, { askSeedForShared: true })).sort()).toEqual([1, 2]);
  });

  it('does not finish a partial peer\'s started piece from a seed', () => {
    const { pick, picker } = setup(2, { a: [0] });
    expect(pick('a', 1, { endgame: false })).toEqual([{ index: 0, begin: 0, length: BLOCK_SIZE }]);
    expect(pieces(pick('seed', 4, { endgame: false }))).toEqual([1]); // not piece 0's free block
    expect(picker.blocks.freeCount(0)).toBe(1);
  });

  it('alone, a seed is asked for everything: a lone downloader is not slowed', () => {
    const { pick } = setup(8, {});
    expect(pieces(pick('seed', 16)).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('asks a seed again for the pieces of a partial peer that leaves', () => {
    const { pick, picker, has } = setup(3, { a: [0, 1] });
    expect(pieces(pick('seed', 10, { endgame: false }))).toEqual([2]);
    const released = picker.peerLeft('a', has.get('a')!);
    expect(released).toEqual([]);
    expect(pieces(pick('seed', 10, { endgame: false })).sort()).toEqual([0, 1]);
  });

  it('duplicates a partial peer\'s in-flight blocks from a seed in endgame', () => {
    const { pick, picker, have } = setup(2, { a: [0, 1] });
    const fromA = pick('a', 4);
    expect(fromA).toHaveLength(4);
    expect(picker.isEndgame(have)).toBe(true);
    expect(pick('seed', 4)).toHaveLength(4); // stalled or gone, a's blocks still arrive from the seed
  });

  it('stays out of endgame while a piece only the seed has is untouched', () => {
    const { pick, picker, have } = setup(2, { a: [0] });
    pick('a', 2);
    expect(picker.isEndgame(have)).toBe(false); // piece 1 is still free at the seed
    expect(pick('a', 4)).toEqual([]);
  });

  it('keeps a partial peer that completes as a partial peer: its upload is as cheap as any', () => {
    const { picker, has, pick } = setup(2, { a: [0] });
    (has.get('a') as Bitfield).set(1);
    picker.peerHave('a', 1);
    expect(picker.isSeed('a')).toBe(false);
    expect(picker.availability.count(1)).toBe(1);
    expect(pick('seed', 4, { endgame: false })).toEqual([]); // both pieces now with a partial peer
    expect(pieces(pick('a', 4)).sort()).toEqual([0, 1]);
  });

  it('spreads concurrent downloaders over different pieces from the seed: random ties', () => {
    // Eight pickers (eight downloaders) each take 4 of 64 unshared pieces from the same seed.
    const rng = seededRng(5); // one stream: the downloaders' draws are independent
    const taken = new Set<number>();
    for (let d = 0; d < 8; d++) {
      const { pick } = setup(64, {});
      for (const i of pieces(pick('seed', 8, { rng }))) taken.add(i);
    }
    // 32 picks: 25.8 distinct pieces expected at random; in index order they would be 4.
    expect(taken.size).toBeGreaterThan(20);
  });

  it(`finds a seed's unshared pieces among ${MAX_PIECES} by visiting about the pieces it takes`, () => {
    const n = MAX_PIECES;
    const picker = new PiecePicker({ size: n * BLOCK_SIZE, pieceLength: BLOCK_SIZE });
    const seed = Bitfield.full(n);
    const partial = Bitfield.full(n);
    for (const i of [7, 99_999, 262_000]) partial.clear(i); // the only unshared pieces
    picker.addPeer('seed', seed);
    picker.addPeer('a', partial);
    const got = picker.pickBlocks({ peer: 'seed', peerHas: seed, have: new Bitfield(n), count: 10, now: 0, rng: seededRng(1), endgame: false });
    expect(pieces(got).sort((x, y) => x - y)).toEqual([7, 99_999, 262_000]);
    expect(picker.lastPickVisits).toBeLessThanOrEqual(3 * 4 + 3);
  });
});
