/**
 * The tracker link: one logical connection to whichever tracker of the cluster answers, with
 * failover and a session that survives it (tracker-link.ts), the WebSocket to one tracker
 * (connection.ts), the automatic session resume (session-resume.ts), the pending requests
 * (pending.ts), the frames it reads (frames.ts), what is resent after a break
 * (retry-policy.ts), its pauses (backoff.ts), defaults (constants.ts), errors (errors.ts) and
 * the event emission that keeps listeners' exceptions out of the socket handlers
 * (guarded-emitter.ts). The share and download managers use it through narrow views of
 * `request`.
 */
export { TrackerLink } from './tracker-link.js';
export type { LinkSession, RequestFields, TrackerLinkEvents, TrackerLinkInit } from './types.js';
export type { TrackerRef } from './connection.js';
export type { BackoffOptions } from './backoff.js';
export { RECONNECT_POLICY, type ReconnectPolicy } from './retry-policy.js';
export {
  CLOSE_GRACE_MS,
  DEFAULT_BACKOFF,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RESUME_TIMEOUT_MS,
  STABLE_CONNECTION_MS,
} from './constants.js';
export {
  BadReplyError,
  ConnectionLostError,
  LinkStoppedError,
  RequestTimeoutError,
  TrackerUnavailableError,
  type LinkError,
  type LinkErrorCode,
} from './errors.js';
