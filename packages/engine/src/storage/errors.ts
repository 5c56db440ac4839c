/**
 * Errors raised by hashing and the piece store, one class per condition with a stable `code`
 * (tests and fronts match on the code, never on the message). The shell maps codes to sentences; messages name the file involved so logs are
 * useful on their own. The underlying `fs` error, when there is one, is kept as `cause`.
 */

/** The path to hash or share does not exist. */
export class FileNotFoundError extends Error {
  readonly code = 'ERR_FILE_NOT_FOUND';
  override readonly name = 'FileNotFoundError';
}

/** The path is a directory, FIFO, device or socket: only regular files can be shared. */
export class NotAFileError extends Error {
  readonly code = 'ERR_NOT_A_FILE';
  override readonly name = 'NotAFileError';
}

/** The file exists but cannot be opened or read (permissions, I/O error). */
export class FileUnreadableError extends Error {
  readonly code = 'ERR_FILE_UNREADABLE';
  override readonly name = 'FileUnreadableError';
}

/** The file's size or modification time changed while it was hashed, or since it was hashed. */
export class FileChangedError extends Error {
  readonly code = 'ERR_FILE_CHANGED';
  override readonly name = 'FileChangedError';
}

/** A file name that cannot be shared or downloaded as given (fails protocol's `fileNameProblem`). */
export class BadFileNameError extends Error {
  readonly code = 'ERR_BAD_FILE_NAME';
  override readonly name = 'BadFileNameError';
}

/**
 * A path that could redirect reads or writes outside the download directory: a symlink, a hard
 * link or a non-regular file where the store reads or writes, or a destination that resolves
 * outside the directory.
 */
export class UnsafePathError extends Error {
  readonly code = 'ERR_UNSAFE_PATH';
  override readonly name = 'UnsafePathError';
}

/** A block or piece request outside the file: bad index, offset or length. */
export class BlockRangeError extends RangeError {
  readonly code = 'ERR_BLOCK_RANGE';
  override readonly name = 'BlockRangeError';
}

/** A block was read from a piece that is not (yet) verified, so it must not be served. */
export class PieceNotVerifiedError extends Error {
  readonly code = 'ERR_PIECE_NOT_VERIFIED';
  override readonly name = 'PieceNotVerifiedError';
}

/** `finish()` was called before every piece was verified. */
export class DownloadIncompleteError extends Error {
  readonly code = 'ERR_DOWNLOAD_INCOMPLETE';
  override readonly name = 'DownloadIncompleteError';
}

/**
 * Every piece verified but the whole-file SHA-1 differs: the shared metadata is inconsistent
 * (piece hashes and file hash disagree) or the partial file was altered behind our back.
 */
export class FileHashMismatchError extends Error {
  readonly code = 'ERR_FILE_HASH_MISMATCH';
  override readonly name = 'FileHashMismatchError';
}

/** A different file (or a directory) already exists at the destination; it is never overwritten. */
export class DestinationExistsError extends Error {
  readonly code = 'ERR_DESTINATION_EXISTS';
  override readonly name = 'DestinationExistsError';
}

/** The store or seed source was used after `close()` (or after `finish()`). */
export class StoreClosedError extends Error {
  readonly code = 'ERR_STORE_CLOSED';
  override readonly name = 'StoreClosedError';
}

/** Every error this directory raises. */
export type StorageError =
  | FileNotFoundError
  | NotAFileError
  | FileUnreadableError
  | FileChangedError
  | BadFileNameError
  | UnsafePathError
  | BlockRangeError
  | PieceNotVerifiedError
  | DownloadIncompleteError
  | FileHashMismatchError
  | DestinationExistsError
  | StoreClosedError;

/** The stable codes of {@link StorageError}. */
export type StorageErrorCode = StorageError['code'];
