/**
 * BitTorrent v1 info dictionaries and info-hashes (BEP 3) for single files.
 *
 * The info-hash is the SHA-1 of the bencoded `info` dictionary. Because bencode is canonical
 * (sorted keys, shortest integers), the same {@link FileInfo} always yields the same bytes and
 * hash, and the result matches what BitTorrent tools compute for the equivalent .torrent.
 */

import { createHash } from 'node:crypto';

import { bdecode, bdecodeSpan, bencode, isBencodeDict } from './bencode.js';
import { pieceCount } from './pieces.js';

/** Length of a SHA-1 digest in bytes; BEP 3 `pieces` is a concatenation of these. */
export const SHA1_LENGTH = 20;

/** The fields of a BEP 3 single-file info dictionary. */
export interface FileInfo {
  /** Suggested file name (`name`), UTF-8 encoded on the wire. */
  name: string;
  /** File size in bytes (`length`). */
  length: number;
  /** Bytes per piece (`piece length`); the last piece may be shorter. */
  pieceLength: number;
  /** Concatenated 20-byte SHA-1 digests, one per piece, in order (`pieces`). */
  pieces: Uint8Array;
}

/** Thrown when `pieces` is not exactly 20 bytes per piece of the file. */
export class PiecesMismatchError extends Error {
  readonly code = 'ERR_PIECES_MISMATCH';
  override readonly name = 'PiecesMismatchError';
}

/**
 * Thrown when a {@link FileInfo} or an info dictionary is structurally invalid (empty name,
 * non-integer length, missing or extra keys, ...).
 */
export class FileInfoError extends Error {
  readonly code = 'ERR_FILE_INFO';
  override readonly name = 'FileInfoError';
}

/** SHA-1 digest of `data`. */
export function sha1(data: Uint8Array): Buffer {
  return createHash('sha1').update(data).digest();
}

/**
 * The BEP 3 `pieces` string for in-memory `data`: SHA-1 of each `pieceLength`-byte piece,
 * concatenated. Handy for tests and small files; large files should be hashed as they stream.
 *
 * @throws {RangeError} if `pieceLength` is not a positive safe integer.
 */
export function hashPieces(data: Uint8Array, pieceLength: number): Buffer {
  const count = pieceCount(data.length, pieceLength);
  const out = Buffer.alloc(count * SHA1_LENGTH);
  for (let i = 0; i < count; i++) {
    sha1(data.subarray(i * pieceLength, (i + 1) * pieceLength)).copy(out, i * SHA1_LENGTH);
  }
  return out;
}

/**
 * The bencoded single-file info dictionary for `info`, with exactly the keys `length`, `name`,
 * `piece length` and `pieces` (in that, BEP 3 sorted, order). No `private`, `source` or other
 * keys are added, since any extra key changes the info-hash.
 *
 * This checks structure only, not the protocol's size and piece-length limits (apply
 * `assertValidGeometry` from `pieces.ts` for those), so hashes of existing torrents, whatever
 * their piece length, can be reproduced.
 *
 * @throws {FileInfoError} if `name` is empty or not a string, `length` is not a non-negative safe
 *   integer, or `pieceLength` is not a positive safe integer.
 * @throws {PiecesMismatchError} if `pieces.length !== 20 * pieceCount(length, pieceLength)`.
 * @throws {BencodeError} if `name` contains a lone UTF-16 surrogate (it has no UTF-8 form).
 */
export function infoDictionary(info: FileInfo): Buffer {
  const { name, length, pieceLength, pieces } = info;
  if (typeof name !== 'string' || name.length === 0) {
    throw new FileInfoError('name must be a non-empty string');
  }
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new FileInfoError(`length must be a non-negative safe integer, got ${String(length)}`);
  }
  if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0) {
    throw new FileInfoError(`piece length must be a positive safe integer, got ${String(pieceLength)}`);
  }
  const count = pieceCount(length, pieceLength);
  if (!(pieces instanceof Uint8Array) || pieces.length !== SHA1_LENGTH * count) {
    const got = pieces instanceof Uint8Array ? `${pieces.length} bytes` : typeof pieces;
    throw new PiecesMismatchError(
      `pieces must be ${SHA1_LENGTH} × ${count} = ${SHA1_LENGTH * count} bytes for ${length} bytes in pieces of ${pieceLength}, got ${got}`,
    );
  }
  return bencode({ length, name, 'piece length': pieceLength, pieces });
}

/**
 * The info-hash of `info`: lowercase hex SHA-1 of {@link infoDictionary}(info). Equal to the
 * hash BitTorrent clients show for a single-file .torrent with the same info dictionary.
 *
 * @throws as {@link infoDictionary}.
 */
export function infoHash(info: FileInfo): string {
  return sha1(infoDictionary(info)).toString('hex');
}

/**
 * The info-hash of a .torrent file: lowercase hex SHA-1 of the original bytes of its `info`
 * value (BEP 3), whatever keys the dictionary holds.
 *
 * @throws {BencodeError} if `torrent` is not valid bencode or not a dictionary.
 * @throws {FileInfoError} if it has no `info` dictionary.
 */
export function torrentInfoHash(torrent: Uint8Array): string {
  const span = bdecodeSpan(torrent, 'info');
  if (span === undefined || span[0] !== 0x64 /* 'd' */) {
    throw new FileInfoError('torrent has no info dictionary');
  }
  return sha1(span).toString('hex');
}

// Names must be real UTF-8 text: a lossy decode would produce a FileInfo that re-encodes to
// different bytes, i.e. a different info-hash.
const nameDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const INFO_KEYS = ['length', 'name', 'piece length', 'pieces'] as const;

/**
 * Parses a bencoded single-file info dictionary produced by {@link infoDictionary} (or an
 * equivalent one from another tool). It must have exactly the keys `length`, `name`,
 * `piece length` and `pieces`; anything else (multi-file `files`, `private`, ...) is rejected so
 * that `infoDictionary(parseInfoDictionary(b))` always reproduces `b`.
 *
 * @throws {BencodeError} if `bytes` is not valid bencode.
 * @throws {FileInfoError} if the dictionary has the wrong keys or value types, or a name that is
 *   not valid UTF-8.
 * @throws {PiecesMismatchError} as {@link infoDictionary}.
 */
export function parseInfoDictionary(bytes: Uint8Array): FileInfo {
  const dict = bdecode(bytes);
  if (!isBencodeDict(dict)) throw new FileInfoError('info is not a dictionary');
  const keys = Object.keys(dict);
  if (keys.length !== INFO_KEYS.length || !INFO_KEYS.every((k) => k in dict)) {
    throw new FileInfoError(
      `info dictionary must have exactly the keys ${INFO_KEYS.join(', ')}; got ${keys.join(', ')}`,
    );
  }
  const { length, name, 'piece length': pieceLength, pieces } = dict;
  if (typeof length !== 'number') throw new FileInfoError('length is not a safe integer');
  if (typeof pieceLength !== 'number') throw new FileInfoError('piece length is not a safe integer');
  if (!(name instanceof Uint8Array)) throw new FileInfoError('name is not a byte string');
  if (!(pieces instanceof Uint8Array)) throw new FileInfoError('pieces is not a byte string');
  let nameText: string;
  try {
    nameText = nameDecoder.decode(name);
  } catch {
    throw new FileInfoError('name is not valid UTF-8');
  }
  const info: FileInfo = { name: nameText, length, pieceLength, pieces };
  infoDictionary(info); // same validation as on the way out
  return info;
}
