import { describe, expect, it } from 'vitest';

import { ConcurrencyLimiter, Mutex, QueueFullError } from './limiter.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}

/** Jobs that record when they start and how many run at once, and finish when told to. */
function instrumented() {
  const started: number[] = [];
  const gates = new Map<number, Deferred<string>>();
  let running = 0;
  let maxRunning = 0;
  const job = (n: number) => async (): Promise<string> => {
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    started.push(n);
    const gate = deferred<string>();
    gates.set(n, gate);
    try {
      return await gate.promise;
    } finally {
      running -= 1;
    }
  };
  const finish = (n: number, value = `done ${n}`) => gates.get(n)?.resolve(value);
  const fail = (n: number, error: unknown) => gates.get(n)?.reject(error);
  return { job, finish, fail, started, get running() { return running; }, get maxRunning() { return maxRunning; } };
}

// At most maxConcurrent jobs run at once; waiting jobs start in arrival order.
describe('ConcurrencyLimiter concurrency', () => {
  it('never runs more than N jobs at once and runs the rest as slots free up', async () => {
    const limiter = new ConcurrencyLimiter(2, 10);
    const t = instrumented();
    const results = Array.from({ length: 6 }, (_, n) => limiter.run(t.job(n)));
    await settle();
    expect(t.started).toEqual([0, 1]);
    expect(limiter.load).toEqual({ running: 2, queued: 4 });

    t.finish(0);
    await settle();
    expect(t.started).toEqual([0, 1, 2]);
    expect(t.running).toBe(2);
    expect(limiter.load).toEqual({ running: 2, queued: 3 });

    for (const n of [1, 2, 3, 4, 5]) {
      t.finish(n);
      await settle();
    }
    expect(await Promise.all(results)).toEqual(['done 0', 'done 1', 'done 2', 'done 3', 'done 4', 'done 5']);
    expect(t.maxRunning).toBe(2);
    expect(limiter.load).toEqual({ running: 0, queued: 0 });
  });

  it('starts queued jobs in FIFO order, whichever running job finishes', async () => {
    const limiter = new ConcurrencyLimiter(2, 10);
    const t = instrumented();
    const results = Array.from({ length: 6 }, (_, n) => limiter.run(t.job(n)));
    await settle();
    for (const n of [1, 0, 3, 2, 5, 4]) {
      t.finish(n);
      await settle();
    }
    await Promise.all(results);
    expect(t.started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a job arriving while a slot is handed over waits behind the queued job', async () => {
    const limiter = new ConcurrencyLimiter(1, 10);
    const t = instrumented();
    const first = limiter.run(t.job(0));
    const second = limiter.run(t.job(1));
    await settle();
    t.finish(0);
    const third = limiter.run(t.job(2)); // arrives in the same tick as the hand-over
    await settle();
    expect(t.started).toEqual([0, 1]);
    expect(t.maxRunning).toBe(1);
    t.finish(1);
    await settle();
    t.finish(2);
    expect(await Promise.all([first, second, third])).toEqual(['done 0', 'done 1', 'done 2']);
    expect(t.started).toEqual([0, 1, 2]);
  });
});

// A full queue refuses at once, and failing jobs give their slot back.
describe('ConcurrencyLimiter queue bound and failures', () => {
  it('rejects with QueueFullError at once when the queue is full, without running the job', async () => {
    const limiter = new ConcurrencyLimiter(1, 2);
    const t = instrumented();
    const accepted = [0, 1, 2].map((n) => limiter.run(t.job(n)));
    let ran = false;
    const refused = limiter.run(async () => {
      ran = true;
      return 'never';
    });
    const outcome = await Promise.race([
      refused.then(() => 'resolved', (err: unknown) => err),
      new Promise((resolve) => setTimeout(() => resolve('still pending'), 50)),
    ]);
    expect(outcome).toBeInstanceOf(QueueFullError);
    expect((outcome as Error).name).toBe('QueueFullError');
    expect(ran).toBe(false);
    expect(limiter.load).toEqual({ running: 1, queued: 2 });

    // Once the queue drains, new jobs are accepted again.
    for (const n of [0, 1, 2]) {
      t.finish(n);
      await settle();
    }
    await Promise.all(accepted);
    expect(await limiter.run(async () => 'again')).toBe('again');
  });

  it('with maxQueued 0, only maxConcurrent jobs are accepted', async () => {
    const limiter = new ConcurrencyLimiter(2, 0);
    const t = instrumented();
    const settled = Array.from({ length: 5 }, (_, n) => limiter.run(t.job(n)).then(() => 'ok', (e: unknown) => e));
    await settle();
    t.finish(0);
    t.finish(1);
    const outcomes = await Promise.all(settled);
    expect(outcomes.slice(0, 2)).toEqual(['ok', 'ok']);
    for (const o of outcomes.slice(2)) expect(o).toBeInstanceOf(QueueFullError);
  });

  it('a rejecting job passes its error on and frees its slot', async () => {
    const limiter = new ConcurrencyLimiter(1, 5);
    const t = instrumented();
    const failing = limiter.run(t.job(0));
    const waiting = limiter.run(t.job(1));
    await settle();
    t.fail(0, new Error('argon2 exploded'));
    await expect(failing).rejects.toThrow('argon2 exploded');
    await settle();
    expect(t.started).toEqual([0, 1]);
    t.finish(1);
    expect(await waiting).toBe('done 1');
    expect(limiter.load).toEqual({ running: 0, queued: 0 });
  });

  it('a job that throws synchronously also frees its slot', async () => {
    const limiter = new ConcurrencyLimiter(1, 0);
    const boom = (): Promise<never> => {
      throw new Error('sync boom');
    };
    await expect(limiter.run(boom)).rejects.toThrow('sync boom');
    expect(limiter.load).toEqual({ running: 0, queued: 0 });
    expect(await limiter.run(async () => 7)).toBe(7);
  });
});

// The Mutex runs one section at a time, in order, and a failure does not jam it.
describe('Mutex', () => {
  it('runs sections one at a time, in call order', async () => {
    const mutex = new Mutex();
    const t = instrumented();
    const results = [0, 1, 2].map((n) => mutex.run(t.job(n)));
    await settle();
    expect(t.started).toEqual([0]);
    t.finish(0);
    await settle();
    expect(t.started).toEqual([0, 1]);
    t.finish(1);
    await settle();
    t.finish(2);
    expect(await Promise.all(results)).toEqual(['done 0', 'done 1', 'done 2']);
    expect(t.maxRunning).toBe(1);
  });

  it('continues with the next section after one rejects, passing the error to its caller only', async () => {
    const mutex = new Mutex();
    const t = instrumented();
    const first = mutex.run(t.job(0));
    const second = mutex.run(t.job(1));
    const third = mutex.run(async () => {
      throw new Error('third failed');
    });
    const fourth = mutex.run(t.job(3));
    await settle();
    t.fail(0, new Error('first failed'));
    await expect(first).rejects.toThrow('first failed');
    await settle();
    expect(t.started).toEqual([0, 1]);
    t.finish(1);
    expect(await second).toBe('done 1');
    await expect(third).rejects.toThrow('third failed');
    await settle();
    t.finish(3);
    expect(await fourth).toBe('done 3');
    expect(t.maxRunning).toBe(1);
  });

  it('read-check-write sections do not interleave', async () => {
    const mutex = new Mutex();
    let balance = 0;
    const deposit = () =>
      mutex.run(async () => {
        const read = balance;
        await new Promise((resolve) => setTimeout(resolve, 1));
        balance = read + 1;
      });
    await Promise.all(Array.from({ length: 20 }, deposit));
    expect(balance).toBe(20);
  });
});
