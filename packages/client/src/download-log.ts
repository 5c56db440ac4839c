/**
 * The download log in client.log (client-log.ts), for the user who later asks "where did this
 * file come from, and where did my upload go": every download's start (group, file, destination,
 * pieces already present), each source as it connects, its end (complete, failed, cancelled or
 * stopped to resume later; duration; bytes per peer; the whole-file SHA-1 result), and at the end
 * of each session (logout, exit) what was uploaded to whom, per peer and file.
 */
import type { CancelledDownload, DownloadEntry, PeerNode } from '@groupshare/engine';

import type { ClientLog } from './client-log.js';

/** How a download came to run: `download_file`, or resumed at login. */
export type DownloadStart = 'new' | 'resumed';

export class DownloadLog {
  /** Downloads started and not ended yet, with when they started. */
  private readonly running = new Map<DownloadEntry, number>();

  constructor(
    private readonly log: ClientLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** A download started: its start line now, its sources and its end as they come. */
  started(entry: DownloadEntry, how: DownloadStart): void {
    const { download } = entry;
    const p = download.progress();
    this.running.set(entry, this.now());
    this.log.event('download-start', {
      ...this.what(entry),
      dest: entry.dir,
      how,
      size: p.bytesTotal,
      present: `${download.piecesAtStart}/${p.total}`,
      sha1: download.sha1,
    });
    const logged = new Set<string>(); // a peer dialled during the start may be announced again when ready
    const onPeer = ({ peer }: { peer: string }): void => {
      if (logged.has(peer)) return;
      logged.add(peer);
      this.log.event('download-source', { ...this.what(entry), peer });
    };
    for (const peer of download.peerAddresses) onPeer({ peer }); // connected while it started
    download.on('peerConnected', onPeer);
    void entry.settled.then(() => {
      download.off('peerConnected', onPeer);
      const outcome = entry.outcome;
      if (outcome === undefined || !this.running.has(entry)) return;
      if ('path' in outcome) this.ended(entry, 'complete', { path: outcome.path, sha1: 'match' });
      else this.ended(entry, 'failed', { reason: outcome.failed, sha1: wholeFileChecked(entry) ? 'mismatch-or-not-placed' : 'not-checked' });
    });
  }

  /** `entries` were cancelled (read before the cancel removed them) with these results. */
  cancelled(entries: readonly DownloadEntry[], results: readonly CancelledDownload[]): void {
    for (const entry of entries) if (this.running.has(entry)) this.ended(entry, 'cancelled', { sha1: 'not-checked' });
    for (const r of results) {
      this.log.event('download-cancelled', {
        group: r.groupId,
        file: r.name,
        dest: r.dir,
        partial: r.partial.bytes,
        deleted: r.deleted.length > 0,
        ...(r.trackerProblem !== undefined ? { tracker: r.trackerProblem } : {}),
      });
    }
  }

  /**
   * A session ended (`logout`, `exit`): the downloads still running were stopped and resume at
   * the next login; then what this session uploaded, per peer and file (after the node stopped,
   * so every connection is closed and counted).
   */
  sessionEnded(user: string | undefined, reason: 'logout' | 'exit', node: PeerNode): void {
    for (const [entry] of this.running) if (entry.outcome === undefined) this.ended(entry, 'stopped', { resumes: 'next-login', sha1: 'not-checked' });
    const uploads = node.takeUploads();
    let total = 0;
    for (const u of uploads) {
      total += u.bytes;
      this.log.event('upload', { group: u.groupId, file: u.name, peer: u.peer, user: u.user, bytes: u.bytes });
    }
    this.log.event('session-end', { user, reason, uploaded: total, uploads: uploads.length });
  }

  private ended(entry: DownloadEntry, result: string, extra: Record<string, string>): void {
    const started = this.running.get(entry) ?? this.now();
    this.running.delete(entry);
    const { download } = entry;
    const from = [...download.bytesFrom].sort((a, b) => b[1] - a[1]);
    this.log.event('download-end', {
      ...this.what(entry),
      result,
      seconds: Number(((this.now() - started) / 1000).toFixed(3)),
      bytes: from.reduce((sum, [, n]) => sum + n, 0),
      peers: from.length,
      ...extra,
    });
    for (const [peer, bytes] of from) this.log.event('download-from', { ...this.what(entry), peer, bytes });
    const banned = [...download.bannedPeers];
    if (banned.length > 0) this.log.event('download-banned', { ...this.what(entry), peers: banned.join(',') });
  }

  private what(entry: DownloadEntry): { group: string; file: string } {
    return { group: entry.groupId, file: entry.name };
  }
}

/** Every piece was verified, so the failure came at the whole-file check or the move into place. */
function wholeFileChecked(entry: DownloadEntry): boolean {
  const p = entry.download.progress();
  return p.total > 0 && p.verified === p.total;
}
