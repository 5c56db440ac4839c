/**
 * Coalesces log lines an outsider can cause at will (a throttled login, a failed one). Without
 * it, 20,000 attempts wrote 20,000 lines (2.6 MB): a cheap way to fill the disk and to bury the
 * lines that matter. The first line of a key (event and address) in a window is written as it
 * is; the rest of that window are only counted, and one summary line per key reports them when
 * the window ends. Pure: `now` is always passed in; the logger (logger.ts) owns the timer.
 */

/** A summary of lines that were counted instead of written. */
export interface RepeatSummary {
  key: string;
  /** pino level number of the lines (the summary uses the same). */
  level: number;
  /** The coalesced lines' own fields that name the key (`event`, `ip`). */
  fields: Record<string, unknown>;
  /** Lines not written. */
  repeats: number;
  /** How long the window ran, in whole seconds (at least 1). */
  seconds: number;
}

interface Window {
  start: number;
  level: number;
  fields: Record<string, unknown>;
  repeats: number;
}

export class RepeatedLines {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowMs: number,
    /** Most keys tracked at once; further keys share one overflow key per event. */
    private readonly maxKeys = 10_000,
  ) {}

  /**
   * Whether to write this line now (the first of its key in the window), and the summary of
   * the key's previous window if that just ended with lines counted.
   */
  admit(event: string, ip: string | undefined, level: number, now: number): { write: boolean; summary?: RepeatSummary } {
    let key = `${event}\u0000${ip ?? ''}`;
    let fields: Record<string, unknown> = ip === undefined ? { event } : { event, ip };
    if (!this.windows.has(key) && this.windows.size >= this.maxKeys) {
      key = `${event}\u0000*`;
      fields = { event, ip: 'many addresses' };
    }
    const window = this.windows.get(key);
    if (window && now - window.start < this.windowMs) {
      window.repeats += 1;
      return { write: false };
    }
    const summary = window ? this.summarise(key, window, now) : undefined;
    this.windows.set(key, { start: now, level, fields, repeats: 0 });
    return summary ? { write: true, summary } : { write: true };
  }

  /**
   * Ends every window that is over by `now` (every window when `all`), returning the summaries
   * of those that counted lines; a key seen again after this starts with a written line.
   */
  flush(now: number, all = false): RepeatSummary[] {
    const out: RepeatSummary[] = [];
    for (const [key, window] of this.windows) {
      if (!all && now - window.start < this.windowMs) continue;
      this.windows.delete(key);
      const summary = this.summarise(key, window, now);
      if (summary) out.push(summary);
    }
    return out;
  }

  get size(): number {
    return this.windows.size;
  }

  private summarise(key: string, window: Window, now: number): RepeatSummary | undefined {
    if (window.repeats === 0) return undefined;
    const seconds = Math.max(1, Math.round((Math.min(now, window.start + this.windowMs) - window.start) / 1000));
    return { key, level: window.level, fields: window.fields, repeats: window.repeats, seconds };
  }
}
