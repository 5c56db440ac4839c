/**
 * What a client logs about its peer connections: each counted violation and every close that was
 * not an ordinary end (the remote hanging up). A hostile or broken peer thus leaves a line saying
 * what it did (an oversized frame, a request out of range, a forged ticket, bad data) while the
 * connection is closed and nothing else is disturbed.
 */
import type { PeerConnection } from './peer-connection.js';

/** One line of the peer log. */
export interface PeerEvent {
  /** `host:port` of the remote. */
  peer: string;
  direction: 'incoming' | 'outgoing';
  kind: 'violation' | 'closed';
  /** The close code (PeerCloseCode) or the violation kind. */
  code: string;
  /** A sentence from the connection; it may quote remote input, so escape it before printing. */
  reason: string;
}

export type PeerEventSink = (event: PeerEvent) => void;

/** Reports `conn`'s violations and unusual close to `sink`. */
export function watchPeer(conn: PeerConnection, peer: string, sink: PeerEventSink): void {
  const { direction } = conn;
  conn.on('violation', (v) => sink({ peer, direction, kind: 'violation', code: v.kind, reason: v.message }));
  conn.on('closed', (info) => {
    if (info.code !== 'CLOSED_BY_REMOTE') sink({ peer, direction, kind: 'closed', code: info.code, reason: info.reason });
  });
}

/** `ip:port` of the remote end of `conn` ('unknown' parts when not a socket). */
export function remoteName(conn: PeerConnection): string {
  return `${(conn.remoteAddress ?? 'unknown').replace(/^::ffff:/, '')}:${conn.remotePort ?? 0}`;
}
