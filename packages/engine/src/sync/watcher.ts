/**
 * Tells a synced folder when to look again. One OS watch per directory (`fs.watch` without
 * `recursive`, which on Linux is one inotify watch per directory, not per file), a stat-based
 * rescan every `rescanMs` as a safety net for what watches miss, and polling when the OS runs
 * out of watches (ENOSPC from inotify): that is reported (`onFallback`), never silent.
 * Events are coalesced: `onChange` runs at most once per `settleMs`.
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

export interface FolderWatcherInit {
  root: string;
  onChange: () => void;
  /** Called once when watching gives way to polling, with why. */
  onFallback: (reason: string) => void;
  /** Safety-net rescan period; default 30 s. */
  rescanMs?: number;
  /** Poll period once watches ran out; default 1 s. */
  pollMs?: number;
  /** Quiet time before `onChange`; default 150 ms. */
  settleMs?: number;
  /** `fs.watch` (tests inject ENOSPC). */
  watch?: (path: string, listener: () => void) => FSWatcher;
}

export class FolderWatcher {
  private readonly watches = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;
  private readonly watch: (path: string, listener: () => void) => FSWatcher;

  constructor(private readonly init: FolderWatcherInit) {
    this.watch = init.watch ?? ((path, listener) => fsWatch(path, { persistent: false }, listener));
  }

  /** `watching` (OS watches) or `polling` (they ran out). */
  get mode(): 'watching' | 'polling' {
    return this.polling ? 'polling' : 'watching';
  }

  /** How many directories hold an OS watch now. */
  get watchCount(): number {
    return this.watches.size;
  }

  /** Watches exactly `dirs` (relative to the root): new ones added, vanished ones dropped. */
  setDirs(dirs: readonly string[]): void {
    if (this.stopped) return;
    this.schedule();
    if (this.polling) return;
    const wanted = new Set(dirs);
    for (const [dir, w] of this.watches) {
      if (!wanted.has(dir)) {
        w.close();
        this.watches.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.watches.has(dir)) continue;
      try {
        const w = this.watch(join(this.init.root, dir), () => this.changed());
        w.on('error', (err) => this.failed(dir, err));
        this.watches.set(dir, w);
      } catch (err) {
        this.failed(dir, err);
        if (this.polling) return;
      }
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.settle);
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }

  private failed(dir: string, err: unknown): void {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EMFILE') {
      for (const w of this.watches.values()) w.close();
      this.watches.clear();
      this.polling = true;
      const pollS = (this.init.pollMs ?? 1_000) / 1000;
      this.init.onFallback(`the system ran out of file watches (${String(code)}: raise fs.inotify.max_user_watches); polling the folder every ${pollS} s instead`);
      this.schedule();
      return;
    }
    // The directory went away (ENOENT) or similar: the next scan drops it.
    this.watches.get(dir)?.close();
    this.watches.delete(dir);
    this.changed();
  }

  private changed(): void {
    if (this.stopped || this.settle !== undefined) return;
    this.settle = setTimeout(() => {
      this.settle = undefined;
      if (!this.stopped) this.init.onChange();
    }, this.init.settleMs ?? 150);
    this.settle.unref();
  }

  /** The next rescan (or poll): after every change of the watched set, as a timer. */
  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const ms = this.polling ? (this.init.pollMs ?? 1_000) : (this.init.rescanMs ?? 30_000);
    this.timer = setTimeout(() => {
      this.init.onChange();
      this.schedule();
    }, ms);
    this.timer.unref();
  }
}
