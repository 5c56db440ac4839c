/**
 * Errors raised by the share manager itself, one class per condition with a stable `code`
 * (tests and fronts match on the code, never on the message). Problems with the file being shared arrive as the storage errors
 * (`ERR_FILE_NOT_FOUND`, `ERR_NOT_A_FILE`, …) and tracker refusals as `ProtocolError`, unchanged,
 * so the shell maps one set of codes whichever layer noticed the problem.
 */

/** No user is known yet, so there is no share library to use: log in first. */
export class NoUserError extends Error {
  readonly code = 'ERR_SHARE_NO_USER';
  override readonly name = 'NoUserError';
}

/** The user id cannot name a library file (it fails protocol's `idProblem`). */
export class BadUserIdError extends RangeError {
  readonly code = 'ERR_SHARE_BAD_USER_ID';
  override readonly name = 'BadUserIdError';
}

/**
 * Sharing is suspended (the user logged out, or logged out while this share was in progress):
 * nothing is served until `resumeAll()`. A share registered just before the logout stays in the
 * library and resumes at the next login.
 */
export class SharesSuspendedError extends Error {
  readonly code = 'ERR_SHARES_SUSPENDED';
  override readonly name = 'SharesSuspendedError';
}

/** The share manager was stopped for good. */
export class ShareManagerStoppedError extends Error {
  readonly code = 'ERR_SHARE_MANAGER_STOPPED';
  override readonly name = 'ShareManagerStoppedError';
}

/** Every error this directory raises. */
export type ShareError = NoUserError | BadUserIdError | SharesSuspendedError | ShareManagerStoppedError;

/** The stable codes of {@link ShareError}. */
export type ShareErrorCode = ShareError['code'];
