/**
 * Caps how many expensive jobs (argon2 hashes) run at once and how many may wait. A job that
 * finds the queue full is refused at once instead of piling up, so a login flood costs the
 * tracker a bounded amount of CPU and memory.
 */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxQueued: number,
  ) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxConcurrent) {
      if (this.waiting.length >= this.maxQueued) throw new QueueFullError('too many jobs queued');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter, so `running` never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.running -= 1;
    }
  }

  get load(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }
}

/** Serialises async critical sections (e.g. read-check-write transactions on the store). */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section, section);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
