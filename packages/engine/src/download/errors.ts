/**
 * Errors of managing downloads (cancel), one class per condition with a stable `code`. Their
 * messages are sentences a user can read as they are: the shell prints them unchanged.
 */

/** No download of that file is running or remembered for this user. */
export class NoSuchDownloadError extends Error {
  readonly code = 'ERR_NO_SUCH_DOWNLOAD';
  override readonly name = 'NoSuchDownloadError';
}

/** The download is complete: there is nothing to cancel, and its file is never deleted. */
export class DownloadCompleteError extends Error {
  readonly code = 'ERR_DOWNLOAD_COMPLETE';
  override readonly name = 'DownloadCompleteError';
}

/** Every error this directory raises. */
export type DownloadError = NoSuchDownloadError | DownloadCompleteError;
