/**
 * Why a peer connection ended, and what counts as a peer's mistake. Codes are stable (tests and
 * the shell match on them, never on messages); the accompanying `reason` is a sentence for logs.
 *
 * Two tiers of remote misbehaviour: a *gross* violation (a frame the codec refuses, a request
 * outside the file, a malformed bitfield) closes the connection at once with its own code; a
 * *violation* (an unrequested block, a request for a piece we never advertised) is counted,
 * answered or ignored, and closes the connection only when too many pile up.
 */
import type { WireErrorCode } from '../wire/index.js';

/** Stable codes in `closed` and `refused` events. */
export type PeerCloseCode =
  /** `close()` was called locally (share stopped, download done, shutdown). */
  | 'CLOSED_LOCALLY'
  /** The remote ended or closed the connection. */
  | 'CLOSED_BY_REMOTE'
  /** The socket failed (reset, broken pipe); the reason has the OS error. */
  | 'ERR_PEER_SOCKET'
  /** The handshakes were not completed within the handshake timeout. */
  | 'ERR_PEER_HANDSHAKE_TIMEOUT'
  /** Nothing arrived, not even a keep-alive, within the idle timeout. */
  | 'ERR_PEER_IDLE'
  /** Incoming connection for an info-hash we do not serve. */
  | 'ERR_PEER_UNKNOWN_INFO_HASH'
  /** Outgoing connection answered with a different info-hash. */
  | 'ERR_PEER_WRONG_INFO_HASH'
  /** The remote's peer id is ours: we connected to ourselves. */
  | 'ERR_PEER_SELF'
  /** We would serve the remote, it wants nothing we could fetch from it, and it sent no ticket. */
  | 'ERR_PEER_NO_TICKET'
  /** The remote's ticket is forged, expired, or for another group or file. */
  | 'ERR_PEER_TICKET_REFUSED'
  /** The remote's member certificate is not the trackers' (forged, garbled, not a certificate). */
  | 'ERR_PEER_CERT_BAD_SIGNATURE'
  /** The remote's member certificate has expired. */
  | 'ERR_PEER_CERT_EXPIRED'
  /** The remote's member certificate is for a group the file is not served in. */
  | 'ERR_PEER_CERT_WRONG_GROUP'
  /** The remote's member certificate names our own user (a copy of ours, or ourselves). */
  | 'ERR_PEER_CERT_SELF'
  /** No proof, or a proof that is not the certificate key's signature over this connection's challenge. */
  | 'ERR_PEER_CERT_BAD_PROOF'
  /** Metadata could not be had from the remote: it has none, refused, or sent what does not hash to the info-hash. */
  | 'ERR_PEER_METADATA'
  /** A message out of order or not negotiated (BEP 6 message without fast, second bitfield). */
  | 'ERR_PEER_PROTOCOL'
  /** A bitfield of the wrong length or with spare bits set (BEP 3). */
  | 'ERR_PEER_BAD_BITFIELD'
  /** A `have` for a piece index the file does not have. */
  | 'ERR_PEER_BAD_HAVE'
  /** A request outside the file: bad index, empty, or past the end of its piece. */
  | 'ERR_PEER_REQUEST_OUT_OF_RANGE'
  /** A request larger than the agreed block size. */
  | 'ERR_PEER_REQUEST_TOO_LARGE'
  /** More counted violations than `maxViolations` (default 20). */
  | 'ERR_PEER_TOO_MANY_VIOLATIONS'
  /** The remote does not read what we send (our send buffer overflowed). */
  | 'ERR_PEER_NOT_READING'
  /** A bug on our side, caught in a socket handler so it could not crash the process. */
  | 'ERR_PEER_INTERNAL'
  /** A frame the codec refused (too large, bad length, bad handshake, bad extended handshake). */
  | WireErrorCode;

/** The payload of `closed` and `refused`. */
export interface PeerCloseInfo {
  code: PeerCloseCode;
  /** A sentence for logs: what happened, with the numbers involved. */
  reason: string;
}

/** Counted mistakes of a remote peer; see the module comment. */
export type ViolationKind =
  /** A piece message for a block we did not request (or no longer have outstanding). */
  | 'unrequested_piece'
  /** A piece message for a requested block, but of a different length. */
  | 'wrong_block_size'
  /** A reject_request for a request we never sent. */
  | 'unrequested_reject'
  /** A request from a peer we never unchoked (after a choke, in-flight requests are a race). */
  | 'request_while_choked'
  /** A request for a piece we do not have (and never advertised). */
  | 'request_unavailable'
  /** More outstanding requests than the `reqq` we advertised. */
  | 'request_queue_full'
  /** Reported by the caller via `penalize`, e.g. a piece that failed its hash check. */
  | 'penalty';

/** The payload of a `violation` event. */
export interface ViolationInfo {
  kind: ViolationKind;
  message: string;
  /** Violations counted on this connection so far, this one included. */
  count: number;
}
