/**
 * One folder kept in sync with a group (docs/sync.md). A round: scan the folder (scan.ts),
 * hash what changed and share each new version under its version name (version-name.ts), read
 * the group's file list, decide (decide.ts) and carry out what was decided: fetch newer
 * versions into `.groupshare/tmp/` and move them into place, the replaced file kept among the
 * versions (place.ts), or keep both sides of a concurrent change. A file another path of the
 * folder already holds (a rename, a move, a copy) is copied locally instead of downloaded.
 *
 * Rounds run one at a time; a watcher event, a tracker push or a finished round that changed
 * something asks for another. Nothing here prints: `onEvent` tells the shell.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

import { fromHex, infoHash } from '@groupshare/protocol';

import { hashFile, type HashedFile } from '../storage/hash-file.js';
import type { ShareRecord } from '../share/library.js';
import { recordOf } from '../share/records.js';
import { decide, savedVersion, type RemoteVersion, type SyncAction, type Version } from './decide.js';
import { ensureParent, innerDir, keepVersion, moveInto } from './place.js';
import { pruneVersions } from './prune-versions.js';
import { hashChanged } from './hash-changed.js';
import { listedVersions } from './listed-versions.js';
import { HeldPaths } from './held-paths.js';
import { scanFolder, type ScannedFile } from './scan.js';
import { readFolderSaves, readFolderState, saveKey, stateFile, writeFolderState, type HeldFile, type SyncBinding } from './sync-store.js';
import type { FolderSyncInit, SyncEvent, SyncStatus } from './types.js';
import { tombstoneContent, writeTombstone } from './tombstones.js';
import { FolderWatcher } from './watcher.js';

/** How often old versions are looked for (`prune-versions.ts`). */
const PRUNE_EVERY_MS = 3_600_000;

/** New versions shared per `adoptAll` (one library write, one or a few `share_files`). */
const ADOPT_BATCH = 2_500;

/** How soon a round follows a failed fetch. */
const RETRY_MS = 2_000;

/** A version's verified bytes under `.groupshare/tmp/`, with their share record. */
interface Obtained {
  path: string;
  record: ShareRecord;
  local: boolean;
}

export class FolderSync {
  readonly binding: SyncBinding;
  private held = new HeldPaths();
  private readonly watcher: FolderWatcher;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private pending = 0;
  private readonly skipped = new Set<string>();
  /** Versions found held by the author they name, though another member shared them first (listed-versions.ts). */
  private readonly believed = new Set<string>();
  /** This member's own saves ({@link saveKey}), kept with the state. */
  private saves = new Set<string>();
  private readonly failures = new Map<string, string>();
  private retry: NodeJS.Timeout | undefined;
  private savedAt = 0;
  private prunedAt = -Infinity;
  /** A round is walking the folder: what it holds is not known yet. */
  private scanning = false;
  private readonly file: string;
  private readonly now: () => number;
  private readonly hasher: NonNullable<FolderSyncInit['hashFile']>;
  /** The file being hashed for a new version now, and how far. */
  private hashing: { path: string; done: number; total: number } | undefined;

  constructor(private readonly init: FolderSyncInit) {
    this.binding = init.binding;
    this.file = stateFile(init.dataDir, init.userId, init.binding);
    this.now = init.now ?? Date.now;
    this.hasher = init.hashFile ?? hashFile;
    this.watcher = new FolderWatcher({
      root: init.binding.dir,
      onChange: () => this.request(),
      onFallback: (reason) => this.emit({ kind: 'polling', reason }),
      ...init.watcher,
    });
  }

  /** Loads the remembered state and runs the first round. */
  async start(): Promise<void> {
    this.held = HeldPaths.of(await readFolderState(this.file));
    this.saves = await readFolderSaves(this.file);
    for (const h of this.held.values()) if (h.held.author === this.init.userId) this.saves.add(saveKey(h.held)); // a state from before saves were kept
    this.request();
  }

  /** Asks for a round (soon, coalesced). */
  request(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((err: unknown) => this.emit({ kind: 'error', message: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.request();
        } else this.emit({ kind: 'idle' });
      });
  }

