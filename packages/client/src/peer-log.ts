/**
 * `<data-dir>/client.log`: one line per peer connection that misbehaved or ended unusually (an
 * oversized frame, a request out of range, a forged ticket, a peer dropped for bad data, a
 * time-out). The shell itself stays quiet about them: they are the other side's problem and
 * harm nothing, but a user wondering why a peer is not used, or who is probing their client,
 * finds the answer here.
 *
 * Lines carry remote input, so they are escaped like everything printed. A flood of hostile
 * connections must not fill the disk: a run writes at most {@link MAX_LOG_BYTES}, then one line
 * saying so.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

import type { PeerEvent } from '@groupshare/engine';

import { safeText } from './render.js';

/** Most bytes one client run appends to the log. */
export const MAX_LOG_BYTES = 10 * 1024 * 1024;

export class PeerLog {
  private written = 0;
  private full = false;

  private constructor(private readonly stream: WriteStream) {
    stream.on('error', () => undefined); // a log that cannot be written must not stop the client
  }

  /** Appends to `path` (created with mode 0600: it names the peers you talked to). */
  static open(path: string): PeerLog {
    return new PeerLog(createWriteStream(path, { flags: 'a', mode: 0o600 }));
  }

  /** `2026-11-21T14:00:00.000Z from 10.0.0.7:50122 closed ERR_WIRE_FRAME_TOO_LARGE: …` */
  write(event: PeerEvent): void {
    if (this.full) return;
    const dir = event.direction === 'incoming' ? 'from' : 'to';
    let line = `${new Date().toISOString()} ${dir} ${safeText(event.peer)} ${event.kind} ${safeText(event.code)}: ${safeText(event.reason)}\n`;
    if (this.written + line.length > MAX_LOG_BYTES) {
      this.full = true;
      line = `${new Date().toISOString()} log limit of ${MAX_LOG_BYTES} bytes reached for this run; further peer events are not logged\n`;
    }
    this.written += line.length;
    this.stream.write(line);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
