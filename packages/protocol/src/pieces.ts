/**
 * Piece and block arithmetic for BitTorrent v1-style transfers (BEP 3).
 *
 * A file of `size` bytes is cut into pieces of `pieceLength` bytes (the last one may be shorter);
 * each piece is verified by its SHA-1. Peers request pieces in blocks of {@link BLOCK_SIZE}.
 */

/**
 * Request size for piece data. BEP 3 leaves it open, but every mainstream client uses 16 KiB and
 * many drop connections that ask for more, so it is the de-facto standard.
 */
export const BLOCK_SIZE = 16 * 1024;

/** Smallest piece length we accept: one block (BEP 3 convention; a piece shorter than a block is pointless). */
export const MIN_PIECE_LENGTH = 16 * 1024;

/** Largest piece length we accept (64 MiB). Bigger pieces make a single bad byte cost too much re-download. */
export const MAX_PIECE_LENGTH = 64 * 1024 * 1024;

/**
 * Most pieces one file may have: 2^18. That lets a 64 GiB file use 256 KiB pieces and keeps the
 * piece-hash list (20 bytes each, 40 as hex) to about 10 MiB in a message.
 */
export const MAX_PIECES = 262_144;

/** Largest file size we accept: {@link MAX_PIECES} pieces of {@link MAX_PIECE_LENGTH} = 16 TiB (2^44, a safe integer). */
export const MAX_FILE_SIZE = MAX_PIECES * MAX_PIECE_LENGTH;

/** {@link choosePieceLength} never picks less than this (256 KiB, the mktorrent/libtorrent default floor). */
export const AUTO_MIN_PIECE_LENGTH = 256 * 1024;

/** {@link choosePieceLength} aims for at most this many pieces (libtorrent aims for roughly 1–2 thousand). */
export const AUTO_TARGET_PIECES = 2048;

/** {@link choosePieceLength} does not exceed this (16 MiB) unless {@link MAX_PIECES} forces it to. */
export const AUTO_MAX_PIECE_LENGTH = 16 * 1024 * 1024;

/** Thrown when a piece length is not a power of two in [{@link MIN_PIECE_LENGTH}, {@link MAX_PIECE_LENGTH}]. */
export class PieceLengthError extends RangeError {
  readonly code = 'ERR_PIECE_LENGTH';
  override readonly name = 'PieceLengthError';
}

/** Thrown when a file size is not an integer in [0, {@link MAX_FILE_SIZE}]. */
export class FileSizeError extends RangeError {
  readonly code = 'ERR_FILE_SIZE';
  override readonly name = 'FileSizeError';
}

/** Thrown when a size/piece-length pair would need more than {@link MAX_PIECES} pieces. */
export class TooManyPiecesError extends RangeError {
  readonly code = 'ERR_TOO_MANY_PIECES';
  override readonly name = 'TooManyPiecesError';
}

function assertSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`size must be a non-negative safe integer, got ${String(size)}`);
  }
}

function assertLength(pieceLength: number): void {
  if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0) {
    throw new RangeError(`pieceLength must be a positive safe integer, got ${String(pieceLength)}`);
  }
}

/**
 * Number of pieces in a file of `size` bytes: ceil(size / pieceLength). A 0-byte file has 0
 * pieces. Pure arithmetic: does not apply the protocol limits (see {@link assertValidGeometry}).
 *
 * @throws {RangeError} if `size` is not a non-negative safe integer or `pieceLength` is not a
 *   positive safe integer.
 */
export function pieceCount(size: number, pieceLength: number): number {
  assertSize(size);
  assertLength(pieceLength);
  // `%` is exact on doubles and `size - rem` is an exact multiple, so the division is exact too;
  // Math.ceil(size / pieceLength) can round the wrong way near 2^53.
  const rem = size % pieceLength;
  return (size - rem) / pieceLength + (rem > 0 ? 1 : 0);
}

/**
 * Length in bytes of piece `index`: `pieceLength`, except the last piece, which holds the
 * remainder.
 *
 * @throws {RangeError} if `index` is not an integer in [0, pieceCount(size, pieceLength)), or the
 *   arguments are invalid as for {@link pieceCount}.
 */
export function pieceSize(index: number, size: number, pieceLength: number): number {
  const count = pieceCount(size, pieceLength);
  assertIndex(index, count);
  return index === count - 1 ? size - index * pieceLength : pieceLength;
}

/**
 * Byte offset of piece `index` in the file.
 *
 * @throws {RangeError} as for {@link pieceSize}.
 */
