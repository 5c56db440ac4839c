/**
 * What this peer uploaded of one file: the {@link UploadCounter} its connections report to
 * (peer/types.ts). One per file served (a share, or a download seeding its verified pieces), so
 * `list_shares` can say how much went out and to how many peers, `show_downloads` the upload
 * rate, and the client's log to whom each byte went.
 *
 * Per block the serving path pays one add and one decaying-rate sample (`sent`); who received
 * what is folded in once per connection, when it closes, from the connection's own counter.
 */
import type { UploadCounter } from '../peer/types.js';
import { RateMeter } from './rate.js';

/** Bytes sent to one peer (closed connections only), with the user its ticket named. */
export interface PeerUpload {
  peer: string;
  user?: string;
  bytes: number;
}

/** See the module comment. */
export class UploadTally implements UploadCounter {
  /** Block bytes sent since creation or the last {@link take}. */
  bytes = 0;
  /** Connections about the file open now. */
  connected = 0;
  private readonly rate = new RateMeter();
  private readonly perPeer = new Map<string, PeerUpload>();

  constructor(private readonly now: () => number = Date.now) {}

  sent(bytes: number): void {
    this.bytes += bytes;
    this.rate.add(bytes, this.now());
  }

  opened(): void {
    this.connected++;
  }

  closed(info: { peer: string; user?: string; bytes: number }): void {
    this.connected = Math.max(0, this.connected - 1);
    if (info.bytes === 0) return;
    const key = `${info.user ?? ''}\n${info.peer}`;
    const known = this.perPeer.get(key);
    if (known !== undefined) known.bytes += info.bytes;
    else this.perPeer.set(key, { peer: info.peer, ...(info.user !== undefined ? { user: info.user } : {}), bytes: info.bytes });
  }

  /** Upload rate now, bytes per second (decaying over about two seconds). */
  bytesPerSecond(): number {
    return this.rate.rate(this.now());
  }

  /**
   * Who was sent what over the connections closed so far, most first; then starts counting
   * afresh (`bytes` too): a session's report is taken once, at its end.
   */
  take(): PeerUpload[] {
    const list = [...this.perPeer.values()].sort((a, b) => b.bytes - a.bytes);
    this.perPeer.clear();
    this.bytes = 0;
    return list;
  }
}
