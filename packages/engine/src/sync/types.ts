/**
 * Folder sync's public shapes: what a folder sync is started with, what it tells, and its
 * status for `list_synced` and `show_downloads`.
 */
import type { FSWatcher } from 'node:fs';

import type { Result } from '@groupshare/protocol';

import type { ShareManager } from '../share/share-manager.js';
import type { ShareRecord } from '../share/library.js';
import type { HashedFile } from '../storage/hash-file.js';
import type { SyncBinding } from './sync-store.js';

/** The tracker requests folder sync makes itself; `TrackerLink` answers them. */
export interface SyncRequester {
  request(type: 'list_files', fields: { groupId: string }): Promise<Result<'list_files'>>;
  request(type: 'file_info', fields: { groupId: string; name: string }): Promise<Result<'file_info'>>;
}

/** Watcher options (tests shorten the periods and inject `fs.watch`). */
export interface SyncWatcherOptions {
  rescanMs?: number;
  pollMs?: number;
  settleMs?: number;
  watch?: (path: string, listener: () => void) => FSWatcher;
}

export interface FolderSyncInit {
  userId: string;
  binding: SyncBinding;
  /** The client's data directory (state files). */
  dataDir: string;
  link: SyncRequester;
  shares: Pick<ShareManager, 'adopt' | 'adoptAll' | 'stopShare'>;
  /** Downloads `name` of `groupId` into `dir`, resolving with the verified file once complete. */
  fetch(groupId: string, name: string, dir: string): Promise<ShareRecord>;
  hashFile?: (path: string, opts: { name: string; onProgress?: (bytesDone: number, total: number) => void }) => Promise<HashedFile>;
  now?: () => number;
  /** How long replaced versions stay in `.groupshare/versions/`; default 30 days. */
  keepVersionsMs?: number;
  watcher?: SyncWatcherOptions;
  onEvent?: (e: SyncEvent, binding: SyncBinding) => void;
}

/** What a synced folder tells as it goes. */
export type SyncEvent =
  /** A newer version of `path` is in place; `kept`: where the replaced one went; `local`: copied from this folder. */
  | { kind: 'fetched'; path: string; kept?: string; local: boolean }
  /** Deleted by another member (`--mirror-deletes`); `kept`: where the file went among the versions. */
  | { kind: 'deleted'; path: string; kept?: string }
  /** A concurrent change of `path`: the other side is kept as `copy`. */
  | { kind: 'conflict'; path: string; copy: string }
  /** A path not synced (a symbolic link, a name the rules refuse); told once per path. */
  | { kind: 'skipped'; path: string; reason: string }
  /** OS watches ran out: the folder is polled instead. */
  | { kind: 'polling'; reason: string }
  | { kind: 'error'; path?: string; message: string }
  /** A round ended with nothing more asked for. */
  | { kind: 'idle' };

/** A synced folder now. */
export interface SyncStatus extends SyncBinding {
  /** Paths held (files, conflict copies included). */
  files: number;
  /** Files being hashed or fetched in the round running now (0: up to date). */
  syncing: number;
  /** Conflict copies in the folder. */
  conflicts: number;
  watch: 'watching' | 'polling';
  /** Set while a round walks the folder (`files` is what was known before it). */
  scanning?: true;
  /** The file being hashed now (in the background) for a new version, and how far. */
  hashing?: { path: string; percent: number };
}
