/**
 * Peer connections in client.log (client-log.ts): one line per connection that misbehaved or
 * ended unusually (an oversized frame, a request out of range, a forged ticket, a peer dropped
 * for bad data, a time-out), e.g. `… peer-closed peer=10.0.0.7:50122 direction=incoming
 * code=ERR_WIRE_TOO_LARGE reason="…"`. A user wondering why a peer is not used, or who is
 * probing their client, finds the answer here. A flood of hostile connections only rotates the
 * log (log-file.ts).
 */
import type { PeerEvent } from '@groupshare/engine';

import type { ClientLog } from './client-log.js';

/** Writes `event` as a `peer-violation` or `peer-closed` line. */
export function logPeerEvent(log: ClientLog, event: PeerEvent): void {
  log.event(`peer-${event.kind}`, { peer: event.peer, direction: event.direction, code: event.code, reason: event.reason });
}
