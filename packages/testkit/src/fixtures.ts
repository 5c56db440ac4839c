/**
 * Test data the way a real client makes it: files hashed with node:crypto (whole-file SHA-1,
 * per-piece SHA-1, BitTorrent v1 info-hash) independently of the protocol package's own
 * hashing, so a test compares the tracker against a second opinion. Accounts (`signUp`,
 * `passwordOf`) are with the bare client in @groupshare/tracker/testing.
 */
import type { RequestInput } from '@groupshare/protocol';
import { createHash } from 'node:crypto';

/** Deterministic bytes for a seed: SHA-256 in counter mode. */
export function testBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let block = 0; block * 32 < length; block++) {
    createHash('sha256').update(`${seed}:${block}`).digest().copy(out, block * 32);
  }
  return out;
}

export interface FileFixture {
  /** The `share_file` request fields for this file in `groupId`. */
  share: Omit<RequestInput<'share_file'>, 'id' | 'type'>;
  /** BitTorrent v1 info-hash (hex), as a .torrent tool would show it. */
  infoHash: string;
  pieceCount: number;
}

/** Hashes `data` as the file `name` with `pieceLength`-byte pieces, ready to share in `groupId`. */
export function fileFixture(groupId: string, name: string, data: Buffer, pieceLength = 16 * 1024): FileFixture {
  const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += pieceLength) pieces.push(sha1(data.subarray(offset, offset + pieceLength)));
  const piecesBytes = Buffer.concat(pieces);
  // The info dictionary, bencoded with its keys in sorted order (BEP 3).
  const nameBytes = Buffer.from(name, 'utf8');
  const info = Buffer.concat([
    Buffer.from(`d6:lengthi${data.length}e4:name${nameBytes.length}:`),
    nameBytes,
    Buffer.from(`12:piece lengthi${pieceLength}e6:pieces${piecesBytes.length}:`),
    piecesBytes,
    Buffer.from('e'),
  ]);
  return {
    share: { groupId, name, size: data.length, sha1: sha1(data).toString('hex'), pieceLength, pieces: piecesBytes.toString('hex') },
    infoHash: sha1(info).toString('hex'),
    pieceCount: pieces.length,
  };
}
