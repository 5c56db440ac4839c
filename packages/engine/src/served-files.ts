/**
 * What this peer serves right now, for `list_shares`: the files shared from the library and
 * the downloads serving their verified pieces (partial or complete) alike, each with how much
 * of it is here, what went out this session and how many peers are connected about it.
 */
import { pieceCount } from '@groupshare/protocol';

import type { UploadTally } from './download/upload-tally.js';
import type { DownloadEntry } from './peer-node.js';
import type { SharedFileInfo } from './share/types.js';

/** One file served. */
export interface ServedFileRow {
  groupId: string;
  name: string;
  /** `share`: from the share library (upload_file); `download`: a download of this session. */
  kind: 'share' | 'download';
  size: number;
  /** Pieces held here, of `piecesTotal`. */
  piecesHave: number;
  piecesTotal: number;
  /** Block bytes uploaded to other peers since login. */
  uploadedBytes: number;
  /** Connections about the file open now. */
  peers: number;
}

/**
 * The rows for `shares` (served now, with their tallies by info-hash) and `downloads` (those
 * still served: not stopped). A download of a file also shared from the library is served as
 * the share, so it is listed once, as the share.
 */
export function servedFiles(shares: readonly SharedFileInfo[], tallies: ReadonlyMap<string, UploadTally>, downloads: readonly DownloadEntry[]): ServedFileRow[] {
  const rows: ServedFileRow[] = shares.map((s) => {
    const tally = tallies.get(s.infoHash);
    const pieces = pieceCount(s.size, s.pieceLength);
    return { groupId: s.groupId, name: s.name, kind: 'share', size: s.size, piecesHave: pieces, piecesTotal: pieces, uploadedBytes: tally?.bytes ?? 0, peers: tally?.connected ?? 0 };
  });
  const shared = new Set(shares.map((s) => s.infoHash));
  for (const e of downloads) {
    const d = e.download;
    if (d.state === 'stopped' || d.state === 'idle' || d.infoHash === undefined || shared.has(d.infoHash)) continue;
    const p = d.progress();
    rows.push({ groupId: e.groupId, name: e.name, kind: 'download', size: p.bytesTotal, piecesHave: p.verified, piecesTotal: p.total, uploadedBytes: d.uploads.bytes, peers: d.uploads.connected });
  }
  return rows;
}
