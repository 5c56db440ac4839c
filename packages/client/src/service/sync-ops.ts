/**
 * Folder sync's operations for every front (docs/sync.md): the shell's sync_folder, list_synced
 * and unsync_folder and the web API's /api/synced routes call these. The engine's SyncManager
 * does the syncing; this adds what the fronts show beside its status: each folder's state in
 * words, its recent events and last error, and the names of its conflict copies. It tells the
 * event bus (`synced`) whenever any of that may have changed.
 */
import type { PeerNode, SyncBinding, SyncEvent, SyncStatus, TrackerLink } from '@groupshare/engine';

import { checkId } from '../input-checks.js';
import { findConflictCopies } from './conflict-copies.js';
import type { PeerEventBus } from './events.js';
import { describeSyncEvent, syncState } from './sync-text.js';

/** How many recent events each folder keeps for the page. */
export const RECENT_SYNC_EVENTS = 5;

/** Something a synced folder did, in words (sync-text.ts). */
export interface SyncedEvent {
  /** ISO time. */
  at: string;
  kind: Exclude<SyncEvent['kind'], 'idle'>;
  path?: string;
  text: string;
  warn: boolean;
}

/** A synced folder as the fronts show it. */
export interface SyncedFolder {
  groupId: string;
  dir: string;
  mirrorDeletes: boolean;
  /** Files in the folder (conflict copies included). */
  files: number;
  state: 'scanning' | 'syncing' | 'up-to-date';
  /** Files being hashed or fetched in the round running now. */
  syncing: number;
  hashing?: { path: string; percent: number };
  conflicts: number;
  /** The conflict copies' paths in the folder (at most 100; empty until the folder was looked at). */
  conflictCopies: string[];
  watch: 'watching' | 'polling';
  /** The shell's words for the state: `syncing 2 files (hashing a.iso: 40%), 1 conflict`. */
  summary: string;
  lastError?: { at: string; path?: string; message: string };
  /** Newest first. */
  events: SyncedEvent[];
}

export interface SyncOpsInit {
  link: TrackerLink;
  node?: PeerNode;
  events: PeerEventBus;
  /** The node when logged in; throws the shell's sentence otherwise. */
  requireNode: () => PeerNode;
}

const keyOf = (b: Pick<SyncBinding, 'groupId' | 'dir'>): string => `${b.groupId}\n${b.dir}`;

export class SyncOps {
  private readonly recent = new Map<string, { events: SyncedEvent[]; lastError?: SyncedFolder['lastError'] }>();
  /** Conflict copies per folder, with the count they were looked up for. */
  private readonly copies = new Map<string, { count: number; names: string[] }>();
  private readonly detach: () => void;

  constructor(private readonly init: SyncOpsInit) {
    const listener = (e: SyncEvent, b: SyncBinding): void => this.record(e, b);
    init.node?.sync.on('event', listener);
    this.detach = () => init.node?.sync.off('event', listener);
  }

  close(): void {
    this.detach();
  }

  /**
   * Checks a folder can be bound to `groupArg` (logged in, a valid id, a group this user is a
   * member of), before the front makes the folder: a mistyped group must not leave one behind.
   */
  async checkGroup(groupArg: string): Promise<string> {
    this.init.requireNode();
    const groupId = checkId('group id', groupArg);
    await this.init.link.request('list_files', { groupId });
    return groupId;
  }

  /** Binds the existing folder `dir` to `groupId` and starts syncing it. */
  async bind(groupId: string, dir: string, opts: { mirrorDeletes: boolean }): Promise<SyncBinding> {
    const binding = await this.init.requireNode().sync.bind(groupId, dir, opts);
    this.init.events.emit('synced');
    return binding;
  }

  /** Stops syncing `dir` with `groupArg`: the files stay, unshared; the state is forgotten. */
  async unbind(groupArg: string, dir: string): Promise<SyncBinding> {
    const node = this.init.requireNode();
    const binding = await node.sync.unbind(checkId('group id', groupArg), dir);
    this.recent.delete(keyOf(binding));
    this.copies.delete(keyOf(binding));
    this.init.events.emit('synced');
    return binding;
  }

  /** Every bound folder of the logged-in user (none when logged out), with its state now. */
  list(): SyncedFolder[] {
    return (this.init.node?.sync.list() ?? []).map((s) => this.view(s));
  }

  private view(s: SyncStatus): SyncedFolder {
    const key = keyOf(s);
    const log = this.recent.get(key);
    return {
      groupId: s.groupId,
      dir: s.dir,
      mirrorDeletes: s.mirrorDeletes,
      files: s.files,
      state: s.scanning ? 'scanning' : s.syncing > 0 ? 'syncing' : 'up-to-date',
      syncing: s.syncing,
      ...(s.hashing !== undefined ? { hashing: s.hashing } : {}),
      conflicts: s.conflicts,
      conflictCopies: this.conflictCopies(key, s),
      watch: s.watch,
      summary: syncState(s),
      ...(log?.lastError !== undefined ? { lastError: log.lastError } : {}),
      events: log?.events ?? [],
    };
  }

  /** The names known for `s`'s conflict copies; looks them up again (in the background) when the count changed. */
  private conflictCopies(key: string, s: SyncStatus): string[] {
    if (s.conflicts === 0) {
      this.copies.delete(key);
      return [];
    }
    const known = this.copies.get(key);
    if (known?.count !== s.conflicts) {
      this.copies.set(key, { count: s.conflicts, names: known?.names ?? [] });
      void findConflictCopies(s.dir).then((names) => {
        const now = this.copies.get(key);
        if (now?.count !== s.conflicts) return; // looked up again meanwhile
        now.names = names;
        this.init.events.emit('synced');
      });
    }
    return this.copies.get(key)?.names ?? [];
  }

  private record(e: SyncEvent, b: SyncBinding): void {
    const words = describeSyncEvent(e, b);
    if (words !== undefined && e.kind !== 'idle') {
      const key = keyOf(b);
      const log = this.recent.get(key) ?? { events: [] };
      const at = new Date().toISOString();
      const path = 'path' in e && e.path !== undefined ? { path: e.path } : {};
      log.events = [{ at, kind: e.kind, ...path, text: words.text, warn: words.warn }, ...log.events].slice(0, RECENT_SYNC_EVENTS);
      if (e.kind === 'error') log.lastError = { at, ...path, message: e.message };
      // A conflict's copy is named at once, without waiting for the count to change.
      if (e.kind === 'conflict') this.copies.delete(key);
      this.recent.set(key, log);
    }
    this.init.events.emit('synced');
  }
}
