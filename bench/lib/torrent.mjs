// Single-file .torrent files (BEP 3) for the stock BitTorrent clients.
//
// The info dictionary is exactly groupshare's (name, length, piece length, pieces: no `private`
// flag, no extra keys), so the info-hash equals the one groupshare would register for the file.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';

import { protocol } from './protocol.mjs';

/**
 * Encodes `{ announce, info }` as a .torrent. `info` is `{ name, length, pieceLength, pieces }`.
 * The already-bencoded info dictionary is spliced in as it is: a dictionary's keys are sorted,
 * and `announce` < `info`, so `d 8:announce <url> 4:info <info> e` is the canonical encoding.
 * @returns `{ bytes, infoHash }` with the info-hash as lowercase hex.
 */
export function makeTorrent({ announce, name, length, pieceLength, pieces }) {
  const info = protocol.infoDictionary({ name, length, pieceLength, pieces });
  const bytes = Buffer.concat([Buffer.from('d'), protocol.bencode('announce'), protocol.bencode(announce), protocol.bencode('info'), info, Buffer.from('e')]);
  return { bytes, infoHash: createHash('sha1').update(info).digest('hex') };
}

/** {@link makeTorrent}, written to `file`. @returns the info-hash (hex). */
export function writeTorrent(file, fields) {
  const { bytes, infoHash } = makeTorrent(fields);
  writeFileSync(file, bytes);
  return infoHash;
}

/** The piece length groupshare chooses for a file of `size` bytes (protocol's rule). */
export const choosePieceLength = (size) => protocol.choosePieceLength(size);
