/**
 * The share manager's public types: its components and init, what it returns, and its events.
 * Kept apart from the class so the shell and the peer server can import them without reading
 * the state machine.
 */
import type { FileSummary, Result } from '@groupshare/protocol';

import type { HashFileOptions, HashedFile } from '../storage/hash-file.js';
import type { SeedSource } from '../storage/seed-source.js';
import type { RequestFields } from '../tracker-link/index.js';

/**
 * The part of `TrackerLink` the share manager uses: `share_file`, `share_files` and `stop_share`.
 * A `TrackerLink` fits as is; tests pass a fake that answers like the tracker.
 */
export interface TrackerRequester {
  request(type: 'share_file', fields: RequestFields<'share_file'>): Promise<Result<'share_file'>>;
  request(type: 'share_files', fields: RequestFields<'share_files'>): Promise<Result<'share_files'>>;
  request(type: 'stop_share', fields: RequestFields<'stop_share'>): Promise<Result<'stop_share'>>;
}

/** Components and options of a {@link ShareManager}. */
export interface ShareManagerInit {
  /** Where `share_file` / `stop_share` go. */
  link: TrackerRequester;
  /** Directory of the per-user library files (`shares-<userId>.json`); created when first needed. */
  dataDir: string;
  /** The logged-in user, if known now; otherwise given to `resumeAll(userId)` at login. */
  userId?: string;
  /** Hashes a file; `hashFile` by default. Injected so tests can count or stub hashing. */
  hashFile?: (path: string, opts: HashFileOptions) => Promise<HashedFile>;
}

/** A shared file as the user sees it. */
export interface SharedFileInfo {
  /** Group id, normalised (lower case). */
  groupId: string;
  /** File name as shared. */
  name: string;
  /** BEP 3 info-hash, lowercase hex: the file's identity on the wire. */
  infoHash: string;
  /** Absolute path of the shared file. */
  path: string;
  size: number;
  /** Modification time when hashed (ms since the epoch). */
  mtimeMs: number;
  pieceLength: number;
  pieceCount: number;
  /** Whole-file SHA-1, lowercase hex. */
  sha1: string;
}

/** What `share()` resolves with. */
export interface ShareResult extends SharedFileInfo {
  /** The tracker already had this share from this peer (sharing again is a no-op). */
  alreadyShared: boolean;
  /** False when the stored hashes were reused because size and mtime were unchanged. */
  rehashed: boolean;
  /** The file as the tracker now lists it. */
  file: FileSummary;
}

/** A file being served: what a peer server's lookup gets. */
export interface ServedFile extends SharedFileInfo {
  /** Concatenated piece SHA-1s, hex: with the rest, the info dictionary served to peers (ut_metadata). */
  pieces: string;
  /** Reads blocks of the file; owned by the share manager (do not close it). */
  source: SeedSource;
}

/** A library entry and whether it is served now. */
export interface LibraryStatus extends SharedFileInfo {
  /**
   * `serving`; `paused` (remembered, not served: logged out, or the tracker could not be
   * reached at login); `changed` (the file was modified: share it again to serve the new
   * content).
   */
  status: 'serving' | 'paused' | 'changed';
}

/**
 * Why a remembered share is not served:
 * - `missing`: the file is gone (deleted, moved, unmounted). Dropped from the library.
 * - `changed`: size or mtime differ from when it was hashed, or it is no longer a regular file.
 *   Kept in the library, flagged, so the user can see it and share it again.
 * - `unreadable`: it exists but cannot be opened (permissions). Kept; retried at the next login.
 * - `refused`: the tracker refused it for good (left the group, group gone, name now taken by
 *   another file). Dropped.
 * - `trackerError`: the tracker could not register it now (unreachable, busy, session lost).
 *   Kept; retried at the next login.
 */
export type ShareFailureReason = 'missing' | 'changed' | 'unreadable' | 'refused' | 'trackerError';

/** A share that could not be resumed, or stopped being servable. */
export interface ShareFailure {
  groupId: string;
  name: string;
  path: string;
  reason: ShareFailureReason;
  /** The error code behind it (`ERR_FILE_NOT_FOUND`, a tracker code, …), when there is one. */
  code?: string;
  /** A human-readable detail, for logs. */
  message: string;
}

/** What `resumeAll()` did. */
export interface SharesResumeReport {
  resumed: SharedFileInfo[];
  failed: ShareFailure[];
}

/** Events of a {@link ShareManager}. */
export interface ShareManagerEvents {
  /** Progress of hashing a file (about every MiB, and once at the end). */
  hashing: [info: { path: string; groupId: string; bytesDone: number; total: number }];
  /** A file is registered with the tracker and served. */
  shared: [info: { groupId: string; name: string; infoHash: string; alreadyShared: boolean }];
  /** `stopShare` finished; `withdrawn`: nobody shares the file in the group any more. */
  stopped: [info: { groupId: string; name: string; withdrawn: boolean }];
  /** A remembered share is served again after login. */
  resumed: [info: { groupId: string; name: string; infoHash: string }];
  /** A remembered share could not be resumed at login. */
  resumeFailed: [failure: ShareFailure];
  /** A served file went missing or changed (found by `recheck()`); it is no longer served. */
  unavailable: [failure: ShareFailure];
  /** The library file was garbled, unreadable or could not be saved; sharing goes on. */
  libraryProblem: [info: { path: string; reason: string }];
  /** An exception thrown by an event listener, caught so it cannot break an operation. */
  error: [err: unknown];
}
