/**
 * Errors the tracker link raises itself, one class per condition, each with a stable `code`
 * (tests and fronts match on the code, never on the message). A tracker's own refusals arrive as `ProtocolError` from @groupshare/protocol.
 */

/** No tracker could be reached before the request's deadline; the request was never sent. */
export class TrackerUnavailableError extends Error {
  readonly code = 'ERR_TRACKER_UNAVAILABLE';
  override readonly name = 'TrackerUnavailableError';
}

/**
 * The connection broke after the request was sent and before it was answered, and the request
 * is not safe to repeat (see RECONNECT_POLICY), so whether it took effect is unknown. The
 * message says how to check.
 */
export class ConnectionLostError extends Error {
  readonly code = 'ERR_CONNECTION_LOST';
  override readonly name = 'ConnectionLostError';
}

/** The tracker accepted the request but did not answer before the deadline. */
export class RequestTimeoutError extends Error {
  readonly code = 'ERR_REQUEST_TIMEOUT';
  override readonly name = 'RequestTimeoutError';
}

/** The link was stopped (or not yet started) when the request was made or still pending. */
export class LinkStoppedError extends Error {
  readonly code = 'ERR_LINK_STOPPED';
  override readonly name = 'LinkStoppedError';
}

/** The tracker's reply did not fit the protocol (a bug or a version mismatch on its side). */
export class BadReplyError extends Error {
  readonly code = 'ERR_BAD_REPLY';
  override readonly name = 'BadReplyError';
}

export type LinkError =
  | TrackerUnavailableError
  | ConnectionLostError
  | RequestTimeoutError
  | LinkStoppedError
  | BadReplyError;

export type LinkErrorCode = LinkError['code'];
