/**
 * Conversions between the forms a share takes: the hashing result, the library record, the
 * `share_file` request, what the user sees; and the mapping of errors to failure reasons. Pure.
 */
import { ProtocolError, fromHex, idProblem, normaliseId, pieceCount, toHex } from '@groupshare/protocol';

import {
  FileChangedError,
  FileNotFoundError,
  NotAFileError,
  UnsafePathError,
} from '../storage/errors.js';
import type { HashedFile } from '../storage/hash-file.js';
import type { RequestFields } from '../tracker-link/index.js';
import { BadUserIdError } from './errors.js';
import type { ShareRecord } from './library.js';
import type { ShareFailureReason, SharedFileInfo } from './types.js';

/**
 * Tracker refusals that will not change by asking again: the group or the membership is gone,
 * another file took the name, or the metadata is unacceptable. Anything else (not logged in,
 * busy, internal error) is worth retrying at the next login.
 */
const PERMANENT_REFUSALS: ReadonlySet<string> = new Set([
  'ERR_NO_SUCH_GROUP',
  'ERR_NOT_MEMBER',
  'ERR_FILE_NAME_TAKEN',
  'ERR_BAD_FILE_INFO',
  'ERR_BAD_MESSAGE',
]);

/** Tracker answers to `stop_share` meaning "this share does not exist there (any more)". */
const GONE_ON_TRACKER: ReadonlySet<string> = new Set(['ERR_NO_SUCH_FILE', 'ERR_NO_SUCH_GROUP', 'ERR_NOT_MEMBER']);

/** The library record of a file hashed for `groupId`. */
export function recordOf(hashed: HashedFile, groupId: string): ShareRecord {
  const { name, infoHash, path, size, mtimeMs, pieceLength, sha1 } = hashed;
  return { groupId, name, infoHash, path, size, mtimeMs, pieceLength, sha1, pieces: toHex(hashed.pieces) };
}

/** The hashing result a record stands for, so an unchanged file need not be hashed again. */
export function hashedOf(r: ShareRecord): HashedFile {
  const { name, infoHash, path, size, mtimeMs, pieceLength, sha1 } = r;
  return { name, infoHash, path, size, mtimeMs, pieceLength, sha1, pieces: fromHex(r.pieces) };
}

/** The `share_file` request registering `r`. */
export function shareFields(r: ShareRecord): RequestFields<'share_file'> {
  const { groupId, name, size, sha1, pieceLength, pieces } = r;
  return { groupId, name, size, sha1, pieceLength, pieces };
}

/** What the user sees of a record. */
export function infoOf(r: ShareRecord): SharedFileInfo {
  const { groupId, name, infoHash, path, size, mtimeMs, pieceLength, sha1 } = r;
  return { groupId, name, infoHash, path, size, mtimeMs, pieceLength, pieceCount: pieceCount(size, pieceLength), sha1 };
}

/** Why a remembered file could not be opened for serving. */
export function openFailureReason(err: unknown): ShareFailureReason {
  if (err instanceof FileNotFoundError) return 'missing';
  // A directory or a symlink loop where the file was is "something else is there now".
  if (err instanceof FileChangedError || err instanceof NotAFileError || err instanceof UnsafePathError) return 'changed';
  return 'unreadable';
}

/** Why the tracker did not register a remembered share: for good, or for now. */
export function trackerFailureReason(err: unknown): ShareFailureReason {
  return err instanceof ProtocolError && PERMANENT_REFUSALS.has(err.code) ? 'refused' : 'trackerError';
}

/** True if a `stop_share` error means the tracker no longer has the share. */
export function goneOnTracker(err: unknown): boolean {
  return err instanceof ProtocolError && GONE_ON_TRACKER.has(err.code);
}

/** The stable code and message of any error. */
export function describe(err: unknown): { code?: string; message: string } {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' ? { code, message } : { message };
}

/**
 * `userId` normalised, checked to be a valid id (which also makes it safe in a file name).
 *
 * @throws {BadUserIdError}
 */
export function checkUserId(userId: string): string {
  const id = normaliseId(userId);
  const problem = idProblem(id);
  if (problem !== undefined) throw new BadUserIdError(`user id ${JSON.stringify(userId)} ${problem}`);
  return id;
}
