/**
 * The share manager (docs/client.md: upload_file, stop_share, "What stays shared"): `upload_file` hashes a
 * file, registers it with the tracker and keeps serving it; `stop_share` stops; logout stops
 * serving; login resumes every share the user had, checking the files are still there and
 * unchanged. It owns the {@link SeedSource} of every served file and the user's library file
 * (library.ts); the peer server reads through {@link ShareManager.source}.
 *
 * Decisions:
 * - Identity. A group holds one file per name (the tracker enforces it), so the library is keyed
 *   by group and name; what is served is keyed by group and info-hash (serving-table.ts: the
 *   same content and name in two groups has one info-hash, and the ticket's group decides).
 * - Re-sharing. Sharing a file whose path, size and mtime match a library entry reuses its
 *   hashes (no re-hash; any group), and `share_file` is sent anyway: the tracker answers
 *   `alreadyShared` and it repairs a registration the tracker lost. Re-sharing a path whose
 *   content changed first withdraws the stale share of the same name, which can no longer be
 *   served anyway.
 * - Logout (`suspend`) closes every source and keeps the library. Login (`resumeAll`) reopens
 *   each entry — `SeedSource.open` is the "still there and unchanged" check (same size and
 *   mtime) — and re-sends `share_file` (idempotent on the tracker; it also updates the peer
 *   address). Entries that fail are handled as share-failures.ts explains.
 * - Concurrency. Operations on one group and name run one after another (a keyed queue); others
 *   run in parallel. `suspend`/`stop` bump an epoch: a share still hashing then is not
 *   registered; one registered already is not served but stays in the library, to resume at
 *   the next login.
 */
import { EventEmitter } from 'node:events';
import { basename, resolve } from 'node:path';

import { ProtocolError, normaliseId } from '@groupshare/protocol';

import { hashFile } from '../storage/hash-file.js';
import { KeyedQueue } from '../storage/keyed-queue.js';
import { NoUserError, ShareManagerStoppedError, SharesSuspendedError } from './errors.js';
import { ShareLibrary, entryKey, type LibraryEntry, type ShareRecord } from './library.js';
import * as R from './records.js';
import { ServingTable } from './serving-table.js';
import { registerBatch, shareBatches } from './share-batches.js';
import { dropShare, withdraw, type DropContext } from './share-failures.js';
import type * as T from './types.js';

/** A promise and its resolve, for work that waits on a step of another. */
function signal<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** See the module comment. Events: {@link T.ShareManagerEvents}. */
export class ShareManager extends EventEmitter<T.ShareManagerEvents> {
  private readonly link: T.TrackerRequester;
  private readonly dataDir: string;
  private readonly hasher: NonNullable<T.ShareManagerInit['hashFile']>;
  private userId: string | undefined;
  private lib: Promise<ShareLibrary> | undefined;
  private readonly serving = new ServingTable();
  private readonly queue = new KeyedQueue<string>();
  private suspended = false;
  private stopping: Promise<void> | undefined;
  /** Bumped by suspend, stop and resumeAll: work begun in an older epoch must not start serving. */
  private epoch = 0;
  /** Keys of served entries whose `share_file` found no tracker (adopted offline): `registerPending` sends it. */
  private readonly unregistered = new Set<string>();

  constructor(init: T.ShareManagerInit) {
    super();
    this.link = init.link;
    this.dataDir = init.dataDir;
    this.hasher = init.hashFile ?? hashFile;
    this.userId = init.userId === undefined ? undefined : R.checkUserId(init.userId);
  }

  /** The user whose library is in use, normalised; undefined before the first login. */
  get user(): string | undefined {
    return this.userId;
  }

