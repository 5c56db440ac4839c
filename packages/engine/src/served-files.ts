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
 * still served: not stopped). A download of a file also shared from the library (a completed
 * download joins it) is listed once, as the share, with what went out over the download's own
 * connections added to the share's.
 */
export function servedFiles(shares: readonly SharedFileInfo[], tallies: ReadonlyMap<string, UploadTally>, downloads: readonly DownloadEntry[]): ServedFileRow[] {
  const live = downloads.filter((e) => e.download.state !== 'stopped' && e.download.state !== 'idle' && e.download.infoHash !== undefined);
  const rows: ServedFileRow[] = shares.map((s) => {
    const tally = tallies.get(s.infoHash);
    const pieces = pieceCount(s.size, s.pieceLength);
    const own = live.filter((e) => e.download.infoHash === s.infoHash && e.groupId === s.groupId).map((e) => e.download.uploads);
    const uploadedBytes = (tally?.bytes ?? 0) + own.reduce((n, u) => n + u.bytes, 0);
    const peers = (tally?.connected ?? 0) + own.reduce((n, u) => n + u.connected, 0);
    return { groupId: s.groupId, name: s.name, kind: 'share', size: s.size, piecesHave: pieces, piecesTotal: pieces, uploadedBytes, peers };
  });
  const shared = new Set(shares.map((s) => s.infoHash));
  for (const e of live) {
    const d = e.download;
    if (shared.has(d.infoHash as string)) continue;
    const p = d.progress();
    rows.push({ groupId: e.groupId, name: e.name, kind: 'download', size: p.bytesTotal, piecesHave: p.verified, piecesTotal: p.total, uploadedBytes: d.uploads.bytes, peers: d.uploads.connected });
  }
  return rows;
}
