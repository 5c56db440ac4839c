/**
 * Small helpers of the download manager: a throughput meter (exponentially decaying byte count,
 * O(1) per sample) and the batcher of `update_pieces` reports to the tracker.
 */

/** Bytes per second with an exponential moving window of `tauMs` (default 2 s). */
export class RateMeter {
  private value = 0;
  private last: number | undefined;

  constructor(private readonly tauMs = 2_000) {}

  add(bytes: number, now: number): void {
    this.decay(now);
    this.value += bytes;
  }

  /** Current rate in bytes per second. */
  rate(now: number): number {
    this.decay(now);
    return (this.value * 1000) / this.tauMs;
  }

  private decay(now: number): void {
    if (this.last !== undefined && now > this.last) this.value *= Math.exp(-(now - this.last) / this.tauMs);
    this.last = this.last === undefined ? now : Math.max(this.last, now);
  }
}

/**
 * Collects verified piece indices and sends them in one call every `delayMs` or `maxBatch` pieces.
 * The very first piece goes out at once: until the tracker has it, other downloaders of the same
 * file cannot find this one, and leechers that start together should trade from the start.
 */
export class HaveBatcher {
  private pending: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private sentAny = false;

  constructor(
    private readonly send: (have: number[]) => Promise<unknown>,
    private readonly delayMs = 1_000,
    private readonly maxBatch = 32,
  ) {}

  add(index: number): void {
    this.pending.push(index);
    if (this.pending.length >= this.maxBatch || !this.sentAny) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Sends what is pending now (failures are dropped: the tracker's map is soft state). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const have = this.pending.splice(0);
    if (have.length > 0) {
      this.sentAny = true;
      this.sending = this.sending.then(() => this.send(have)).then(() => undefined, () => undefined);
    }
    return this.sending;
  }

  /** Stops the timer and drops what is pending. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}
