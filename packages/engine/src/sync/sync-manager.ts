/**
 * The folders this user keeps in sync (`sync_folder`, `list_synced`, `unsync_folder`): the
 * bindings are remembered in the data directory, every bound folder runs while the user is
 * logged in (from the next login after a restart too, catching up on what changed meanwhile),
 * and a tracker push about a group (a file shared, a holder back online) starts a round in its
 * folders at once rather than at the next rescan.
 */
import { EventEmitter } from 'node:events';
import { promises as fsp } from 'node:fs';
import { sep } from 'node:path';

import { normaliseId, type Push } from '@groupshare/protocol';

import { FolderSync } from './folder-sync.js';
import { readBindings, stateFile, writeBindings, type SyncBinding } from './sync-store.js';
import type { FolderSyncInit, SyncEvent, SyncStatus } from './types.js';

export interface SyncManagerInit extends Omit<FolderSyncInit, 'userId' | 'binding' | 'onEvent'> {
  /** Tracker pushes (a TrackerLink): rounds start when the group changes. */
  pushes?: { on(event: 'push', listener: (push: Push) => void): unknown };
}

/** A `sync_folder` refused, with a stable code. */
export class SyncBindingError extends Error {
  constructor(
    readonly code: 'ERR_NOT_A_FOLDER' | 'ERR_ALREADY_SYNCED' | 'ERR_NESTED_SYNC' | 'ERR_NOT_SYNCED' | 'ERR_NOT_LOGGED_IN',
    message: string,
  ) {
    super(message);
    this.name = 'SyncBindingError';
  }
}

/** Events: `event` (a folder's {@link SyncEvent}). */
export class SyncManager extends EventEmitter<{ event: [event: SyncEvent, binding: SyncBinding] }> {
  private userId: string | undefined;
  private readonly folders: FolderSync[] = [];

  constructor(private readonly init: SyncManagerInit) {
    super();
    init.pushes?.on('push', (push) => {
      // Not for a file this user shared: that is a round's own doing (a first sync's ten
      // thousand shares asked for a round each, and one more round walked the whole folder).
      if (push.push === 'file_shared' && push.data.sharedBy === this.userId) return;
      if (push.push === 'file_shared' || push.push === 'holder_online') this.poke(push.data.groupId);
    });
  }

  /** At login: every folder this user bound starts (and catches up). */
  async resume(userId: string): Promise<void> {
    await this.suspend();
    this.userId = userId;
    for (const b of await readBindings(this.init.dataDir, userId)) await this.startFolder(b);
  }

  /** At logout: every folder stops; the bindings stay for the next login. */
  async suspend(): Promise<void> {
    const running = this.folders.splice(0);
    await Promise.all(running.map((f) => f.stop()));
    this.userId = undefined;
  }

  /**
   * Binds `dir` to `groupId` and starts syncing it. The folder must exist; it may not be inside
   * or around another folder synced with the same group.
   */
  async bind(groupId: string, dir: string, opts: { mirrorDeletes: boolean }): Promise<SyncBinding> {
    const userId = this.requireUser();
    const gid = normaliseId(groupId);
    let real: string;
    try {
      real = await fsp.realpath(dir);
      if (!(await fsp.stat(real)).isDirectory()) throw new Error('not a folder');
    } catch {
      throw new SyncBindingError('ERR_NOT_A_FOLDER', `${dir} is not a folder`);
    }
    const bindings = await readBindings(this.init.dataDir, userId);
    for (const b of bindings.filter((x) => x.groupId === gid)) {
      if (b.dir === real) throw new SyncBindingError('ERR_ALREADY_SYNCED', `${real} is already synced with ${gid}`);
      if (real.startsWith(b.dir + sep) || b.dir.startsWith(real + sep)) {
        throw new SyncBindingError('ERR_NESTED_SYNC', `${real} is inside or around ${b.dir}, already synced with ${gid}`);
      }
    }
    const binding: SyncBinding = { groupId: gid, dir: real, mirrorDeletes: opts.mirrorDeletes };
    await writeBindings(this.init.dataDir, userId, [...bindings, binding]);
    await this.startFolder(binding);
    return binding;
  }

  /**
   * Stops syncing `dir` with `groupId`: its files stay on disk and stop being shared, and its
   * sync state is forgotten (binding it again hashes it afresh).
   */
  async unbind(groupId: string, dir: string): Promise<SyncBinding> {
    const userId = this.requireUser();
    const gid = normaliseId(groupId);
    const real = await fsp.realpath(dir).catch(() => dir);
    const bindings = await readBindings(this.init.dataDir, userId);
    const binding = bindings.find((b) => b.groupId === gid && (b.dir === real || b.dir === dir));
    if (binding === undefined) throw new SyncBindingError('ERR_NOT_SYNCED', `${dir} is not synced with ${gid}`);
    const i = this.folders.findIndex((f) => f.binding.groupId === gid && f.binding.dir === binding.dir);
    const folder = i >= 0 ? this.folders.splice(i, 1)[0] : undefined;
    await folder?.stop();
    await folder?.unshareAll();
    await writeBindings(this.init.dataDir, userId, bindings.filter((b) => b !== binding));
    await fsp.rm(stateFile(this.init.dataDir, userId, binding), { force: true });
    return binding;
  }

  /** Every bound folder, with its state now. */
  list(): SyncStatus[] {
    return this.folders.map((f) => f.status());
  }

  /** Resolves when every folder's rounds are done (tests, scripts). */
  async settled(): Promise<void> {
    await Promise.all(this.folders.map((f) => f.settled()));
  }

  /** Asks every folder of `groupId` (all when omitted) for a round now. */
  poke(groupId?: string): void {
    for (const f of this.folders) if (groupId === undefined || f.binding.groupId === groupId) f.request();
  }

  private async startFolder(binding: SyncBinding): Promise<void> {
    const userId = this.requireUser();
    const folder = new FolderSync({ ...this.init, userId, binding, onEvent: (e, b) => this.emit('event', e, b) });
    this.folders.push(folder);
    await folder.start();
  }

  private requireUser(): string {
    if (this.userId === undefined) throw new SyncBindingError('ERR_NOT_LOGGED_IN', 'log in first');
    return this.userId;
  }
}
