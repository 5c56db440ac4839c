import { describe, expect, it } from 'vitest';

import { LoginGuard, LoginThrottle, type LoginThrottleInit } from './login-throttle.js';

const INIT: LoginThrottleInit = {
  freeFailures: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
  forgetAfterMs: 60_000,
  maxEntries: 100,
};

function throttleAfter(failures: number, init: Partial<LoginThrottleInit> = {}, key = 'user:alice', at = 0): LoginThrottle {
  const throttle = new LoginThrottle({ ...INIT, ...init });
  for (let i = 0; i < failures; i++) throttle.recordFailure(key, at);
  return throttle;
}

// Online guessing slows down exponentially after a few free failures, up to a cap.
describe('LoginThrottle delays', () => {
  it('lets a key try at once until it has used its free failures', () => {
    const throttle = new LoginThrottle(INIT);
    expect(throttle.waitMs('user:alice', 0)).toBe(0);
    throttle.recordFailure('user:alice', 0);
    throttle.recordFailure('user:alice', 0);
    expect(throttle.waitMs('user:alice', 0)).toBe(0);
    throttle.recordFailure('user:alice', 0);
    expect(throttle.waitMs('user:alice', 0)).toBe(1_000);
  });

  it('doubles the delay with each further failure, then caps it', () => {
    const waits = [3, 4, 5, 6, 7, 8, 40].map((n) => throttleAfter(n).waitMs('user:alice', 0));
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
  });

  it('counts the delay from the last failure and reaches 0 when it has passed', () => {
    const throttle = throttleAfter(4, {}, 'k', 5_000); // 2 s delay from t = 5 s
    expect(throttle.waitMs('k', 5_000)).toBe(2_000);
    expect(throttle.waitMs('k', 6_500)).toBe(500);
    expect(throttle.waitMs('k', 7_000)).toBe(0);
    expect(throttle.waitMs('k', 9_000)).toBe(0);
    // A new failure after waiting doubles again, counted from that failure.
    throttle.recordFailure('k', 9_000);
    expect(throttle.waitMs('k', 9_000)).toBe(4_000);
  });

  it('stays capped (no overflow) after a huge number of failures', () => {
    const throttle = throttleAfter(2_000, { maxDelayMs: 15 * 60_000 });
    expect(throttle.waitMs('user:alice', 0)).toBe(15 * 60_000);
  });
});

// Keys start over after a quiet period or a reset, and never affect one another.
describe('LoginThrottle forgetting and independence', () => {
  it('forgets a key after forgetAfterMs without failures', () => {
    const throttle = throttleAfter(6, { maxDelayMs: 1_000_000 }, 'k', 0); // 8 s delay
    expect(throttle.waitMs('k', 60_000)).toBe(0); // delay long over, still remembered
    throttle.recordFailure('k', 60_000); // 7th failure: 16 s
    expect(throttle.waitMs('k', 60_000)).toBe(16_000);
    // Quiet for longer than forgetAfterMs: the next failure is the first again.
    throttle.recordFailure('k', 60_000 + 60_001);
    expect(throttle.waitMs('k', 60_000 + 60_001)).toBe(0);
    expect(throttle.size).toBe(1);
  });

  it('drops a forgotten entry when asked about it', () => {
    const throttle = throttleAfter(5, {}, 'k', 0);
    expect(throttle.waitMs('k', 60_000)).toBe(0);
    expect(throttle.size).toBe(1); // exactly forgetAfterMs: still remembered
    expect(throttle.waitMs('k', 60_001)).toBe(0);
    expect(throttle.size).toBe(0);
  });

  it('reset clears a key at once', () => {
    const throttle = throttleAfter(8);
    expect(throttle.waitMs('user:alice', 0)).toBe(10_000);
    throttle.reset('user:alice');
    expect(throttle.waitMs('user:alice', 0)).toBe(0);
    expect(throttle.size).toBe(0);
    throttle.recordFailure('user:alice', 0);
    expect(throttle.waitMs('user:alice', 0)).toBe(0); // back to the free failures
  });

  it('a flood on one key does not slow any other key', () => {
    const throttle = new LoginThrottle(INIT);
    for (let i = 0; i < 50; i++) {
      throttle.recordFailure('ip:10.0.0.66', i);
      throttle.recordFailure('user:victim', i);
    }
    expect(throttle.waitMs('ip:10.0.0.66', 49)).toBe(10_000);
    expect(throttle.waitMs('user:victim', 49)).toBe(10_000);
    expect(throttle.waitMs('ip:10.0.0.7', 49)).toBe(0);
    expect(throttle.waitMs('user:bob', 49)).toBe(0);
    throttle.reset('user:victim');
    expect(throttle.waitMs('ip:10.0.0.66', 49)).toBe(10_000);
  });
});

