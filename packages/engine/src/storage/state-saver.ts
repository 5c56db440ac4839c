/**
 * Batched, ordered persistence of a download's resume state. Verifying pieces marks the state
 * dirty and schedules one write a little later, so a burst of verified pieces costs one fsync'd
 * write, not one per piece; `flush()` writes at once. Writes never overlap (each waits for the
 * previous one), and a failed write leaves the state dirty so the next flush retries it.
 */
import { writeStateFile } from './resume-state.js';

/** What a {@link StateSaver} needs: where to write, what, and what to sync first. */
export interface StateSaverInit {
  /** Directory holding the state file (fsync'd after the rename). */
  dir: string;
  /** The state file path. */
  path: string;
  /** Produces the current state text. */
  encode: () => string;
  /** Runs before each write, e.g. fsync the data the state vouches for. */
  beforeWrite: () => Promise<void>;
  /** Delay between the first change and the batched write. */
  delayMs: number;
}

/** Debounced writer of one resume state file. */
export class StateSaver {
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(private readonly init: StateSaverInit) {}

  /** Notes a change, to be written within `delayMs` (or by the next `flush`). */
  changed(): void {
    this.dirty = true;
    if (this.timer !== undefined) return;
    // A background failure keeps `dirty`, so the next flush() retries and reports it.
    this.timer = setTimeout(() => void this.flush().catch(() => undefined), this.init.delayMs);
    this.timer.unref(); // a pending save must not keep the process alive; close() flushes
  }

  /** Marks the state dirty without scheduling: the caller flushes. */
  markDirty(): void {
    this.dirty = true;
  }

  /** Writes the state now if anything changed since the last write. */
  flush(): Promise<void> {
    this.cancel();
    const run = this.chain.then(() => this.write());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Drops a scheduled write (the state is about to be deleted or flushed explicitly). */
  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await this.init.beforeWrite();
      await writeStateFile(this.init.dir, this.init.path, this.init.encode());
    } catch (err) {
      this.dirty = true;
      throw err;
    }
  }
}
