import { BLOCK_SIZE } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';

import { BlockReservations } from './blocks.js';

// 3 pieces of 3 blocks; the last piece is 1.5 blocks long (a full block and a half block).
const PIECE = 3 * BLOCK_SIZE;
const SIZE = 2 * PIECE + BLOCK_SIZE + BLOCK_SIZE / 2;
const ledger = (): BlockReservations => new BlockReservations({ size: SIZE, pieceLength: PIECE });

describe('BlockReservations', () => {
  it('knows the block geometry, including the short last block', () => {
    const b = ledger();
    expect(b.pieceCount).toBe(3);
    expect(b.blocksIn(2)).toBe(2);
    expect(b.expectedLength(2, BLOCK_SIZE)).toBe(BLOCK_SIZE / 2);
    expect(b.expectedLength(2, 2 * BLOCK_SIZE)).toBeUndefined();
    expect(b.expectedLength(0, 100)).toBeUndefined();
    expect(b.expectedLength(3, 0)).toBeUndefined();
    expect(() => b.reserve('a', 0, 100, 0)).toThrow(RangeError);
  });

  it('tracks received, in-flight and free blocks per piece', () => {
    const b = ledger();
    expect(b.isStarted(0)).toBe(false);
    expect(b.reserve('a', 0, 0, 10)).toBe(true);
    expect(b.reserve('a', 0, 0, 11)).toBe(false); // same peer, same block
    expect(b.reserve('b', 0, BLOCK_SIZE, 12)).toBe(true);
    expect(b.progress(0)).toEqual({ received: 0, inFlight: 2, free: 1 });
    expect(b.received(0, 0, 'a')).toEqual({ isNew: true, cancel: [] });
    expect(b.progress(0)).toEqual({ received: 1, inFlight: 1, free: 1 });
    expect(b.inFlightCount('a')).toBe(0);
    expect(b.reserve('b', 0, 0, 13)).toBe(false); // already received
    expect([...b.freeBlocks(0)]).toEqual([2 * BLOCK_SIZE]);
    expect(b.pieceBlocksDone(0)).toBe(false);
    b.received(0, BLOCK_SIZE, 'b');
    b.received(0, 2 * BLOCK_SIZE, 'c'); // arrived unrequested (e.g. after a time-out): still useful
    expect(b.pieceBlocksDone(0)).toBe(true);
    expect([...b.started()]).toEqual([0]);
  });

  it('tells when a block was requested from a peer, while it is in flight from that peer', () => {
    const b = ledger();
    b.reserve('a', 1, BLOCK_SIZE, 30);
    b.reserve('b', 1, BLOCK_SIZE, 40);
    expect(b.requestedAt(1, BLOCK_SIZE, 'a')).toBe(30);
    expect(b.requestedAt(1, BLOCK_SIZE, 'b')).toBe(40);
    expect(b.requestedAt(1, 0, 'a')).toBeUndefined();
    expect(b.requestedAt(2, 0, 'a')).toBeUndefined();
    b.release('a', 1, BLOCK_SIZE);
    expect(b.requestedAt(1, BLOCK_SIZE, 'a')).toBeUndefined();
    b.received(1, BLOCK_SIZE, 'b');
    expect(b.requestedAt(1, BLOCK_SIZE, 'b')).toBeUndefined();
  });

  it('a piece with nothing received and nothing in flight is no longer started', () => {
    const b = ledger();
    b.reserve('a', 1, 0, 0);
    expect(b.release('a', 1, 0)).toBe(true);
    expect(b.release('a', 1, 0)).toBe(false);
    expect(b.isStarted(1)).toBe(false);
    // A block of a piece that is not started is not recorded.
    expect(b.received(1, 0, 'a')).toEqual({ isNew: false, cancel: [] });
  });

  it('a single-block request answered by its peer counts as received', () => {
    const b = new BlockReservations({ size: BLOCK_SIZE, pieceLength: BLOCK_SIZE });
    b.reserve('a', 0, 0, 0);
    expect(b.received(0, 0, 'a')).toEqual({ isNew: true, cancel: [] });
    expect(b.pieceBlocksDone(0)).toBe(true);
  });

  it('an arriving block names the other requesters to cancel; a second copy is not new', () => {
    const b = ledger();
    for (const p of ['a', 'b', 'c']) b.reserve(p, 2, BLOCK_SIZE, 0);
    expect(b.received(2, BLOCK_SIZE, 'b')).toEqual({ isNew: true, cancel: ['a', 'c'] });
    expect(b.inFlightCount('a') + b.inFlightCount('c')).toBe(0);
    expect(b.received(2, BLOCK_SIZE, 'a')).toEqual({ isNew: false, cancel: [] });
  });

  it('releasePeer frees every block of a peer that left, and only those', () => {
    const b = ledger();
    b.reserve('a', 0, 0, 0);
    b.reserve('a', 1, BLOCK_SIZE, 0);
    b.reserve('b', 1, BLOCK_SIZE, 0);
    b.reserve('b', 2, 0, 0);
    expect(b.releasePeer('a')).toEqual([
      { index: 0, begin: 0, length: BLOCK_SIZE },
      { index: 1, begin: BLOCK_SIZE, length: BLOCK_SIZE },
    ]);
    expect(b.isStarted(0)).toBe(false);
    expect(b.progress(1)).toEqual({ received: 0, inFlight: 1, free: 2 }); // still b's
    expect(b.requestsOf('b')).toHaveLength(2);
    expect(b.releasePeer('a')).toEqual([]);
  });

  it('reports requests once they are outstanding for the time-out, oldest first, without changing them', () => {
    const b = ledger();
    b.reserve('a', 0, 0, 1_000);
    b.reserve('b', 0, BLOCK_SIZE, 500);
    b.reserve('c', 0, 2 * BLOCK_SIZE, 2_000);
    expect(b.expired(1_499, 1_000)).toEqual([]);
    expect(b.expired(1_500, 1_000).map((r) => r.peer)).toEqual(['b']);
    expect(b.expired(2_000, 1_000)).toEqual([
      { peer: 'b', requestedAt: 500, index: 0, begin: BLOCK_SIZE, length: BLOCK_SIZE },
      { peer: 'a', requestedAt: 1_000, index: 0, begin: 0, length: BLOCK_SIZE },
    ]);
    expect(b.inFlightCount('a')).toBe(1);
  });

  it('resetPiece forgets a failed piece and names who delivered it; pieceVerified drops it', () => {
    const b = ledger();
    b.reserve('a', 0, 0, 0);
    b.reserve('b', 0, BLOCK_SIZE, 0);
    b.reserve('c', 0, 2 * BLOCK_SIZE, 0);
    b.received(0, 0, 'a');
    b.received(0, BLOCK_SIZE, 'b');
    expect(b.resetPiece(0).sort()).toEqual(['a', 'b']);
    expect(b.isStarted(0)).toBe(false);
    expect(b.inFlightCount('c')).toBe(0);
    expect(b.freeCount(0)).toBe(3);
    b.reserve('a', 1, 0, 0);
    expect(b.pieceVerified(1)).toEqual(['a']);
    expect(b.isStarted(1)).toBe(false);
  });
});
