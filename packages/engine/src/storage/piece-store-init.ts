/**
 * Options and the open-time checks of {@link PieceStore}: validating the share metadata once at
 * the edge (it comes from the tracker, i.e. from another user), and opening the partial file
 * without following links.
 */
import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

import { PiecesMismatchError, SHA1_LENGTH, assertValidGeometry, pieceCount } from '@groupshare/protocol';

import { UnsafePathError } from './errors.js';
import { O_NOFOLLOW, openRegular } from './file-io.js';
import { refuseUnsafe } from './safe-path.js';

/** Default delay between a piece being verified and the resume state being written. */
export const DEFAULT_STATE_FLUSH_MS = 1_000;

/** What a {@link PieceStore} is opened with: where, and the file's share metadata. */
export interface PieceStoreInit {
  /** Download directory (may itself be a symlink; nothing inside it may be). */
  dir: string;
  /** File name, one path component; must pass protocol's `fileNameProblem`. */
  name: string;
  /** File size in bytes. */
  size: number;
  /** Bytes per piece. */
  pieceLength: number;
  /** Concatenated 20-byte SHA-1 of each piece. */
  pieces: Uint8Array;
  /** Whole-file SHA-1, hex. */
  sha1: string;
  /** Batching delay for persisting verified pieces; default {@link DEFAULT_STATE_FLUSH_MS}. */
  stateFlushMs?: number;
}

/** How the store resumed on open, for logs and the UI. */
export interface ResumeReport {
  /** `none`: no state file; `loaded`: applied; `ignored`: garbled or for another file. */
  state: 'none' | 'loaded' | 'ignored';
  /** Why the state was ignored. */
  reason?: string;
  /** Pieces the journal named beyond the state (verified in the last second before a kill). */
  journaled: number;
  /**
   * True when every piece of an existing partial file was hashed because there was no usable
   * state to say which were verified (garbled, deleted, or killed before the first write).
   */
  scanned: boolean;
  /** Pieces found verified on open (now in `have`). */
  kept: number;
  /** Pieces the state or journal claimed that failed the re-hash (to fetch again). */
  dropped: number[];
}

/**
 * Checks the metadata and fills in defaults. The piece list is copied, so a caller reusing its
 * buffer cannot change what pieces are checked against.
 *
 * @throws protocol's `FileSizeError`, `PieceLengthError`, `TooManyPiecesError` or
 *   `PiecesMismatchError`; a RangeError if `sha1` is not 40 hex digits.
 */
export function normaliseInit(init: PieceStoreInit): Required<PieceStoreInit> {
  const { size, pieceLength, pieces } = init;
  assertValidGeometry(size, pieceLength);
  const count = pieceCount(size, pieceLength);
  if (pieces.length !== count * SHA1_LENGTH) {
    throw new PiecesMismatchError(`expected ${count * SHA1_LENGTH} bytes of piece hashes, got ${pieces.length}`);
  }
  if (typeof init.sha1 !== 'string' || !/^[0-9a-f]{40}$/i.test(init.sha1)) {
    throw new RangeError('sha1 must be 40 hex digits');
  }
  return {
    ...init,
    pieces: Buffer.from(pieces),
    sha1: init.sha1.toLowerCase(),
    stateFlushMs: init.stateFlushMs ?? DEFAULT_STATE_FLUSH_MS,
  };
}

// Read-write, created if missing (not O_EXCL: resuming reopens it), never through a symlink,
// never hanging on a FIFO.
const PART_FLAGS = constants.O_RDWR | constants.O_CREAT | O_NOFOLLOW | (constants.O_NONBLOCK ?? 0);

/**
 * Opens or creates the partial file. Refuses a symlink (lstat first for a clear message on every
 * platform, O_NOFOLLOW against a race), a non-regular file, and a file with other hard links
 * (writing would change a file elsewhere).
 *
 * @throws {UnsafePathError | NotAFileError}
 */
export async function openPartFile(path: string): Promise<{ handle: FileHandle; stats: Stats }> {
  await refuseUnsafe(path, 'partial file');
  const opened = await openRegular(path, PART_FLAGS, 0o644);
  if (opened.stats.nlink > 1) {
    await opened.handle.close();
    throw new UnsafePathError(`partial file ${path} has other hard links; remove it to continue`);
  }
  return opened;
}