// A flood of distinct keys cannot grow the table without bound; the stalest go first.
describe('LoginThrottle size bound', () => {
  it('never holds more than maxEntries keys', () => {
    const throttle = new LoginThrottle({ ...INIT, maxEntries: 10 });
    for (let i = 0; i < 1_000; i++) throttle.recordFailure(`ip:${i}`, i);
    expect(throttle.size).toBe(10);
  });

  it('evicts the least recently failed key, not the least recently added', () => {
    const throttle = new LoginThrottle({ ...INIT, freeFailures: 1, maxEntries: 2 });
    throttle.recordFailure('a', 0);
    throttle.recordFailure('b', 1);
    throttle.recordFailure('a', 2); // a is now the most recent failure
    throttle.recordFailure('c', 3); // evicts b
    expect(throttle.size).toBe(2);
    expect(throttle.waitMs('b', 3)).toBe(0);
    expect(throttle.waitMs('a', 3)).toBe(1_999); // 2 failures, 1 past free: 2 s from t = 2
    expect(throttle.waitMs('c', 3)).toBe(1_000);
  });
});

// The policy: strict where the guesses come from, loose per account.
describe('LoginGuard', () => {
  const guard = () => new LoginGuard(new LoginThrottle(INIT), new LoginThrottle({ ...INIT, freeFailures: 20, maxDelayMs: 5_000 }));

  it("slows the guesser's address and (account, address), not the owner at another address", () => {
    const g = guard();
    for (let i = 0; i < 50; i++) g.recordFailure('kelvin', '127.0.0.2', 0);
    expect(g.waitMs('kelvin', '127.0.0.2', 0)).toBe(10_000);
    expect(g.waitMs('bob', '127.0.0.2', 0)).toBe(10_000); // the address, whatever account
    expect(g.waitMs('kelvin', '127.0.0.3', 0)).toBe(5_000); // 50 > 20 account-wide: the loose limit
    const few = guard();
    for (let i = 0; i < 19; i++) few.recordFailure('kelvin', '127.0.0.2', 0);
    expect(few.waitMs('kelvin', '127.0.0.3', 0)).toBe(0);
  });

  it('slows a guess spread over many addresses through the account key', () => {
    const g = guard();
    for (let i = 0; i < 25; i++) g.recordFailure('kelvin', `10.0.0.${i}`, 0);
    expect(g.waitMs('kelvin', '10.0.0.200', 0)).toBeGreaterThan(0);
    expect(g.waitMs('bob', '10.0.0.200', 0)).toBe(0);
  });

  it("a success clears only its (account, address) pair, not the guesser's count", () => {
    const g = guard();
    for (let i = 0; i < 3; i++) g.recordFailure('kelvin', '127.0.0.3', 0);
    for (let i = 0; i < 25; i++) g.recordFailure('kelvin', '127.0.0.2', 0);
    g.recordSuccess('kelvin', '127.0.0.3');
    expect(g.strict.waitMs('pair:kelvin@127.0.0.3', 0)).toBe(0);
    expect(g.waitMs('kelvin', '127.0.0.2', 0)).toBe(10_000);
    expect(g.account.waitMs('user:kelvin', 0)).toBeGreaterThan(0);
  });
});
