import { describe, expect, it } from 'vitest';

import { PARTIAL_QUIET_MS, SEED_SHARE_RATIO, askSeedForShared } from './seed-share.js';

const MB = 1_000_000;
const state = { now: 10_000, partialBytesPerSecond: 20 * MB, bestBytesPerSecond: 25 * MB, lastPartialBlockAt: 9_990 };

describe('askSeedForShared', () => {
  it('keeps seeds to unshared pieces while partial peers deliver', () => {
    expect(askSeedForShared(state)).toBe(false);
    // A dip to a fifth of the best (other load on the machine) is not enough to lift it.
    expect(askSeedForShared({ ...state, partialBytesPerSecond: 5 * MB })).toBe(false);
  });

  it('lifts the rule when no partial peer has delivered yet, or for a second', () => {
    expect(askSeedForShared({ ...state, lastPartialBlockAt: -Infinity })).toBe(true);
    expect(askSeedForShared({ ...state, lastPartialBlockAt: state.now - PARTIAL_QUIET_MS })).toBe(true);
    expect(askSeedForShared({ ...state, lastPartialBlockAt: state.now - PARTIAL_QUIET_MS + 1 })).toBe(false);
  });

  it('lifts the rule when partial peers deliver a small fraction of the best rate (a fast seed, slow members)', () => {
    const slow = SEED_SHARE_RATIO * state.bestBytesPerSecond;
    expect(askSeedForShared({ ...state, partialBytesPerSecond: slow * 0.99 })).toBe(true);
    expect(askSeedForShared({ ...state, partialBytesPerSecond: slow })).toBe(false);
  });
});
