export * from './download.js';
// The share manager exports its own TrackerRequester; this one asks for other request types.
export type { TrackerRequester as DownloadTrackerRequester, DownloadInit, DownloadProgress, DownloadEvents } from './types.js';