  /**
   * Shares the file at `path` in `groupId`: hashes it (`hashing` events; skipped when a library
   * entry has the same path, size and mtime), registers it with `share_file`, serves it and
   * remembers it. Idempotent: sharing it again reports `alreadyShared`.
   *
   * @throws {FileNotFoundError | NotAFileError | FileUnreadableError | FileChangedError |
   *   BadFileNameError} (storage) for a path that cannot be shared; `ProtocolError` for a
   *   tracker refusal; a link error; `signal.reason` if aborted while hashing.
   * @throws {NoUserError | SharesSuspendedError | ShareManagerStoppedError}
   */
  async share(path: string, groupId: string, opts: { signal?: AbortSignal } = {}): Promise<T.ShareResult> {
    this.assertServing();
    const lib = await this.loadLibrary();
    const gid = normaliseId(groupId);
    const absolute = resolve(path);
    const key = entryKey(gid, basename(absolute).normalize('NFC')); // the name hashFile will use
    return this.queue.run(key, async () => {
      this.assertServing();
      const epoch = this.epoch;
      const { hashed, rehashed } = await this.hashOrReuse(lib, absolute, gid, opts.signal);
      // Logged out while hashing: registering now would go to no session, or to the next user's.
      if (epoch !== this.epoch) throw new SharesSuspendedError('sharing was suspended while the file was being hashed');
      const record = R.recordOf(hashed, gid);
      const old = lib.entries.get(key);
      if (old !== undefined && old.infoHash !== record.infoHash && old.path === record.path) {
        await withdraw(this.ctx(lib), old); // its content is gone from disk: it cannot be served any more
      }
      const result = await this.link.request('share_file', R.shareFields(record));
      lib.entries.set(key, record);
      await lib.save();
      try {
        await this.serve(record, epoch);
      } catch (err) {
        if (err instanceof SharesSuspendedError) throw err; // remembered: resumes at next login
        // Registered, but the file changed between hashing and opening: undo, report.
        lib.entries.delete(key);
        await Promise.all([lib.save(), withdraw(this.ctx(lib), record)]);
        throw err;
      }
      const { name, infoHash } = record;
      this.fire('shared', { groupId: gid, name, infoHash, alreadyShared: result.alreadyShared });
      return { ...R.infoOf(record), alreadyShared: result.alreadyShared, rehashed, file: result.file };
    });
  }

  /**
   * Takes a file this peer already holds verified (a completed download: every piece and the
   * whole-file SHA-1 checked) into the library without hashing it again, serves it, and tells the
   * tracker (`share_file`, a no-op when the download's piece reports already made it a seeder).
   * While logged out it is only remembered, and served from the next login on.
   *
   * Resolves once the library file holds it (a client killed right after survives with it);
   * serving and telling the tracker go on after that. A tracker that cannot be reached changes
   * nothing (the next login registers it again); a file that changed or vanished since it was
   * verified is dropped again and reported as `unavailable`.
   *
   * @throws {NoUserError | ShareManagerStoppedError}
   */
  async adopt(record: ShareRecord): Promise<void> {
    if (this.stopping) throw new ShareManagerStoppedError('the share manager is stopped');
    const lib = await this.loadLibrary();
    const key = entryKey(record.groupId, record.name);
    let saved: () => void = () => undefined;
    const remembered = new Promise<void>((resolve) => (saved = resolve));
    void this.queue.run(key, async () => {
      const epoch = this.epoch;
      lib.entries.set(key, record);
      await lib.save().finally(saved);
      if (this.suspended) return;
      try {
        await this.serve(record, epoch);
      } catch (err) {
        if (err instanceof SharesSuspendedError) return;
        this.fire('unavailable', await dropShare(this.ctx(lib), record, R.openFailureReason(err), R.describe(err)));
        return;
      }
      const result = await this.link.request('share_file', R.shareFields(record)).catch((err: unknown) => {
        if (!(err instanceof ProtocolError)) this.unregistered.add(key); // no tracker answered: send it when one does
        return undefined;
      });
      if (result !== undefined) this.unregistered.delete(key);
      const { groupId, name, infoHash } = record;
      this.fire('shared', { groupId, name, infoHash, alreadyShared: result?.alreadyShared ?? true });
    });
    return remembered;
  }

