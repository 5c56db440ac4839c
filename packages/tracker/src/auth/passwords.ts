/**
 * Password hashing with argon2id at OWASP's minimum or above (m = 19 MiB, t = 2, p = 1), run
 * through a ConcurrencyLimiter so hashing can never take more than a bounded share of the CPU.
 *
 * Verifying (logins) and hashing new passwords (registrations, the operator's add_user and
 * reset_password) share those slots, but new hashes first pass a lane of their own that lets
 * only one through at a time (of two slots): a burst of registrations waits, or is refused, in
 * its own queue and never fills the one logins wait in.
 */
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { ConcurrencyLimiter } from '../util/limiter.js';

/** OWASP Password Storage Cheat Sheet, argon2id option 5 (the minimum acceptable). */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19 * 1024, // KiB
  timeCost: 2,
  parallelism: 1,
} as const;

export interface PasswordHasherInit {
  /** Hashes running at once; default 2 (this machine's cores). */
  maxConcurrent?: number;
  /** Hashes allowed to wait; beyond this, ERR_BUSY. */
  maxQueued?: number;
  /** New-password hashes allowed to wait in their own lane; default min(maxQueued, 16). */
  maxQueuedNew?: number;
}

export class PasswordHasher {
  private readonly limiter: ConcurrencyLimiter;
  /** New-password hashes pass this first: at most one holds (or waits for) a shared slot. */
  private readonly newHashes: ConcurrencyLimiter;
  private dummyHash: Promise<string> | undefined;

  constructor(init: PasswordHasherInit = {}) {
    const maxQueued = init.maxQueued ?? 64;
    this.limiter = new ConcurrencyLimiter(init.maxConcurrent ?? 2, maxQueued);
    this.newHashes = new ConcurrencyLimiter(1, init.maxQueuedNew ?? Math.min(maxQueued, 16));
  }

  /** @throws {QueueFullError} when the new-password lane is full */
  hash(password: string): Promise<string> {
    return this.newHashes.run(() => this.limiter.run(() => argon2.hash(password, ARGON2_OPTIONS)));
  }

  /**
   * Makes the dummy hash that unknown users are checked against. The tracker awaits this at
   * start: made lazily, the first unknown-user login took two hashes' time, which told that
   * the user does not exist.
   */
  async ready(): Promise<void> {
    await this.dummy();
  }

  /**
   * Checks `password` against `hash`; with no hash (unknown user) it checks against a dummy so
   * the reply takes as long as a wrong password and reveals nothing about which users exist.
   */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    const target = hash ?? (await this.dummy());
    const ok = await this.limiter.run(() => argon2.verify(target, password));
    return ok && hash !== undefined;
  }

  /** Hashes running, and waiting (for a slot or in the new-password lane). */
  get load(): { running: number; queued: number } {
    const { running, queued } = this.limiter.load;
    return { running, queued: queued + this.newHashes.load.queued };
  }

  private dummy(): Promise<string> {
    // Outside the limits: made once, at start, before any client is served.
    this.dummyHash ??= argon2.hash(randomBytes(24).toString('base64'), ARGON2_OPTIONS);
    return this.dummyHash;
  }
}
