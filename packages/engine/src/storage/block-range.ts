/**
 * Bounds check for block requests, shared by the piece store (writes from peers) and the seed
 * source (reads for peers). Both take offsets from remote input, so one strict check guards
 * every file access; it throws a typed error the wire layer can turn into a BEP 6 reject.
 */
import { pieceCount, pieceSize } from '@groupshare/protocol';

import { BlockRangeError } from './errors.js';

/**
 * Validates a block of `length` bytes at `begin` in piece `index` of a file of `size` bytes, and
 * returns its byte offset in the file.
 *
 * @throws {BlockRangeError} if `index` is not a piece of the file, or the block is empty or
 *   does not lie entirely inside that piece.
 */
export function blockOffset(index: number, begin: number, length: number, size: number, pieceLength: number): number {
  const count = pieceCount(size, pieceLength);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new BlockRangeError(`piece index ${String(index)} is out of range: the file has ${count} pieces`);
  }
  const len = pieceSize(index, size, pieceLength);
  if (!Number.isInteger(begin) || !Number.isInteger(length) || begin < 0 || length < 1 || begin + length > len) {
    throw new BlockRangeError(
      `block at ${String(begin)} of ${String(length)} bytes does not fit piece ${index} (${len} bytes)`,
    );
  }
  return index * pieceLength + begin;
}