export function pieceOffset(index: number, size: number, pieceLength: number): number {
  assertIndex(index, pieceCount(size, pieceLength));
  return index * pieceLength;
}

function assertIndex(index: number, count: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`piece index ${String(index)} is out of range: the file has ${count} pieces`);
  }
}

/** True if `n` is a power of two in [{@link MIN_PIECE_LENGTH}, {@link MAX_PIECE_LENGTH}]. */
export function isValidPieceLength(n: number): boolean {
  return (
    Number.isSafeInteger(n) &&
    n >= MIN_PIECE_LENGTH &&
    n <= MAX_PIECE_LENGTH &&
    // Safe: the range check keeps n below 2^31, where bitwise operators are exact.
    (n & (n - 1)) === 0
  );
}

/**
 * Checks that a file can be shared with this piece length under the protocol limits.
 *
 * @throws {FileSizeError} if `size` is not an integer in [0, {@link MAX_FILE_SIZE}].
 * @throws {PieceLengthError} if `!isValidPieceLength(pieceLength)`.
 * @throws {TooManyPiecesError} if the file would have more than {@link MAX_PIECES} pieces.
 */
export function assertValidGeometry(size: number, pieceLength: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_FILE_SIZE) {
    throw new FileSizeError(`file size must be an integer from 0 to ${MAX_FILE_SIZE}, got ${String(size)}`);
  }
  if (!isValidPieceLength(pieceLength)) {
    throw new PieceLengthError(
      `piece length must be a power of two from ${MIN_PIECE_LENGTH} to ${MAX_PIECE_LENGTH}, got ${String(pieceLength)}`,
    );
  }
  const count = pieceCount(size, pieceLength);
  if (count > MAX_PIECES) {
    throw new TooManyPiecesError(
      `${size} bytes in pieces of ${pieceLength} is ${count} pieces; the limit is ${MAX_PIECES}`,
    );
  }
}

/**
 * Picks a piece length for a new file of `size` bytes.
 *
 * Rule: the smallest power of two that is at least {@link AUTO_MIN_PIECE_LENGTH} (256 KiB) and
 * gives at most {@link AUTO_TARGET_PIECES} (2048) pieces, but no more than
 * {@link AUTO_MAX_PIECE_LENGTH} (16 MiB). Above 32 GiB the 16 MiB cap wins and the piece count
 * grows past 2048 instead. Only when even 16 MiB pieces would exceed {@link MAX_PIECES} (files
 * over 4 TiB) does the length keep doubling, up to {@link MAX_PIECE_LENGTH}. Like libtorrent,
 * this keeps the hash list small (~1–2 thousand pieces) without making pieces so large that a
 * corrupt block costs much re-download.
 *
 * Examples: 0 B – 512 MiB → 256 KiB; 1 GiB → 512 KiB; 32 GiB and up → 16 MiB.
 *
 * @throws {FileSizeError} if `size` is not an integer in [0, {@link MAX_FILE_SIZE}].
 */
export function choosePieceLength(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_FILE_SIZE) {
    throw new FileSizeError(`file size must be an integer from 0 to ${MAX_FILE_SIZE}, got ${String(size)}`);
  }
  let length = AUTO_MIN_PIECE_LENGTH;
  while (length < AUTO_MAX_PIECE_LENGTH && pieceCount(size, length) > AUTO_TARGET_PIECES) length *= 2;
  while (pieceCount(size, length) > MAX_PIECES) length *= 2; // ends by MAX_PIECE_LENGTH: size ≤ MAX_FILE_SIZE
  return length;
}

/** Number of {@link BLOCK_SIZE} blocks in a piece of `pieceLen` bytes (the last block may be shorter). */
export function blockCount(pieceLen: number): number {
  if (!Number.isSafeInteger(pieceLen) || pieceLen < 0) {
    throw new RangeError(`piece length must be a non-negative safe integer, got ${String(pieceLen)}`);
  }
  return pieceCount(pieceLen, BLOCK_SIZE);
}

/**
 * Length of block `blockIndex` within a piece of `pieceLen` bytes.
 *
 * @throws {RangeError} if `blockIndex` is not an integer in [0, blockCount(pieceLen)).
 */
export function blockSize(blockIndex: number, pieceLen: number): number {
  const count = blockCount(pieceLen);
  if (!Number.isInteger(blockIndex) || blockIndex < 0 || blockIndex >= count) {
    throw new RangeError(`block index ${String(blockIndex)} is out of range: the piece has ${count} blocks`);
  }
  return blockIndex === count - 1 ? pieceLen - blockIndex * BLOCK_SIZE : BLOCK_SIZE;
}
