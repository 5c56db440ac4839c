/**
 * BEP 9 metadata messages (`ut_metadata`): how a peer that knows only a file's info-hash gets
 * its info dictionary (name, length, piece length, piece hashes) from another peer, in
 * {@link METADATA_PIECE_BYTES} pieces. With it a member can start a download from LAN peers
 * while no tracker is reachable (docs/lan.md); the dictionary is believed only if its SHA-1 is
 * the info-hash (peer/metadata-fetch.ts).
 *
 * An extended message (BEP 10) under the id the receiver gave `ut_metadata` in its `m` map. Its
 * payload is a bencoded dictionary, and for `data` the piece's bytes right after it:
 *
 * - request `{msg_type: 0, piece: i}`
 * - data `{msg_type: 1, piece: i, total_size: n}` + bytes (16 KiB, the last piece shorter)
 * - reject `{msg_type: 2, piece: i}`
 *
 * Everything is bounded: the dictionary (a few dozen bytes) must end within
 * {@link MAX_METADATA_HEADER_BYTES}, `total_size` is at most {@link MAX_METADATA_BYTES} (the
 * info dictionary of a file of MAX_PIECES pieces), and a data piece must have exactly the length
 * its index and `total_size` give. Anything else is refused with
 * `ERR_WIRE_BAD_METADATA_MESSAGE`; nothing else is thrown for any payload.
 */
import { BencodeError, MAX_PIECES, MIN_PIECE_LENGTH, SHA1_LENGTH, bdecode, bencode, isBencodeDict, type BencodeValue } from '@groupshare/protocol';

import { WireError } from './messages.js';

/** The BEP 9 extension name, in `m`. */
export const UT_METADATA = 'ut_metadata';
/** BEP 9's piece size for metadata. */
export const METADATA_PIECE_BYTES = 16 * 1024;
/** Room for the dictionary's other keys (name of at most 255 bytes, three integers, key names). */
const INFO_OVERHEAD_BYTES = 1024;
/** Largest info dictionary accepted: MAX_PIECES piece hashes and the rest. */
export const MAX_METADATA_BYTES = MAX_PIECES * SHA1_LENGTH + INFO_OVERHEAD_BYTES;
/** The bencoded dictionary of a metadata message must end within this many bytes. */
export const MAX_METADATA_HEADER_BYTES = 128;

/** A decoded `ut_metadata` message. */
export type MetadataMessage =
  | { type: 'request'; piece: number }
  | { type: 'data'; piece: number; totalSize: number; data: Buffer }
  | { type: 'reject'; piece: number };

/**
 * Largest info dictionary a file of `size` bytes can have: one hash per smallest piece. A peer
 * announcing more for a file whose size we know is refused before anything is fetched.
 */
export function maxMetadataBytesFor(size: number): number {
  const pieces = Math.min(MAX_PIECES, Math.max(1, Math.ceil(size / MIN_PIECE_LENGTH)));
  return pieces * SHA1_LENGTH + INFO_OVERHEAD_BYTES;
}

/** Pieces of metadata of `totalSize` bytes. */
export function metadataPieceCount(totalSize: number): number {
  return Math.ceil(totalSize / METADATA_PIECE_BYTES);
}

function bad(message: string, cause?: unknown): WireError {
  return new WireError('ERR_WIRE_BAD_METADATA_MESSAGE', `ut_metadata: ${message}`, { cause });
}

/** Encodes a message's payload (the bytes after the extended id). @throws {RangeError} for a value out of range (a caller bug). */
export function encodeMetadataMessage(m: MetadataMessage): Buffer {
  if (!Number.isSafeInteger(m.piece) || m.piece < 0 || m.piece >= metadataPieceCount(MAX_METADATA_BYTES)) {
    throw new RangeError(`ut_metadata: piece ${m.piece} out of range`);
  }
  if (m.type === 'request') return bencode({ msg_type: 0, piece: m.piece });
  if (m.type === 'reject') return bencode({ msg_type: 2, piece: m.piece });
  if (m.data.length !== expectedLength(m.piece, m.totalSize)) throw new RangeError(`ut_metadata: piece ${m.piece} must be ${expectedLength(m.piece, m.totalSize)} bytes`);
  return Buffer.concat([bencode({ msg_type: 1, piece: m.piece, total_size: m.totalSize }), m.data]);
}

/** Bytes of metadata piece `piece` of `totalSize`, or -1 if there is no such piece. */
function expectedLength(piece: number, totalSize: number): number {
  if (!Number.isSafeInteger(totalSize) || totalSize < 1 || totalSize > MAX_METADATA_BYTES) return -1;
  const count = metadataPieceCount(totalSize);
  if (piece >= count) return -1;
  return piece === count - 1 ? totalSize - piece * METADATA_PIECE_BYTES : METADATA_PIECE_BYTES;
}

/** The bencoded dictionary at the start of `payload` and where it ends (bencode is prefix-free: one prefix decodes). */
function header(payload: Uint8Array): { dict: Record<string, BencodeValue>; end: number } {
  if (payload[0] !== 0x64 /* d */) throw bad('not a dictionary');
  const limit = Math.min(payload.length, MAX_METADATA_HEADER_BYTES);
  let lastError: unknown;
  for (let i = 1; i < limit; i++) {
    if (payload[i] !== 0x65 /* e */) continue;
    try {
      const v = bdecode(payload.subarray(0, i + 1), { sortedKeys: false, maxDepth: 1 });
      if (isBencodeDict(v)) return { dict: v, end: i + 1 };
    } catch (err) {
      if (!(err instanceof BencodeError)) throw err;
      lastError = err;
    }
  }
  throw bad(`no dictionary within the first ${MAX_METADATA_HEADER_BYTES} bytes`, lastError);
}

function int(v: BencodeValue | undefined, key: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`"${key}" must be a non-negative integer`);
  return v;
}

/**
 * Decodes a `ut_metadata` payload. The returned `data` is a copy (the payload may be a reused
 * read buffer).
 *
 * @throws {WireError} `ERR_WIRE_BAD_METADATA_MESSAGE` for anything but a well-formed, in-range
 *   message; nothing else for any input.
 */
export function decodeMetadataMessage(payload: Uint8Array): MetadataMessage {
  const { dict, end } = header(payload);
  const type = int(dict.msg_type, 'msg_type');
  const piece = int(dict.piece, 'piece');
  if (piece >= metadataPieceCount(MAX_METADATA_BYTES)) throw bad(`piece ${piece} out of range`);
  if (type === 0 || type === 2) {
    if (end !== payload.length) throw bad('bytes after a request or reject');
    return type === 0 ? { type: 'request', piece } : { type: 'reject', piece };
  }
  if (type !== 1) throw bad(`unknown msg_type ${type}`);
  const totalSize = int(dict.total_size, 'total_size');
  if (totalSize < 1 || totalSize > MAX_METADATA_BYTES) throw bad(`total_size ${totalSize} is not 1 to ${MAX_METADATA_BYTES}`);
  const want = expectedLength(piece, totalSize);
  if (want < 0) throw bad(`piece ${piece} is beyond total_size ${totalSize}`);
  if (payload.length - end !== want) throw bad(`piece ${piece} has ${payload.length - end} bytes, not ${want}`);
  return { type: 'data', piece, totalSize, data: Buffer.from(payload.subarray(end)) };
}
