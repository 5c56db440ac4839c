/**
 * Bytes each peer's replication sockets carried since this tracker started (for
 * `groupshare_tracker_replication_bytes`): the live link's socket counters plus those of every
 * link to that peer that already closed, so the totals only grow across reconnects.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export interface LinkBytes {
  received: number;
  sent: number;
}

export class LinkTraffic {
  private readonly closed = new Map<number, LinkBytes>();
  private readonly open = new Map<object, { peer: number; socket: Socket }>();

  /** Starts counting `link`'s socket for `peer` (when the link goes live). */
  live(link: object, peer: number, ws: WebSocket | undefined): void {
    // ws keeps the TCP socket it was upgraded from here; it holds the byte counters.
    const socket = (ws as unknown as { _socket?: Socket } | undefined)?._socket;
    if (socket) this.open.set(link, { peer, socket });
  }

  /** Adds the closed `link`'s final counts to its peer's total. */
  ended(link: object): void {
    const entry = this.open.get(link);
    if (!entry) return;
    this.open.delete(link);
    const total = this.closed.get(entry.peer) ?? { received: 0, sent: 0 };
    total.received += entry.socket.bytesRead;
    total.sent += entry.socket.bytesWritten;
    this.closed.set(entry.peer, total);
  }

  bytes(peer: number): LinkBytes {
    const out = { ...(this.closed.get(peer) ?? { received: 0, sent: 0 }) };
    for (const { peer: p, socket } of this.open.values()) {
      if (p !== peer) continue;
      out.received += socket.bytesRead;
      out.sent += socket.bytesWritten;
    }
    return out;
  }
}
