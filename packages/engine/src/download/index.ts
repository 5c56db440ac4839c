export * from './download.js';
// The share manager exports its own TrackerRequester; this one asks for other request types.
export type { TrackerRequester as DownloadTrackerRequester, DownloadInit, DownloadProgress, DownloadEvents } from './types.js';
export { UploadTally, type PeerUpload } from './upload-tally.js';
export { NoSuchDownloadError, DownloadCompleteError, type DownloadError } from './errors.js';
export type { CancelledDownload, PartialDecision } from './cancel-download.js';
export type { PartialData } from './partial-files.js';