  /**
   * Sends `share_file` for the served files no tracker could be told of when they were adopted
   * (a download completed while none was reachable), so members see this peer as a holder as
   * soon as a tracker is back rather than at the next login. Meant for the tracker link's
   * `sessionResumed`. One still unreachable stays pending; one the tracker refuses is dropped
   * from the list (the next login tells the user, as for any share). Resolves with how many
   * were registered.
   */
  async registerPending(): Promise<number> {
    if (this.stopping || this.suspended || this.unregistered.size === 0) return 0;
    const lib = await this.loadLibrary();
    const sent = await Promise.all(
      [...this.unregistered].map((key) =>
        this.queue.run(key, async () => {
          const entry = lib.entries.get(key);
          if (!this.unregistered.has(key)) return false; // registered meanwhile
          if (entry === undefined || this.suspended || this.source(entry.infoHash, entry.groupId) === undefined) {
            this.unregistered.delete(key); // not served now: the next login registers what remains
            return false;
          }
          const result = await this.link.request('share_file', R.shareFields(entry)).catch((err: unknown) => {
            if (err instanceof ProtocolError) this.unregistered.delete(key);
            return undefined;
          });
          if (result === undefined) return false;
          this.unregistered.delete(key);
          this.fire('shared', { groupId: entry.groupId, name: entry.name, infoHash: entry.infoHash, alreadyShared: result.alreadyShared });
          return true;
        }),
      ),
    );
    return sent.filter(Boolean).length;
  }

  /**
   * {@link adopt} for many records at once (a synced folder's first hash shares thousands): one
   * library write for them all, and the tracker told with `share_files` in batches
   * (share-batches.ts) instead of one `share_file` each. Resolves once the library file holds
   * them; serving and telling the tracker go on after that, each record's other operations
   * (a `stopShare` of it) waiting until the tracker has answered for it. A record the tracker
   * refuses stays in the library and served, as with {@link adopt}; the next login registers it
   * again.
   *
   * @throws {NoUserError | ShareManagerStoppedError}
   */
  async adoptAll(records: readonly ShareRecord[]): Promise<void> {
    if (this.stopping) throw new ShareManagerStoppedError('the share manager is stopped');
    const lib = await this.loadLibrary();
    // One per key (the last wins, as adopting them in turn would): a key's queued work below
    // waits for the whole batch, so two of one key would wait for each other.
    const unique = [...new Map(records.map((r) => [entryKey(r.groupId, r.name), r])).values()];
    if (unique.length === 0) return;
    const epoch = this.epoch;
    const saving = signal<void>();
    const registered = signal<void>();
    // In each key's queue, after what was queued before: remembered, served, then held until the
    // tracker has answered, so a later stopShare of it cannot overtake the registration.
    const stages = unique.map((record) => {
      const key = entryKey(record.groupId, record.name);
      const set = signal<void>();
      const served = signal<boolean>();
      void this.queue.run(key, async () => {
        lib.entries.set(key, record);
        set.resolve();
        await saving.promise;
        try {
          if (this.suspended) return served.resolve(false);
          await this.serve(record, epoch);
          served.resolve(true);
        } catch (err) {
          if (!(err instanceof SharesSuspendedError)) this.fire('unavailable', await dropShare(this.ctx(lib), record, R.openFailureReason(err), R.describe(err)));
          served.resolve(false);
        }
        await registered.promise;
      });
      return { record, set, served };
    });
    await Promise.all(stages.map((s) => s.set.promise));
    const saved = lib.save();
    void saved.then(saving.resolve);
    void (async () => {
      try {
        const ok = await Promise.all(stages.map((s) => s.served.promise));
        const serving = stages.filter((_, i) => ok[i]).map((s) => s.record);
        for (const batch of shareBatches(serving)) {
          // A record no tracker answered for is sent again when one does (registerPending).
          const reply = await registerBatch(this.link, batch, (r) => this.unregistered.add(entryKey(r.groupId, r.name)));
          batch.forEach(({ groupId, name, infoHash }, i) => {
            const result = reply[i];
            this.fire('shared', { groupId, name, infoHash, alreadyShared: result?.alreadyShared ?? true });
          });
        }
      } finally {
        registered.resolve();
      }
    })();
    return saved;
  }

