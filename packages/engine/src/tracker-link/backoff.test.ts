import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const opts = { initialMs: 100, maxMs: 2_000 };

describe('backoffDelay', () => {
  it('doubles per round from initialMs and stops at maxMs', () => {
    const top = (round: number) => backoffDelay(round, opts, () => 1);
    expect([1, 2, 3, 4, 5, 6, 20, 5000].map(top)).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  });

  it('jitters between half and all of the pause', () => {
    expect(backoffDelay(3, opts, () => 0)).toBe(200);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(300);
    expect(backoffDelay(3, opts, () => 0.9999)).toBeLessThanOrEqual(400);
  });
});
