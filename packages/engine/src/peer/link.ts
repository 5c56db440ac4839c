/**
 * The narrow view of a `PeerConnection` that its serving and fetching halves get: send a
 * message, report a mistake, close, emit. Keeping the halves behind this interface means they
 * hold no socket, timer or decoder, and a half cannot reach into the other half's state.
 */
import type { WireMessage } from '../wire/index.js';
import type { PeerCloseCode, ViolationKind } from './errors.js';
import type { PeerConnectionEvents, PeerStats } from './types.js';

/** What a connection half may do to its connection. */
export interface PeerLink {
  /** BEP 6 was negotiated on both sides (known once the remote's handshake arrived). */
  readonly fast: boolean;
  /** The connection is closed: every call below is then a no-op. */
  readonly closed: boolean;
  /** The connection's counters, updated in place by the halves. */
  readonly stats: PeerStats;
  /**
   * Encodes and writes one message. `onWritten` is called once, when the socket has taken the
   * message's bytes or they will never be sent (the connection closed): a `piece`'s block may
   * then be reused.
   */
  send(msg: WireMessage, onWritten?: () => void): void;
  /** False while the socket's write buffer is above its high-water mark: send no blocks now. */
  canSendBlock(): boolean;
  /** Counts a remote mistake (may close the connection when too many pile up). */
  violation(kind: ViolationKind, message: string): void;
  /** Closes the connection for a gross violation. */
  fail(code: PeerCloseCode, reason: string): void;
  /** Emits a connection event; listener exceptions never reach the caller. */
  emit<K extends keyof PeerConnectionEvents>(event: K, ...args: PeerConnectionEvents[K]): void;
}

/** Same block: `index`, `begin` and `length` all equal. */
export function sameBlock(
  a: { index: number; begin: number; length: number },
  b: { index: number; begin: number; length: number },
): boolean {
  return a.index === b.index && a.begin === b.begin && a.length === b.length;
}