  /**
   * Stops sharing `name` in `groupId` (`stop_share`), stops serving it and forgets it. When the
   * tracker no longer has the share but the library does, the local copy is cleaned up anyway.
   *
   * @throws `ProtocolError` (e.g. ERR_NO_SUCH_FILE for a file this user does not share) or a
   *   link error; nothing changes locally then.
   */
  async stopShare(groupId: string, name: string): Promise<{ withdrawn: boolean }> {
    if (this.stopping) throw new ShareManagerStoppedError('the share manager is stopped');
    const lib = await this.loadLibrary();
    const gid = normaliseId(groupId);
    const nfc = name.normalize('NFC');
    const key = entryKey(gid, nfc);
    return this.queue.run(key, async () => {
      const entry = lib.entries.get(key);
      let withdrawn = false;
      try {
        ({ withdrawn } = await this.link.request('stop_share', { groupId: gid, name: nfc }));
      } catch (err) {
        if (entry === undefined || !R.goneOnTracker(err)) throw err;
      }
      if (entry !== undefined) {
        await this.serving.close(gid, entry.infoHash);
        lib.entries.delete(key);
        await lib.save();
      }
      this.fire('stopped', { groupId: gid, name: nfc, withdrawn });
      return { withdrawn };
    });
  }

  /**
   * The file served as `infoHash` in `groupId`, for the peer server. Pass the group of the
   * downloader's ticket; without a group, any group's (they hold identical bytes). Every group
   * at once: `sources`.
   */
  source(infoHash: string, groupId?: string): T.ServedFile | undefined {
    return this.serving.get(infoHash, groupId === undefined ? undefined : normaliseId(groupId));
  }

  /** Every group in which `infoHash` is served. */
  sources(infoHash: string): T.ServedFile[] {
    return this.serving.all(infoHash);
  }

  /** The files served now. */
  list(): T.SharedFileInfo[] {
    return this.serving.snapshot().map((s) => R.infoOf(s.record));
  }

  /**
   * Every remembered share with its status (served, paused, or changed on disk).
   *
   * @throws {NoUserError} if no user is known.
   */
  async library(): Promise<T.LibraryStatus[]> {
    const lib = await this.loadLibrary();
    return [...lib.entries.values()].map((e) => ({ ...R.infoOf(e), status: this.serving.statusOf(e) }));
  }

  /** Logout: stops serving every file (closes every source) and keeps the library. Idempotent. */
  async suspend(): Promise<void> {
    this.suspended = true;
    this.epoch++;
    await this.serving.closeAll();
  }

  /**
   * Login: switches to `userId`'s library if given (suspending another user's shares first),
   * then resumes every remembered share. Failures are events and report entries, never throws
   * for a single file. Calling it while serving re-registers everything (harmless).
   *
   * @throws {NoUserError} if no user is known; {@link BadUserIdError}; {@link ShareManagerStoppedError}.
   */
  async resumeAll(userId?: string): Promise<T.SharesResumeReport> {
    if (this.stopping) throw new ShareManagerStoppedError('the share manager is stopped');
    const id = userId === undefined ? this.userId : R.checkUserId(userId);
    if (id !== this.userId) {
      await this.suspend();
      this.userId = id;
      this.lib = undefined;
    }
    const lib = await this.loadLibrary();
    this.suspended = false;
    this.unregistered.clear(); // every entry is registered again below
    const epoch = ++this.epoch;
    const keys = [...lib.entries.keys()];
    const outcomes = await Promise.all(keys.map((key) => this.queue.run(key, () => this.resumeOne(lib, key, epoch))));
    const failed = outcomes.filter((o): o is T.ShareFailure => o !== undefined && 'reason' in o);
    return { resumed: outcomes.filter((o): o is T.SharedFileInfo => o !== undefined && !('reason' in o)), failed };
  }

