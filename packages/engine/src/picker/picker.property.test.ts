/**
 * Seeded simulation: random peers join, leave, gain pieces, deliver (some of them corrupt data),
 * stall into time-outs, while the picker serves their pipelines. After every pick the invariants
 * hold; once every peer is back, the download completes.
 */
import { BLOCK_SIZE, Bitfield } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';

import { DEFAULT_MAX_DUPLICATES } from './constants.js';
import { PiecePicker } from './picker.js';
import { seededRng } from '@groupshare/protocol';

interface SimPeer {
  readonly id: string;
  readonly has: Bitfield;
  /** Pieces this peer sends garbage for. */
  readonly corrupt: Set<number>;
  readonly depth: number;
  connected: boolean;
}

const SCENARIOS = 300;
const CHURN_STEPS = 1_500; // joins and leaves only in this phase
const MAX_STEPS = 20_000;
const TIMEOUT_MS = 2_000;

function runScenario(seed: number): Record<'steps' | 'endgamePicks' | 'failed' | 'left' | 'expired', number> {
  const rng = seededRng(seed);
  const int = (n: number): number => Math.floor(rng() * n);
  const pieceLength = BLOCK_SIZE * (1 + int(3));
  const n = 1 + int(24);
  const size = (n - 1) * pieceLength + 1 + int(pieceLength);
  const peers: SimPeer[] = [];
  for (let p = 0, count = 1 + int(5); p < count; p++) {
    const has = new Bitfield(n);
    const density = rng();
    for (let i = 0; i < n; i++) if (rng() < density) has.set(i);
    peers.push({ id: `p${p}`, has, corrupt: new Set(), depth: 1 + int(6), connected: false });
  }
  // Honest peers together hold every piece; a corrupt peer (one scenario in three) lies about some.
  for (let i = 0; i < n; i++) if (!peers.some((p) => p.has.has(i))) peers[int(peers.length)]!.has.set(i);
  if (seed % 3 === 0) {
    const liar: SimPeer = { id: 'liar', has: Bitfield.full(n), corrupt: new Set(), depth: 4, connected: false };
    for (let i = 0; i < n; i++) if (rng() < 0.5) liar.corrupt.add(i);
    peers.push(liar);
  }

  const bans = new Set<string>();
  const picker = new PiecePicker({ size, pieceLength, banned: (p, i) => bans.has(`${p}:${i}`) });
  const have = new Bitfield(n);
  let now = 0;
  const stats = { endgamePicks: 0, failed: 0, left: 0, expired: 0 };
  const sentBy = new Map<number, Set<string>>();
  const connect = (p: SimPeer): void => {
    p.connected = true;
    picker.availability.addPeer(p.has);
  };

  let step = 0;
  for (; step < MAX_STEPS && !have.isComplete(); step++) {
    now += int(100);
    const churn = step < CHURN_STEPS;
    if (!churn) for (const p of peers) if (!p.connected) connect(p);
    const p = peers[int(peers.length)]!;
    const action = rng();
    if (!p.connected) {
      if (churn && action < 0.3) connect(p);
    } else if (churn && action < 0.03) {
      picker.peerLeft(p.id, p.has);
      p.connected = false;
      stats.left++;
    } else if (action < 0.06) {
      // The peer completes a piece it lacked and announces it.
      const i = int(n);
      if (!p.has.has(i) && p.id !== 'liar') {
        p.has.set(i);
        picker.availability.have(i);
      }
    } else if (action < 0.1) {
      // A stall: give up on requests outstanding too long, as the download manager would.
      for (const r of picker.blocks.expired(now, TIMEOUT_MS)) {
        expect(now - r.requestedAt).toBeGreaterThanOrEqual(TIMEOUT_MS);
        picker.blocks.release(r.peer, r.index, r.begin);
        stats.expired++;
      }
    } else if (action < 0.55) {
      deliver(p);
    } else {
      pick(p);
    }
  }
  return { steps: step, ...stats };

  function deliver(p: SimPeer): void {
    const queue = picker.blocks.requestsOf(p.id);
    if (queue.length === 0) return;
    const r = queue[int(queue.length)]!;
    const arrival = picker.onBlock(r.index, r.begin, p.id);
    expect(arrival.isNew).toBe(true); // its request was still live, so nobody delivered it yet
    expect(arrival.cancel).not.toContain(p.id);
    const senders = sentBy.get(r.index) ?? new Set<string>();
    sentBy.set(r.index, senders.add(p.id));
    if (!picker.blocks.pieceBlocksDone(r.index)) return;
    sentBy.delete(r.index);
    // The "hash check": bad if any block came from a peer corrupt for this piece.
    if ([...senders].some((id) => peers.find((q) => q.id === id)!.corrupt.has(r.index))) {
      stats.failed++;
      const contributors = picker.pieceFailed(r.index);
      expect(contributors.sort()).toEqual([...senders].sort());
      for (const id of contributors) if (peers.find((q) => q.id === id)!.corrupt.has(r.index)) bans.add(`${id}:${r.index}`);
    } else {
      have.set(r.index);
      picker.pieceVerified(r.index);
    }
  }

  function pick(p: SimPeer): void {
    const inFlightBefore = new Map<string, number>();
    for (const i of picker.blocks.started()) {
      for (const { begin, peers: req } of picker.blocks.inFlight(i)) inFlightBefore.set(`${i}:${begin}`, req.size);
    }
    const count = p.depth - picker.blocks.inFlightCount(p.id);
    const got = picker.pickBlocks({ peer: p.id, peerHas: p.has, have, count, now, rng });
    // Endgame may begin during this pick, once it has taken the last free blocks; it then holds.
    const endgame = picker.isEndgame(have);
    expect(got.length).toBeLessThanOrEqual(Math.max(0, count));
    const keys = got.map((r) => `${r.index}:${r.begin}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const [k, r] of got.entries()) {
      expect(p.has.has(r.index)).toBe(true);
      expect(have.has(r.index)).toBe(false);
      expect(bans.has(`${p.id}:${r.index}`)).toBe(false);
      expect(r.length).toBe(picker.blocks.expectedLength(r.index, r.begin));
      const before = inFlightBefore.get(keys[k]!) ?? 0;
      if (before > 0) {
        // A block already in flight is only handed out again in endgame, boundedly.
        expect(endgame).toBe(true);
        expect(before).toBeLessThanOrEqual(DEFAULT_MAX_DUPLICATES);
        stats.endgamePicks++;
      }
    }
  }
}

describe('PiecePicker simulation', () => {
  it(`keeps its invariants and completes in ${SCENARIOS} random swarms`, () => {
    const total = { endgamePicks: 0, failed: 0, left: 0, expired: 0 };
    for (let seed = 0; seed < SCENARIOS; seed++) {
      const { steps, ...stats } = runScenario(seed);
      expect(steps, `seed ${seed} did not complete`).toBeLessThan(MAX_STEPS);
      for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += stats[k];
    }
    // Every path was exercised: endgame duplicates, failed pieces, departures, time-outs.
    for (const v of Object.values(total)) expect(v).toBeGreaterThan(0);
  });
});
