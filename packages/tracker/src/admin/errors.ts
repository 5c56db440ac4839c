/**
 * Errors of the operator's console and the account operations behind it, with stable codes
 * (client requests fail with the protocol's codes instead; none of these reach a client).
 */
export type OperatorErrorCode =
  | 'ERR_USAGE' // a command's arguments do not fit its usage line
  | 'ERR_BAD_USER_ID' // breaks the id rules a client's create_user has
  | 'ERR_BAD_PASSWORD' // breaks the password rules, or the two entries differ
  | 'ERR_PASSWORD_FILE' // --password-file cannot be read
  | 'ERR_NEEDS_TERMINAL' // would have to ask, but the console is not a terminal
  | 'ERR_CANCELLED' // the operator backed out of a question (Ctrl-C, Ctrl-D, or not "y")
  | 'ERR_NO_SUCH_USER'
  | 'ERR_TRACKER_LIVE' // forget_tracker on a tracker whose link is live
  | 'ERR_BACKUP'; // backup cannot write its file (exists, no such directory, disk full)

export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  constructor(
    readonly code: OperatorErrorCode,
    message: string,
  ) {
    super(message);
  }
}
