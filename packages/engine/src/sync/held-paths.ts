/**
 * What a synced folder holds, by path, keeping its counts as it changes: `list_synced` and
 * `show_downloads` ask for them often (a shell's live line, a script polling), and counting a
 * 100,000-path map each time cost more than the sync itself while a folder was first hashed.
 */
import type { HeldFile } from './sync-store.js';

/** Conflict copies are named `name.sync-conflict-<date>-<user>.ext` (docs/sync.md). */
const isConflictCopy = (path: string): boolean => path.includes('.sync-conflict-');

export class HeldPaths extends Map<string, HeldFile> {
  /** Paths holding a file (not a tombstone), conflict copies included. */
  files = 0;
  /** Conflict copies among them. */
  conflicts = 0;

  /** A copy of `held` that counts. */
  static of(held: ReadonlyMap<string, HeldFile>): HeldPaths {
    const out = new HeldPaths();
    for (const [p, h] of held) out.set(p, h);
    return out;
  }

  override set(path: string, h: HeldFile): this {
    this.count(path, this.get(path), -1);
    super.set(path, h);
    this.count(path, h, 1);
    return this;
  }

  override delete(path: string): boolean {
    this.count(path, this.get(path), -1);
    return super.delete(path);
  }

  override clear(): void {
    super.clear();
    this.files = 0;
    this.conflicts = 0;
  }

  private count(path: string, h: HeldFile | undefined, by: number): void {
    if (h?.held.kind !== 'f') return;
    this.files += by;
    if (isConflictCopy(path)) this.conflicts += by;
  }
}
