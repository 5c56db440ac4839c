/**
 * The downloads folder sync runs: each a download like any other (every piece and the whole file
 * verified), not listed among the user's downloads nor resumed at login (the next sync round
 * asks again). Kept apart from PeerNode's own download list so logout can end them at once and
 * a tracker push can hurry the one it concerns.
 */
import type { Download } from '../download/download.js';
import type { DownloadInit } from '../download/types.js';
import type { ShareRecord } from '../share/library.js';

/** How long a folder sync download waits for a holder of its missing pieces before giving up. */
export const SYNC_STALL_MS = 5_000;
/** How long a folder sync download may go without a verified piece before giving up. */
export const SYNC_IDLE_MS = 15_000;

/** Makes the download for one fetch (PeerNode supplies its session's ticket key and options). */
export type MakeSyncDownload = (init: Pick<DownloadInit, 'groupId' | 'name' | 'dir' | 'stallAfterMs'>) => Download;

export class SyncFetches {
  private readonly running = new Map<Download, (err: Error) => void>();

  constructor(private readonly make: MakeSyncDownload) {}

  /**
   * Fetches `name` of `groupId` into `dir`. Resolves with the verified file once complete;
   * rejects when it fails or stalls (no online member holds what is missing), when no piece
   * arrives for SYNC_IDLE_MS, or when `abortAll` is called.
   */
  async fetch(groupId: string, name: string, dir: string, stallAfterMs: number | undefined): Promise<ShareRecord> {
    // A version's holders may move on to a newer one meanwhile: give up soon, the next round
    // decides again from the group's list.
    const download = this.make({ groupId, name, dir, stallAfterMs: Math.min(stallAfterMs ?? SYNC_STALL_MS, SYNC_STALL_MS) });
    let idle: NodeJS.Timeout | undefined;
    try {
      return await new Promise<ShareRecord>((resolve, reject) => {
        this.running.set(download, reject);
        // A holder the tracker lists may not serve this version any more (it moved on to a newer
        // one): without a verified piece for a while, give up; the next round decides afresh.
        const quiet = (): void => {
          clearTimeout(idle);
          idle = setTimeout(() => reject(new Error(`${name}: no piece arrived for ${SYNC_IDLE_MS / 1000} s`)), SYNC_IDLE_MS);
        };
        quiet();
        download.on('pieceVerified', quiet);
        download.once('completed', () => {
          const record = download.completed;
          if (record === undefined) reject(new Error(`${name}: completed without a file`));
          else resolve(record);
        });
        download.once('failed', ({ reason }) => reject(new Error(reason)));
        download.once('stalled', ({ reason }) => reject(new Error(reason)));
        download.start().catch(reject);
      });
    } finally {
      clearTimeout(idle);
      this.running.delete(download);
      await download.stop();
    }
  }

  /** A holder came online or the file was withdrawn: the fetch of `infoHash` asks the tracker now. */
  refresh(infoHash: string): void {
    for (const d of this.running.keys()) if (d.infoHash === infoHash) d.refreshNow();
  }

  /** Logout or stop: every fetch rejects, and is stopped, at once. */
  abortAll(): void {
    for (const reject of this.running.values()) reject(new Error('stopped: logged out'));
  }
}
