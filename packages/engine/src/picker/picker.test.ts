import { BLOCK_SIZE, Bitfield, MAX_PIECES } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';

import { RARITY_WALK_BASE, RARITY_WALK_DIVISOR } from './constants.js';
import { PiecePicker, type PickRequest } from './picker.js';
import { seededRng } from '@groupshare/protocol';
import type { BlockRequest } from './types.js';

// Pieces of two blocks each, so "started" and "finished" differ.
const PIECE = 2 * BLOCK_SIZE;

const field = (n: number, pieces: Iterable<number>): Bitfield => {
  const f = new Bitfield(n);
  for (const i of pieces) f.set(i);
  return f;
};
const all = (n: number): number[] => [...Array(n).keys()];

/** A picker for `n` two-block pieces with the given peers connected. */
function setup(n: number, peers: Record<string, number[]>, init: { banned?: (p: string, i: number) => boolean } = {}) {
  const picker = new PiecePicker({ size: n * PIECE, pieceLength: PIECE, ...init });
  const has = new Map<string, Bitfield>();
  for (const [id, pieces] of Object.entries(peers)) {
    has.set(id, field(n, pieces));
    picker.availability.addPeer(has.get(id)!);
  }
  const have = new Bitfield(n);
  const pick = (peer: string, count: number, extra: Partial<PickRequest> = {}): BlockRequest[] =>
    picker.pickBlocks({ peer, peerHas: has.get(peer)!, have, count, now: 0, rng: seededRng(7), ...extra });
  return { picker, has, have, pick };
}
const pieces = (rs: BlockRequest[]): number[] => [...new Set(rs.map((r) => r.index))];
const keys = (rs: BlockRequest[]): string[] => rs.map((r) => `${r.index}:${r.begin}`);

