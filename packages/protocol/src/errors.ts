/**
 * Stable error codes carried in tracker replies (`{ ok: false, error: { code, message } }`).
 * Clients branch on the code and show their own sentence; the message is for logs and humans.
 */
export const ERROR_CODES = [
  // The message itself
  'ERR_BAD_MESSAGE', // not JSON, or fails its schema (the reply says which field)
  'ERR_UNKNOWN_TYPE', // a `type` this tracker does not know
  'ERR_INTERNAL', // a bug or a storage failure on the tracker; nothing was changed
  'ERR_BUSY', // too much work queued (e.g. password hashing); try again later
  'ERR_RATE_LIMITED', // too many failed logins from this address or for this user id
  // Accounts and sessions
  'ERR_USER_EXISTS',
  'ERR_BAD_CREDENTIALS', // unknown user or wrong password: deliberately the same reply
  'ERR_NOT_LOGGED_IN',
  'ERR_ALREADY_LOGGED_IN',
  'ERR_SESSION_INVALID', // the token is unknown, expired or was logged out
  'ERR_ACCOUNT_CONFLICT', // this registration lost to one made at the same time on another tracker
  'ERR_REGISTRATION_CLOSED', // the operator closed self-registration: accounts are made on the tracker console
  // Groups
  'ERR_GROUP_EXISTS',
  'ERR_NO_SUCH_GROUP',
  'ERR_NOT_MEMBER',
  'ERR_NOT_GROUP_OWNER',
  'ERR_ALREADY_MEMBER',
  'ERR_ALREADY_REQUESTED',
  'ERR_NO_SUCH_REQUEST',
  // Files
  'ERR_NO_SUCH_FILE',
  'ERR_FILE_NAME_TAKEN', // another file (different content) already uses this name in the group
  'ERR_BAD_FILE_INFO', // size, piece length and piece hashes do not agree
  'ERR_NO_PEER_ADDRESS', // sharing needs a peer address, given at login
  'ERR_NOT_SHARING', // pieces reported for a file the member neither shares nor downloads
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The error part of a failed reply. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** For ERR_RATE_LIMITED and ERR_BUSY: how long to wait before trying again. */
  retryAfterMs?: number;
}

/**
 * An error that a tracker turns into a reply, or a client raises from one. Code paths throw it
 * with a stable code; anything else thrown becomes ERR_INTERNAL and is logged.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toBody(): ErrorBody {
    return this.retryAfterMs === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, retryAfterMs: this.retryAfterMs };
  }
}
