import argon2 from 'argon2';
import { describe, expect, it, vi } from 'vitest';

import { QueueFullError } from '../util/limiter.js';
import { PasswordHasher } from './passwords.js';

const PASSWORD = 'correct horse battery staple';

/**
 * The parts of a PHC string `$argon2id$v=19$<params>$salt$hash`. The parameters are read as a
 * set: node-argon2 writes them as `m=…,p=…,t=…`, the reference implementation as `m=…,t=…,p=…`.
 */
function parsePhc(phc: string) {
  const match = /^\$([a-z0-9]+)\$v=(\d+)\$([a-z]=\d+(?:,[a-z]=\d+)*)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
  if (!match) throw new Error(`not a PHC argon2 string: ${phc}`);
  const [, algorithm, version, params, salt, hash] = match as unknown as string[];
  return {
    algorithm,
    version: Number(version),
    params: Object.fromEntries((params as string).split(',').map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])])),
    saltBytes: Buffer.from(salt as string, 'base64').length,
    hashBytes: Buffer.from(hash as string, 'base64').length,
  };
}

async function elapsedMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

// Stored hashes are argon2id at OWASP's parameters, salted, and never contain the password.
describe('PasswordHasher.hash', () => {
  it('produces argon2id v19 with m=19456, t=2, p=1 and a random salt', async () => {
    const hasher = new PasswordHasher();
    const hash = await hasher.hash(PASSWORD);
    expect(parsePhc(hash)).toEqual({
      algorithm: 'argon2id',
      version: 19,
      params: { m: 19456, t: 2, p: 1 },
      saltBytes: 16,
      hashBytes: 32,
    });
    const again = await hasher.hash(PASSWORD);
    expect(again).not.toBe(hash); // a fresh salt each time
  });

  it('does not contain the password, in clear or base64', async () => {
    const hash = await new PasswordHasher().hash(PASSWORD);
    expect(hash).not.toContain(PASSWORD);
    expect(hash).not.toContain('correct');
    expect(hash).not.toContain(Buffer.from(PASSWORD).toString('base64').slice(0, 12));
  });
});

// verify accepts only the right password, and an unknown user costs as much as a wrong password.
describe('PasswordHasher.verify', () => {
  it('is true for the right password and false for any other', async () => {
    const hasher = new PasswordHasher();
    const hash = await hasher.hash(PASSWORD);
    expect(await hasher.verify(hash, PASSWORD)).toBe(true);
    expect(await hasher.verify(hash, 'correct horse battery stapl')).toBe(false);
    expect(await hasher.verify(hash, PASSWORD + ' ')).toBe(false);
    expect(await hasher.verify(hash, PASSWORD.toUpperCase())).toBe(false);
    // Any hasher can verify any stored hash: nothing depends on the instance.
    expect(await new PasswordHasher().verify(hash, PASSWORD)).toBe(true);
  });

  it('is false with no hash (unknown user), whatever the password', async () => {
    const hasher = new PasswordHasher();
    expect(await hasher.verify(undefined, PASSWORD)).toBe(false);
    expect(await hasher.verify(undefined, '')).toBe(false);
    expect(await hasher.verify(undefined, PASSWORD)).toBe(false);
  });

  it('takes comparable time with no hash, so unknown users are not revealed', async () => {
    const hasher = new PasswordHasher();
    const hash = await hasher.hash(PASSWORD);
    const real: number[] = [];
    for (let i = 0; i < 3; i++) real.push(await elapsedMs(() => hasher.verify(hash, 'wrong password')));
    const dummy: number[] = [];
    for (let i = 0; i < 4; i++) dummy.push(await elapsedMs(() => hasher.verify(undefined, 'wrong password')));
    // dummy[0] also computes the dummy hash; the later ones must still run a real argon2 verify.
    const realMs = median(real);
    expect(Math.min(...dummy.slice(1))).toBeGreaterThanOrEqual(0.3 * realMs);
    expect(dummy[0]).toBeGreaterThanOrEqual(0.3 * realMs);
  });
});

// Hashing goes through the limiter, so a burst beyond the queue is refused instead of piling up.
describe('PasswordHasher load bound', () => {
  it('with maxConcurrent 1 and maxQueued 1, a burst of 5 hashes refuses at least 3', async () => {
    const hasher = new PasswordHasher({ maxConcurrent: 1, maxQueued: 1 });
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => hasher.hash(`password-${i}`)));
    const refused = outcomes.filter((o) => o.status === 'rejected');
    const done = outcomes.filter((o): o is PromiseFulfilledResult<string> => o.status === 'fulfilled');
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const o of refused) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(QueueFullError);
    expect(done.length).toBeGreaterThanOrEqual(1);
    for (const o of done) expect(parsePhc(o.value)).toMatchObject({ algorithm: 'argon2id', params: { m: 19456, t: 2, p: 1 } });
    expect(hasher.load).toEqual({ running: 0, queued: 0 });
  });

  it('reports its load while hashing', async () => {
    const hasher = new PasswordHasher({ maxConcurrent: 1, maxQueued: 4 });
    const pending = [hasher.hash('password-a'), hasher.hash('password-b'), hasher.hash('password-c')];
    expect(hasher.load).toEqual({ running: 1, queued: 2 });
    await Promise.all(pending);
    expect(hasher.load).toEqual({ running: 0, queued: 0 });
  });
});

// Logins keep their capacity, and the first unknown-user login costs what any other does.
describe('PasswordHasher lanes and dummy hash', () => {
  it('a burst of new-password hashes waits in its own lane: verifies are not refused', async () => {
    const hasher = new PasswordHasher({ maxConcurrent: 2, maxQueued: 4 });
    const stored = await hasher.hash(PASSWORD);
    const burst = Promise.allSettled(Array.from({ length: 20 }, (_, i) => hasher.hash(`password-${i}`)));
    const verifies = Array.from({ length: 4 }, () => hasher.verify(stored, PASSWORD));
    expect(await Promise.all(verifies)).toEqual([true, true, true, true]);
    const outcomes = await burst;
    expect(outcomes.filter((o) => o.status === 'rejected').length).toBeGreaterThanOrEqual(15);
  });

  it('ready() makes the dummy hash, so an unknown-user login hashes nothing more', async () => {
    const hasher = new PasswordHasher();
    await hasher.ready();
    const hash = vi.spyOn(argon2, 'hash');
    const verify = vi.spyOn(argon2, 'verify');
    try {
      expect(await hasher.verify(undefined, 'wrong password')).toBe(false);
      expect(hash).not.toHaveBeenCalled();
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      hash.mockRestore();
      verify.mockRestore();
    }
  });
});
