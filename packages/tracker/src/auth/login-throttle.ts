/**
 * Failed-login throttling. A {@link LoginThrottle} counts failures per key; a {@link LoginGuard}
 * combines them into the tracker's policy: strict per client address and per (account, address)
 * pair, loose per account.
 *
 * Each key gets a few free failures, then must wait an exponentially growing delay after each
 * further failure (capped), which stops online guessing without a hard lock-out. There is no
 * global counter: one attacker can slow down guesses at one account or from one address, never
 * lock everybody out. Entries are forgotten after a quiet period, and the table is bounded so a
 * flood of distinct keys cannot exhaust memory. Pure: `now` is always passed in.
 */
export interface LoginThrottleInit {
  /** Failures allowed before any delay applies. */
  freeFailures: number;
  /** Wait imposed once `freeFailures` failures have happened; doubles with each further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A key with no failure for this long starts over. */
  forgetAfterMs: number;
  /** Most keys remembered; the stalest are dropped first. */
  maxEntries: number;
}

interface Entry {
  failures: number;
  lastFailureAt: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly init: LoginThrottleInit) {}

  /** Milliseconds `key` must still wait before its next attempt, 0 if it may try now. */
  waitMs(key: string, now: number): number {
    const entry = this.live(key, now);
    if (!entry || entry.failures < this.init.freeFailures) return 0;
    const delay = this.delayAfter(entry.failures);
    return Math.max(0, entry.lastFailureAt + delay - now);
  }

  recordFailure(key: string, now: number): void {
    const entry = this.live(key, now) ?? { failures: 0, lastFailureAt: now };
    entry.failures += 1;
    entry.lastFailureAt = now;
    // Re-insert so Map order stays "least recently failed first" for eviction.
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.init.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private delayAfter(failures: number): number {
    const over = failures - this.init.freeFailures;
    return Math.min(this.init.maxDelayMs, this.init.baseDelayMs * 2 ** Math.min(over, 30));
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && now - entry.lastFailureAt > this.init.forgetAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

/**
 * The login policy. A guesser is slowed where they guess from: per address (whatever accounts
 * they try) and per (account, address). An account's own key is much looser, so a stranger's
 * failures from their addresses do not lock its owner out at another address; it only slows
 * a guess spread over very many addresses. A success clears its (account, address) pair only:
 * an owner logging in does not wipe the count of someone guessing their password elsewhere.
 */
export class LoginGuard {
  constructor(
    /** Keys `ip:<address>` and `pair:<user>@<address>`. */
    readonly strict: LoginThrottle,
    /** Keys `user:<user>`. */
    readonly account: LoginThrottle,
  ) {}

  /** Milliseconds a login of `userId` from `address` must still wait, 0 if it may try now. */
  waitMs(userId: string, address: string, now: number): number {
    return Math.max(
      this.strict.waitMs(`ip:${address}`, now),
      this.strict.waitMs(pairKey(userId, address), now),
      this.account.waitMs(`user:${userId}`, now),
    );
  }

  recordFailure(userId: string, address: string, now: number): void {
    this.strict.recordFailure(`ip:${address}`, now);
    this.strict.recordFailure(pairKey(userId, address), now);
    this.account.recordFailure(`user:${userId}`, now);
  }

  recordSuccess(userId: string, address: string): void {
    this.strict.reset(pairKey(userId, address));
  }
}

function pairKey(userId: string, address: string): string {
  return `pair:${userId}@${address}`;
}