describe('PiecePicker', () => {
  it('picks the rarest piece first', () => {
    const { pick } = setup(4, { a: [0, 1, 2, 3], b: [0, 1, 3], c: [0, 1, 3], d: [0, 3] });
    expect(pick('a', 2)).toEqual([
      { index: 2, begin: 0, length: BLOCK_SIZE },
      { index: 2, begin: BLOCK_SIZE, length: BLOCK_SIZE },
    ]);
    expect(pieces(pick('a', 2))).toEqual([1]); // count 3, before the two pieces with 4
  });

  it('breaks ties among equally rare pieces at random, reproducibly for a seed', () => {
    const chosen = new Map<number, number>();
    for (let seed = 0; seed < 400; seed++) {
      const { pick } = setup(8, { a: all(8) });
      const [first] = pick('a', 1, { rng: seededRng(seed) });
      chosen.set(first!.index, (chosen.get(first!.index) ?? 0) + 1);
    }
    expect([...chosen.keys()].sort()).toEqual(all(8));
    for (const times of chosen.values()) expect(times).toBeGreaterThan(20); // 50 expected each
    const run = (): number[] => pieces(setup(8, { a: all(8) }).pick('a', 16, { rng: seededRng(42) }));
    expect(run()).toEqual(run());
    expect(run()).not.toEqual(all(8)); // not simply index order
  });

  it('finishes started pieces before starting new ones, even rarer ones', () => {
    const { pick, picker } = setup(4, { a: [0, 1, 2, 3], b: [3], c: [3] });
    picker.blocks.reserve('b', 3, 0, 0); // piece 3 (the most common) is started
    expect(pick('a', 1)).toEqual([{ index: 3, begin: BLOCK_SIZE, length: BLOCK_SIZE }]);
    picker.onBlock(3, 0, 'b');
    picker.onBlock(3, BLOCK_SIZE, 'a');
    expect(picker.blocks.pieceBlocksDone(3)).toBe(true);
    expect(pieces(pick('a', 2))).not.toContain(3); // done, awaiting the hash check: nothing free
  });

  it('never gives a free block to two peers outside endgame', () => {
    const { pick } = setup(3, { a: all(3), b: all(3), c: all(3) });
    const off = { endgame: false };
    const got = [pick('a', 4, off), pick('b', 4, off), pick('c', 4, off)].flatMap(keys);
    expect(got).toHaveLength(6);
    expect(new Set(got).size).toBe(6);
    expect(pick('a', 4, { endgame: false })).toEqual([]);
  });

  it('does not enter endgame while a block is still free, even one this peer cannot get', () => {
    const { pick, picker, have } = setup(2, { a: [0], b: [0, 1], c: [0] });
    expect(pieces(pick('a', 4))).toEqual([0]);
    expect(picker.isEndgame(have)).toBe(false);
    expect(pick('c', 4)).toEqual([]); // piece 1 is still free: no duplicates of piece 0 yet
    expect(pieces(pick('b', 4))).toEqual([1, 0]); // b takes the last free blocks, then duplicates
    expect(picker.isEndgame(have)).toBe(true);
    expect(pick('c', 4)).toHaveLength(2);
  });

  it('in endgame duplicates in-flight blocks, bounded per block, and names the peers to cancel', () => {
    const { pick, picker, have } = setup(2, { a: [0, 1], b: [0, 1], c: [0, 1], d: [0, 1] });
    const first = pick('a', 10);
    expect(first).toHaveLength(4);
    expect(picker.isEndgame(have)).toBe(true);
    expect(keys(pick('b', 10)).sort()).toEqual(keys(first).sort());
    expect(pick('c', 3)).toHaveLength(3);
    expect(pick('c', 10)).toHaveLength(1);
    expect(pick('d', 10)).toEqual([]); // each block is already with 1 + 2 duplicates
    expect(picker.onBlock(0, 0, 'b')).toEqual({ isNew: true, cancel: ['a', 'c'] });
    expect(picker.onBlock(0, 0, 'a')).toEqual({ isNew: false, cancel: [] });
    expect(picker.blocks.inFlightCount('a')).toBe(3);
    expect(pick('d', 10, { endgame: false })).toEqual([]);
  });

  it('frees the blocks of a peer that leaves for the others', () => {
    const { pick, picker, has } = setup(2, { a: [0, 1], b: [0, 1] });
    const taken = pick('a', 4);
    expect(pick('b', 4, { endgame: false })).toEqual([]);
    expect(picker.peerLeft('a', has.get('a')!)).toEqual(taken);
    expect(picker.availability.count(0)).toBe(1);
    expect(keys(pick('b', 4)).sort()).toEqual(keys(taken).sort());
  });

  it('reports expired requests after the time-out, not before, and re-requests them elsewhere', () => {
    const { pick, picker } = setup(1, { a: [0], b: [0] });
    pick('a', 2, { now: 1_000 });
    expect(picker.blocks.expired(30_999, 30_000)).toEqual([]);
    const late = picker.blocks.expired(31_000, 30_000);
    expect(late.map((r) => [r.peer, r.index, r.begin])).toEqual([
      ['a', 0, 0],
      ['a', 0, BLOCK_SIZE],
    ]);
    picker.blocks.release('a', 0, 0);
    expect(pick('b', 2, { now: 31_000, endgame: false })).toEqual([{ index: 0, begin: 0, length: BLOCK_SIZE }]);
  });

  it('never picks a piece the peer is banned for, in any phase', () => {
    const banned = (p: string, i: number): boolean => p === 'a' && i === 2;
    const { pick, picker } = setup(3, { a: all(3), b: all(3), c: [0, 1] }, { banned });
    picker.blocks.reserve('b', 2, 0, 0); // started (phase 1) and rarest (phase 2)
    const got = pick('a', 10);
    expect(pieces(got).sort()).toEqual([0, 1]);
    expect(pick('a', 10)).toEqual([]); // endgame now, but not for piece 2
    expect(pieces(pick('b', 10))).toContain(2);
  });

  it('never picks pieces the peer lacks, we have, or the user does not want', () => {
    const { pick, have } = setup(6, { a: [1, 2, 3, 4], b: all(6) });
    have.set(2);
    const want = field(6, [0, 1, 2, 4, 5]);
    expect(pieces(pick('a', 20, { want })).sort()).toEqual([1, 4]);
  });

  it(`picks among ${MAX_PIECES} pieces by visiting only the pieces it takes`, () => {
    const n = MAX_PIECES;
    const picker = new PiecePicker({ size: n * BLOCK_SIZE, pieceLength: BLOCK_SIZE });
    const seeder = Bitfield.full(n);
    const partial = Bitfield.full(n);
    partial.clear(123_456); // the only piece with one holder
    picker.availability.addPeer(seeder);
    picker.availability.addPeer(partial);
    expect(picker.availability.moves).toBeLessThanOrEqual(2 * n); // one swap per count change
    const have = new Bitfield(n);
    const req = { peer: 's', peerHas: seeder, have, now: 0, rng: seededRng(1) };
    expect(picker.pickBlocks({ ...req, count: 1 })).toEqual([{ index: 123_456, begin: 0, length: BLOCK_SIZE }]);
    expect(picker.lastPickVisits).toBeLessThanOrEqual(2);
    const got = picker.pickBlocks({ ...req, count: 250 });
    expect(new Set(pieces(got)).size).toBe(250);
    expect(picker.lastPickVisits).toBeLessThanOrEqual(2 * 250 + 1); // started piece + ~1 draw per piece
    for (const r of got) {
      picker.onBlock(r.index, r.begin, 's');
      have.set(r.index);
      picker.pieceVerified(r.index);
    }
    expect(picker.blocks.isStarted(got[0]!.index)).toBe(false);
    expect(picker.pickBlocks({ ...req, count: 10 })).toHaveLength(10);
    expect(picker.lastPickVisits).toBeLessThanOrEqual(20);

    // A peer with only two pieces: the walk gives up after its budget and scans the bitfield.
    const sparse = field(n, [5, 200_000]);
    const budget = RARITY_WALK_BASE + n / RARITY_WALK_DIVISOR;
    const few = picker.pickBlocks({ ...req, peer: 'x', peerHas: sparse, count: 10 });
    expect(pieces(few).sort()).toEqual([200_000, 5].sort());
    expect(picker.lastPickVisits).toBeLessThanOrEqual(budget + 2 * 2);
    expect(picker.pickBlocks({ ...req, peer: 'x', peerHas: sparse, count: 10, endgame: false })).toEqual([]);
    expect(picker.lastPickVisits).toBeLessThanOrEqual(budget + 2);
  });

  it('scans a sparse peer\'s bitfield with the same policy: rarest first, random ties', () => {
    // 2,000 pieces: the walk budget (287 checks) is far below what finding a sparse peer's needs.
    const n = 2_000;
    const seen = new Set<number>();
    for (let seed = 0; seed < 60; seed++) {
      const picker = new PiecePicker({ size: n * BLOCK_SIZE, pieceLength: BLOCK_SIZE });
      const sparse = field(n, [1_500, 1_600, 1_700, 1_800]);
      picker.availability.addPeer(Bitfield.full(n));
      picker.availability.addPeer(sparse);
      picker.availability.addPeer(field(n, [1_500]));
      const peer = { peer: 'x', peerHas: sparse, have: new Bitfield(n), now: 0, rng: seededRng(seed) };
      const got = pieces(picker.pickBlocks({ ...peer, count: 2 }));
      expect(got).toHaveLength(2);
      expect(got).not.toContain(1_500); // count 3, the others 2
      expect(picker.lastPickVisits).toBeLessThan(400);
      seen.add(got[0]!);
    }
    expect([...seen].sort()).toEqual([1_600, 1_700, 1_800]);
  });
});
