/**
 * The serving side of BEP 9 `ut_metadata` on a peer connection: a remote we admitted (ticket or
 * member certificate) may ask for the file's info dictionary, piece by piece; anyone else, or a
 * request for a file whose dictionary we do not hold, is answered with a reject. A malformed
 * message closes the connection (the codec's code); data and rejects are for fetchers
 * (metadata-fetch.ts), never for a connection of ours, and count as violations.
 */
import {
  METADATA_PIECE_BYTES, UT_METADATA, WireError, decodeMetadataMessage, encodeMetadataMessage, metadataPieceCount,
  type ExtendedHandshake,
} from '../wire/index.js';
import type { PeerLink } from './link.js';

/** The id our `m` map gives `ut_metadata`: the remote sends its metadata messages under it. */
export const OUR_METADATA_ID = 3;

/** Handles one `ut_metadata` message from the remote. */
export function onMetadataMessage(
  link: PeerLink,
  payload: Uint8Array,
  ctx: { authorized: boolean; info: Uint8Array | undefined; remote: ExtendedHandshake | undefined },
): void {
  let m;
  try {
    m = decodeMetadataMessage(payload);
  } catch (err) {
    if (err instanceof WireError) return link.fail(err.code, err.message);
    throw err;
  }
  if (m.type !== 'request') return link.violation('penalty', `unasked ut_metadata ${m.type}`);
  const id = ctx.remote?.extensions.get(UT_METADATA);
  if (id === undefined || id === 0) return link.violation('penalty', 'ut_metadata request from a peer without ut_metadata');
  const info = ctx.info;
  const send = (payload: Buffer): void => link.send({ type: 'extended', id, payload });
  if (!ctx.authorized || info === undefined || m.piece >= metadataPieceCount(info.length)) {
    return send(encodeMetadataMessage({ type: 'reject', piece: m.piece }));
  }
  const start = m.piece * METADATA_PIECE_BYTES;
  const data = Buffer.from(info.subarray(start, Math.min(info.length, start + METADATA_PIECE_BYTES)));
  send(encodeMetadataMessage({ type: 'data', piece: m.piece, totalSize: info.length, data }));
}
