/**
 * Password hashing with argon2id at OWASP's minimum or above (m = 19 MiB, t = 2, p = 1), run
 * through a ConcurrencyLimiter so hashing can never take more than a bounded share of the CPU.
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
}

export class PasswordHasher {
  private readonly limiter: ConcurrencyLimiter;
  private dummyHash: Promise<string> | undefined;

  constructor(init: PasswordHasherInit = {}) {
    this.limiter = new ConcurrencyLimiter(init.maxConcurrent ?? 2, init.maxQueued ?? 64);
  }

  hash(password: string): Promise<string> {
    return this.limiter.run(() => argon2.hash(password, ARGON2_OPTIONS));
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

  get load(): { running: number; queued: number } {
    return this.limiter.load;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.hash(randomBytes(24).toString('base64'));
    return this.dummyHash;
  }
}