  /**
   * Checks every served file is still there and unchanged (`SeedSource.checkUnchanged`); one
   * that is not stops being served and is handled as at login (`unavailable` event). Meant to be
   * called now and then by the client, or by the peer server after a failed read.
   */
  async recheck(): Promise<T.ShareFailure[]> {
    const lib = await this.loadLibrary();
    const failures: T.ShareFailure[] = [];
    const checks = this.serving.snapshot().map((s) =>
      this.queue.run(entryKey(s.record.groupId, s.record.name), async () => {
        if (!this.serving.holds(s)) return; // stopped or replaced meanwhile
        const check = await s.file.source.checkUnchanged();
        if (check === 'unchanged') return;
        const why = { message: `${s.record.path} is ${check}` };
        const failure = await dropShare(this.ctx(lib), s.record, check, why);
        failures.push(failure);
        this.fire('unavailable', failure);
      }),
    );
    await Promise.all(checks);
    return failures;
  }

  /** Stops for good: closes every source. The library stays on disk. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.suspend();
    return this.stopping;
  }

  /** The current user's library, loaded once (a garbled file reads as empty: never throws). */
  private loadLibrary(): Promise<ShareLibrary> {
    if (this.userId === undefined) return Promise.reject(new NoUserError('no user is logged in, so there is no share library'));
    this.lib ??= ShareLibrary.load(this.dataDir, this.userId, (p) => this.fire('libraryProblem', p));
    return this.lib;
  }

  private async resumeOne(lib: ShareLibrary, key: string, epoch: number) {
    const entry = lib.entries.get(key);
    if (entry === undefined || epoch !== this.epoch) return undefined;
    try {
      await this.serve(entry, epoch);
    } catch (err) {
      if (err instanceof SharesSuspendedError) return undefined;
      return this.failResume(lib, entry, R.openFailureReason(err), err);
    }
    try {
      await this.link.request('share_file', R.shareFields(entry));
    } catch (err) {
      return this.failResume(lib, entry, R.trackerFailureReason(err), err);
    }
    if (entry.changed) {
      // Back to what was hashed (restored from a backup): serve it again, unflagged.
      const { changed: _changed, ...record } = entry;
      lib.entries.set(key, record);
      await lib.save();
    }
    this.fire('resumed', { groupId: entry.groupId, name: entry.name, infoHash: entry.infoHash });
    return R.infoOf(entry);
  }

  private async failResume(lib: ShareLibrary, entry: LibraryEntry, reason: T.ShareFailureReason, err: unknown) {
    const failure = await dropShare(this.ctx(lib), entry, reason, R.describe(err));
    this.fire('resumeFailed', failure);
    return failure;
  }

  private async hashOrReuse(lib: ShareLibrary, path: string, groupId: string, signal: AbortSignal | undefined) {
    const known = await lib.findUnchanged(path);
    if (known !== undefined) return { hashed: R.hashedOf(known), rehashed: false };
    const onProgress = (bytesDone: number, total: number) => this.fire('hashing', { path, groupId, bytesDone, total });
    return { hashed: await this.hasher(path, { onProgress, signal }), rehashed: true };
  }

  private ctx(lib: ShareLibrary): DropContext {
    return { lib, serving: this.serving, link: this.link };
  }

  /** Serves `r` unless it is already, provided no suspend happened since `epoch`. */
  private serve(r: ShareRecord, epoch: number): Promise<void> {
    return this.serving.open(r, () => epoch === this.epoch && !this.suspended);
  }

  private assertServing(): void {
    if (this.stopping) throw new ShareManagerStoppedError('the share manager is stopped');
    if (this.suspended) throw new SharesSuspendedError('sharing is suspended while logged out; log in first');
  }

  /** Emits without letting a listener's exception break the operation that emitted. */
  private fire<K extends keyof T.ShareManagerEvents>(event: K, ...args: T.ShareManagerEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: T.ShareManagerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      if (event !== 'error' && this.listenerCount('error') > 0) this.emit('error', err);
    }
  }
}