  /** Resolves when no round is running or asked for. */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher.stop();
    clearTimeout(this.retry);
    await this.running;
  }

  /** Stops sharing every version this folder holds (unsync_folder). */
  async unshareAll(): Promise<void> {
    for (const h of this.held.values()) await this.unshare(h.held.name);
  }

  status(): SyncStatus {
    const { files, conflicts } = this.held;
    const busy = this.running !== undefined ? Math.max(this.pending, 0) : 0;
    const h = this.hashing;
    const hashing = h === undefined ? {} : { hashing: { path: h.path, percent: h.total === 0 ? 0 : Math.floor((100 * h.done) / h.total) } };
    const scanning = this.running !== undefined && this.scanning ? { scanning: true as const } : {};
    return { ...this.binding, files, syncing: busy, conflicts, watch: this.watcher.mode, ...hashing, ...scanning };
  }

  private emit(e: SyncEvent): void {
    try {
      this.init.onEvent?.(e, this.binding);
    } catch {
      // a listener's failure is not the sync's
    }
  }

  private async round(): Promise<void> {
    const root = this.binding.dir;
    this.scanning = true;
    if (this.now() - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = this.now();
      await pruneVersions(root, this.prunedAt, this.init.keepVersionsMs);
    }
    const scan = await scanFolder(root, this.held).finally(() => (this.scanning = false));
    this.watcher.setDirs(scan.dirs);
    for (const s of scan.skipped) {
      if (!this.skipped.has(s.path)) this.emit({ kind: 'skipped', path: s.path, reason: s.reason });
      this.skipped.add(s.path);
    }
    const changed = [...scan.files].filter(([p, f]) => {
      const h = this.held.get(p);
      return h === undefined || h.held.kind === 'd' || h.mtimeMs !== f.mtimeMs || h.held.size !== f.size || h.ino !== f.ino;
    });
    this.pending = changed.length;
    await this.saveAll(changed);
    if (this.stopped) return void (await this.save()); // what was hashed is not hashed again
    for (const [p, h] of [...this.held]) {
      if (scan.files.has(p) || h.held.kind === 'd') continue;
      if (this.binding.mirrorDeletes) {
        const tombstone = savedVersion(h, p, tombstoneContent(p), this.init.userId, this.now(), 'd');
        this.saves.add(saveKey(tombstone));
        await this.hold(tombstone, h.held.name);
      } else {
        // Deleted here: not propagated (the union brings it back from the others).
        this.held.delete(p);
        await this.unshare(h.held.name);
      }
    }
    await this.save();
    const { files } = await this.init.link.request('list_files', { groupId: this.binding.groupId });
    const me = { groupId: this.binding.groupId, userId: this.init.userId, saves: this.saves };
    const listed = await listedVersions(this.init.link, me, files, this.believed);
    const actions = decide(this.held, listed, this.binding.mirrorDeletes);
    this.pending = actions.length;
    let done = 0;
    for (const a of actions) {
      if (this.stopped) return;
      try {
        if (await this.apply(a)) done++;
        this.failures.delete(a.path);
      } catch (err) {
        // Told once per path and reason: the same refusal comes back every round.
        const message = err instanceof Error ? err.message : String(err);
        if (this.failures.get(a.path) !== message) this.emit({ kind: 'error', path: a.path, message });
        this.failures.set(a.path, message);
      }
      this.pending--;
      await this.save(false);
    }
    await this.save();
    if (done > 0) this.again = true;
  }

  /**
   * Hashes the changed files (hash-changed.ts) and shares their new versions ADOPT_BATCH at a
   * time (one library write and one `share_files` request per batch, not per file). Resolves
   * once the library holds them all, so the state written next never says a version is held
   * that the library does not know.
   */
  private async saveAll(files: ReadonlyArray<[string, ScannedFile]>): Promise<void> {
    const sharing: Promise<void>[] = [];
    let batch: ShareRecord[] = [];
    const flush = (): void => {
      if (batch.length > 0) sharing.push(this.init.shares.adoptAll(batch));
      batch = [];
    };
    const user = this.init.userId;
    // The version each file's hash is named for; its content is filled in once hashed.
    const named = new Map<string, Version>();
    const nameOf = (p: string, now: number): string => {
      const v = savedVersion(this.held.get(p), p, { sha1: '', size: 0 }, user, now);
      named.set(p, v);
      return v.name;
    };
    try {
      await hashChanged(
        files.map(([path, f]) => ({ path, size: f.size })),
        {
          root: this.binding.dir,
          hasher: this.init.hashFile,
          now: this.now,
          nameOf,
          onProgress: (path, done, total) => void (this.hashing = { path, done, total }),
          stopped: () => this.stopped,
          onHashed: async (p, result) => {
            if (this.hashing?.path === p) this.hashing = undefined;
            this.pending--;
            const v = named.get(p);
            named.delete(p);
            const record = result === undefined ? undefined : await this.newVersion(p, result, v);
            if (record === undefined) return;
            batch.push(record);
            if (batch.length >= ADOPT_BATCH) flush();
          },
        },
      );
    } finally {
      flush();
      await Promise.all(sharing);
    }
  }

  /**
   * The file at `p` hashed (under the name of its new version saved at `now`, `named` when
   * known): if its content changed, holds it as that version and returns the record to share.
   */
  private async newVersion(p: string, { hashed, ino, now }: { hashed: HashedFile; ino?: number; now: number }, named?: Version): Promise<ShareRecord | undefined> {
    let stat = ino === undefined ? undefined : { mtimeMs: hashed.mtimeMs, size: hashed.size, ino };
    stat ??= await fsp.lstat(join(this.binding.dir, p)).catch(() => undefined);
    if (stat === undefined || stat.mtimeMs !== hashed.mtimeMs || stat.size !== hashed.size) return undefined; // still being written
    const at = this.held.get(p);
    if (at !== undefined && at.held.kind === 'f' && at.held.sha1 === hashed.sha1 && at.held.size === hashed.size) {
      this.held.set(p, { ...at, mtimeMs: stat.mtimeMs, ino: stat.ino }); // touched, same content
      return undefined;
    }
    const content = { sha1: hashed.sha1, size: hashed.size };
    const v = named?.name === hashed.name ? { ...named, ...content } : savedVersion(at, p, content, this.init.userId, now);
    this.saves.add(saveKey(v));
    if (at !== undefined) await this.unshare(at.held.name);
    this.held.set(p, { held: v, mtimeMs: stat.mtimeMs, ino: stat.ino });
    return renamed(recordOf(hashed, this.binding.groupId), v.name); // hashed under v's name already: kept as is
  }

  /** Carries out one decision; false when it has to wait (no online holder, a local change first). */
  private async apply(a: SyncAction): Promise<boolean> {
    const root = this.binding.dir;
    const mine = this.held.get(a.path);
    if (mine !== undefined && !(await this.unchanged(a.path, mine))) {
      this.again = true; // saved (or deleted) here meanwhile: that first
      return false;
    }
    if (a.kind === 'relabel') {
      await this.hold(a.as, mine?.held.name);
      return false; // nothing on disk changed: no need for another round
    }
    if (a.version.kind === 'd') {
      // A deletion that includes our version: the file goes among the versions.
      const kept = await keepVersion(root, a.path, this.now());
      await this.hold(a.as, mine?.held.name);
      this.emit({ kind: 'deleted', path: a.path, ...(kept !== undefined ? { kept } : {}) });
      return true;
    }
    const got = await this.obtain(a.version);
    if (got === undefined) return false;
    try {
      // Saved here while the version was fetched: replacing it now would put that save among
      // the versions unseen. The next round hashes it and sees the concurrent change.
      if (mine !== undefined && !(await this.unchanged(a.path, mine))) {
        this.again = true;
        return false;
      }
      return await this.carryOut(a, mine, got);
    } finally {
      await fsp.rm(got.path, { force: true }); // moved into place, or refused: never left behind
    }
  }

  private async carryOut(a: Exclude<SyncAction, { kind: 'relabel' }>, mine: HeldFile | undefined, got: Obtained): Promise<boolean> {
    const root = this.binding.dir;
    const time = this.now();
    if (a.kind === 'keep') {
      await this.place(a.conflictVersion, got, time);
      await this.hold(a.as, mine?.held.name);
      this.emit({ kind: 'conflict', path: a.path, copy: a.conflictVersion.path });
      return true;
    }
    if (a.kind === 'yield' && mine !== undefined) {
      await keepVersion(root, a.conflictVersion.path, time);
      await ensureParent(root, a.conflictVersion.path);
      await fsp.rename(join(root, a.path), join(root, a.conflictVersion.path));
      this.held.delete(a.path);
      await this.hold(a.conflictVersion, mine.held.name);
      this.emit({ kind: 'conflict', path: a.path, copy: a.conflictVersion.path });
    }
    const kept = mine === undefined || mine.held.kind === 'd' || a.kind === 'yield' ? undefined : await keepVersion(root, a.path, time);
    if (mine !== undefined && a.kind === 'fetch') await this.unshare(mine.held.name);
    await this.place(a.as, got, time);
    this.emit({ kind: 'fetched', path: a.path, ...(kept !== undefined ? { kept } : {}), local: got.local });
    return true;
  }

  /** Moves the verified file `got` to `v.path` (what is there goes to the versions), shares and remembers it as `v`. */
  private async place(v: Version, got: Obtained, time: number): Promise<void> {
    const root = this.binding.dir;
    await keepVersion(root, v.path, time);
    await moveInto(root, v.path, got.path);
    const st = await fsp.lstat(join(root, v.path));
    await this.share({ ...renamed(got.record, v.name), path: join(root, v.path), mtimeMs: st.mtimeMs });
    this.held.set(v.path, { held: v, mtimeMs: st.mtimeMs, ino: st.ino });
    // Downloaded under another version's name: the tracker counts us among its holders, which
    // we are not (we serve it as `v`); say so, or others would wait for us to serve it.
    if (!got.local && got.record.name !== v.name) await this.unshare(got.record.name);
  }

  /**
   * Holds what is at `v.path` now (the file, or for a tombstone its absence) as `v`: shared
   * under its name (a tombstone's file written first), `previous` no longer shared.
   */
  private async hold(v: Version, previous: string | undefined): Promise<void> {
    const root = this.binding.dir;
    if (v.kind === 'd') {
      const file = await writeTombstone(await innerDir(root, 'tombstones'), v.name, v.path);
      await this.share(recordOf(await this.hasher(file, { name: v.name }), this.binding.groupId));
      this.held.set(v.path, { held: v, mtimeMs: 0, ino: 0 });
    } else {
      const hashed = await this.hasher(join(root, v.path), { name: v.name });
      if (hashed.sha1 !== v.sha1) throw new Error(`${v.path} changed meanwhile`);
      await this.share(recordOf(hashed, this.binding.groupId));
      const st = await fsp.lstat(join(root, v.path)).catch(() => undefined);
      this.held.set(v.path, { held: v, mtimeMs: hashed.mtimeMs, ino: st?.mtimeMs === hashed.mtimeMs ? st.ino : 0 });
    }
    if (previous !== undefined && previous !== v.name) await this.unshare(previous);
  }

  /**
   * The verified bytes of `v` under `.groupshare/tmp/`: copied from a path of this folder that
   * holds the same content (a rename), else downloaded from the members holding it.
   */
  private async obtain(v: RemoteVersion): Promise<Obtained | undefined> {
    const tmpDir = await innerDir(this.binding.dir, 'tmp');
    for (const [p, h] of this.held) {
      if (h.held.kind !== 'f' || h.held.sha1 !== v.sha1 || h.held.size !== v.size || !(await this.unchanged(p, h))) continue;
      const tmp = join(tmpDir, `copy-${randomBytes(8).toString('hex')}`);
      await fsp.copyFile(join(this.binding.dir, p), tmp);
      const copy = await this.hasher(tmp, { name: v.name });
      if (copy.sha1 === v.sha1) return { path: tmp, record: recordOf(copy, this.binding.groupId), local: true };
      await fsp.rm(tmp, { force: true });
    }
    if (!v.available) return undefined;
    try {
      const record = await this.init.fetch(this.binding.groupId, v.name, tmpDir);
      return { path: record.path, record, local: false };
    } catch (err) {
      await this.unshare(v.name); // the pieces we got are not served: withdraw our claim to them
      this.retrySoon(); // its holders may have moved on to a newer version: look at the list again
      throw err;
    }
  }

  /** A round in a couple of seconds (not at once: a failing fetch must not spin). */
  private retrySoon(): void {
    if (this.retry !== undefined || this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.request();
    }, RETRY_MS);
    this.retry.unref();
  }

  /** True when the file at `p` is as it was when last hashed (same size, mtime and inode; for a tombstone: still absent). */
  private async unchanged(p: string, h: HeldFile): Promise<boolean> {
    const st = await fsp.lstat(join(this.binding.dir, p)).catch(() => undefined);
    if (h.held.kind === 'd') return st === undefined;
    return st !== undefined && st.isFile() && st.size === h.held.size && st.mtimeMs === h.mtimeMs && (h.ino === 0 || st.ino === h.ino);
  }

  private async share(record: ShareRecord): Promise<void> {
    await this.init.shares.adopt(record);
  }

  private async unshare(name: string): Promise<void> {
    await this.init.shares.stopShare(this.binding.groupId, name).catch(() => undefined);
  }

  /**
   * Writes the folder's state; with `force` false, only if the last write is a second old (a
   * round fetching thousands of files must not rewrite the whole state after each one).
   */
  private async save(force = true): Promise<void> {
    const now = performance.now();
    if (!force && now - this.savedAt < 1_000) return;
    this.savedAt = now;
    await writeFolderState(this.init.dataDir, this.file, this.held, this.saves);
  }
}

/** `record` as shared under `name` (the info-hash covers the name; the pieces stay). */
function renamed(record: ShareRecord, name: string): ShareRecord {
  if (record.name === name) return record;
  return { ...record, name, infoHash: infoHash({ name, length: record.size, pieceLength: record.pieceLength, pieces: fromHex(record.pieces) }) };
}
