/**
 * Defaults for the replication transport (peer-link.ts, peer-links.ts). Kept apart from the
 * wire limits in `@groupshare/protocol` (replication-messages.ts): those bind every tracker in
 * the cluster, these are local choices that tests override with smaller values.
 */
import { MAX_MESSAGE_BYTES, MAX_REPLICATION_MESSAGE_BYTES } from '@groupshare/protocol';

/** A link that has not finished hello/auth in this time is closed (4003). */
export const HANDSHAKE_TIMEOUT_MS = 5_000;

/**
 * Redial delays: 200 ms doubling to 1 s, each jittered to between half and all of its value so
 * that trackers restarted together do not dial in lockstep. Reset once a link becomes live.
 * The cap is what a tracker that comes back waits at worst for the lower-numbered trackers to
 * dial it, i.e. before its catch-up starts; a refused connection costs next to nothing, and a
 * dial to a host that does not answer is bounded by HANDSHAKE_TIMEOUT_MS anyway.
 */
export const DIAL_BACKOFF = { initialMs: 200, maxMs: 1_000 } as const;

/**
 * The pump stops sending while the socket holds more than this in its send buffer (a slow
 * network), and polls every SEND_POLL_MS until it is back under.
 */
export const SEND_HIGH_WATER_BYTES = 8 * 1024 * 1024;
export const SEND_POLL_MS = 10;

/**
 * Batches sent but not yet acknowledged. `ws` reads frames as fast as they arrive whatever the
 * receiver's store is doing, so TCP alone would not stop a fast sender from queueing unbounded
 * batches in the receiver's memory; this window does (at most ~4 × MAX_BATCH_BYTES in flight).
 */
export const MAX_UNACKED_BATCHES = 4;

/**
 * Received messages waiting to be applied. A peer that respects the window never gets near it;
 * one that does not is closed (4000) before it can exhaust memory.
 */
export const MAX_QUEUED_MESSAGES = 64;

/**
 * Largest frame this tracker sends. The accepting side of a link is the tracker's fastify
 * server, whose single `ws` server has the client limit (MAX_MESSAGE_BYTES, 16 MiB) for every
 * route: @fastify/websocket 11 has no per-route maxPayload. So frames stay under 16 MiB in both
 * directions, although dialed sockets would accept MAX_REPLICATION_MESSAGE_BYTES. Batches are
 * cut at MAX_BATCH_BYTES (4 MiB) anyway; only one op near the ~10.5 MiB file_shared maximum
 * makes a bigger frame, and it still fits.
 */
export const MAX_SENT_FRAME_BYTES = Math.min(MAX_MESSAGE_BYTES, MAX_REPLICATION_MESSAGE_BYTES);

/**
 * Ping interval; a link that has not answered one ping by the next is dropped, so a peer that
 * vanished without closing its TCP connection is redialed instead of kept "live" forever
 * (within 10 s: pings are tiny, and a silent partition should not look healthy for long).
 */
export const HEARTBEAT_MS = 5_000;

/**
 * Every this long, each side of a live link sends its vector (and clock) again and checks its
 * outstanding batches. The vector lets a sender see ops that were lost on the way with no new
 * write to reveal it, and keeps the peer's clock fresh for compaction; it costs a few bytes.
 */
export const VECTOR_EXCHANGE_MS = 1_000;

/**
 * Batches with no ack for this long (and no ack for any batch meanwhile) are written off and
 * their ops sent again: the frame, or its ack, was lost. Acks arrive within milliseconds; a
 * receiver busy with a long catch-up still acks batch after batch, which restarts the wait.
 */
export const RESEND_AFTER_MS = 2_000;

/**
 * A link whose outstanding batches get no ack at all for this long, resends included, is
 * closed (4005) and redialled: the peer is stuck or the connection silently broken in a way
 * the heartbeat does not see (pings answered, data lost).
 */
export const STALL_REDIAL_MS = 20_000;

/** How long stop() waits for the closing handshake before destroying the socket. */
export const CLOSE_GRACE_MS = 1_000;

/** WebSocket close codes used on replication links (4000–4999 are for applications). */
export const CloseCode = {
  GOING_AWAY: 1001,
  INTERNAL_ERROR: 1011,
  /** Invalid JSON, unknown `t`, schema violation, message out of order, flooding. */
  BAD_MESSAGE: 4000,
  /** The peer's MAC does not verify: it does not know the cluster secret. */
  BAD_SECRET: 4001,
  /** The hello names the wrong tracker, an unknown one, or me. */
  UNKNOWN_TRACKER: 4002,
  HANDSHAKE_TIMEOUT: 4003,
  /** A newer authenticated link to the same peer took over. */
  REPLACED: 4004,
  /** Batches went unacknowledged for STALL_REDIAL_MS: closed so that it is dialled again. */
  NO_PROGRESS: 4005,
} as const;
