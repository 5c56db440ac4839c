/**
 * The files this peer serves right now: one open {@link SeedSource} per group and info-hash.
 *
 * Keyed by group as well as info-hash because the same content under the same name shared in
 * two groups has one info-hash, and serving is a per-group permission: the peer server looks a
 * file up with the group of the downloader's ticket, so a ticket for group A never unlocks a file
 * this user shares only in group B.
 */
import { SeedSource } from '../storage/seed-source.js';
import { SharesSuspendedError } from './errors.js';
import type { LibraryEntry, ShareRecord } from './library.js';
import { infoOf } from './records.js';
import type { LibraryStatus, ServedFile } from './types.js';

/** A served file and the record it was opened from. */
export interface Served {
  readonly record: ShareRecord;
  readonly file: ServedFile;
}

/** Open seed sources by group and info-hash. */
export class ServingTable {
  private readonly map = new Map<string, Served>();

  /** True if `infoHash` is served in `groupId`. */
  has(groupId: string, infoHash: string): boolean {
    return this.map.has(key(groupId, infoHash));
  }

  /** The served file for `infoHash` in `groupId`, or in any group when `groupId` is omitted. */
  get(infoHash: string, groupId?: string): ServedFile | undefined {
    if (groupId !== undefined) return this.map.get(key(groupId, infoHash))?.file;
    return this.all(infoHash)[0];
  }

  /** Every group's served file for `infoHash`. */
  all(infoHash: string): ServedFile[] {
    return [...this.map.values()].filter((s) => s.record.infoHash === infoHash).map((s) => s.file);
  }

  /** The status of a library entry: flagged as changed, served, or remembered only. */
  statusOf(e: LibraryEntry): LibraryStatus['status'] {
    if (e.changed) return 'changed';
    return this.has(e.groupId, e.infoHash) ? 'serving' : 'paused';
  }

  /** Everything served, as a snapshot. */
  snapshot(): Served[] {
    return [...this.map.values()];
  }

  /** True if `s` is still the entry served for its group and info-hash. */
  holds(s: Served): boolean {
    return this.map.get(key(s.record.groupId, s.record.infoHash)) === s;
  }

  /**
   * Opens `r` and serves it, unless it is served already. `stillWanted` is asked once the file
   * is open: if sharing was suspended meanwhile the source is closed again.
   *
   * @throws the errors of `SeedSource.open` (missing, changed, unreadable file).
   * @throws {SharesSuspendedError} if `stillWanted()` is false once the file is open.
   */
  async open(r: ShareRecord, stillWanted: () => boolean): Promise<void> {
    const k = key(r.groupId, r.infoHash);
    if (this.map.has(k)) return;
    const source = await SeedSource.open(r);
    if (!stillWanted()) {
      await source.close();
      throw new SharesSuspendedError(`sharing was suspended while "${r.name}" was being opened; it resumes at the next login`);
    }
    this.map.set(k, { record: r, file: { ...infoOf(r), pieces: r.pieces, source } });
  }

  /** Stops serving `infoHash` in `groupId` (closing its source), if it is served. */
  async close(groupId: string, infoHash: string): Promise<void> {
    const k = key(groupId, infoHash);
    const s = this.map.get(k);
    this.map.delete(k);
    await s?.file.source.close();
  }

  /** Stops serving everything. */
  async closeAll(): Promise<void> {
    const all = [...this.map.values()];
    this.map.clear();
    await Promise.all(all.map((s) => s.file.source.close()));
  }
}

function key(groupId: string, infoHash: string): string {
  return `${groupId}\n${infoHash}`;
}
