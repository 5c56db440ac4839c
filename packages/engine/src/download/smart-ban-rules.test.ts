// The smart-ban rules on their own (smart-ban.ts): who is dropped, who is retried from, and when
// piece bans are lifted. smart-ban.test.ts checks the same through a whole swarm.
import { describe, expect, it } from 'vitest';
import { SmartBan } from './smart-ban.js';

const BLOCK = 4;

function rules(rng = () => 0): { ban: SmartBan; dropped: string[] } {
  const dropped: string[] = [];
  const ban = new SmartBan({ rng, blockLength: () => BLOCK, drop: (peer) => dropped.push(peer) });
  return { ban, dropped };
}

describe('SmartBan', () => {
  it('drops the only sender of a piece that failed its hash', () => {
    const { ban, dropped } = rules();
    expect(ban.pieceFailed(3, Buffer.alloc(8), ['a'], new Map([[0, 'a'], [4, 'a']]), () => true)).toEqual([]);
    expect(dropped).toEqual(['a']);
    expect(ban.banned.has('a')).toBe(true);
    expect(ban.bannedFor('a', 3)).toBe(true);
  });

  it('with several senders, retries from one, and drops only the one whose block differed once the piece verifies', () => {
    const { ban, dropped } = rules(() => 0); // retries from the first contributor, 'a'
    const received = Buffer.from('goodBAD!');
    const suspects = ban.pieceFailed(7, received, ['a', 'b'], new Map([[0, 'a'], [4, 'b']]), () => true);
    expect(suspects).toEqual(['b']);
    expect(dropped).toEqual([]);
    expect(ban.bannedFor('a', 7)).toBe(false);
    expect(ban.bannedFor('b', 7)).toBe(true);
    ban.pieceVerified(7, Buffer.from('goodgood'));
    expect(dropped).toEqual(['b']);
    expect(ban.banned.has('a')).toBe(false);
  });

  it('lifts the bans of a piece when the peer it is retried from leaves, and all bans when stuck', () => {
    const { ban } = rules(() => 0);
    ban.pieceFailed(1, Buffer.alloc(8), ['a', 'b'], new Map([[0, 'a'], [4, 'b']]), () => true);
    ban.pieceFailed(2, Buffer.alloc(8), ['b', 'c'], new Map([[0, 'b'], [4, 'c']]), () => true);
    expect(ban.bannedFor('b', 1)).toBe(true);
    ban.peerLeft('a'); // piece 1 was retried from a
    expect(ban.bannedFor('b', 1)).toBe(false);
    expect(ban.bannedFor('c', 2)).toBe(true);
    ban.liftAll();
    expect(ban.hasPieceBans).toBe(false);
  });

  it('retries from a contributor still connected when one has gone', () => {
    const { ban } = rules(() => 0);
    const suspects = ban.pieceFailed(5, Buffer.alloc(8), ['gone', 'here'], new Map([[0, 'gone'], [4, 'here']]), (p) => p === 'here');
    expect(suspects).toEqual(['gone']);
    expect(ban.bannedFor('here', 5)).toBe(false);
  });
});
