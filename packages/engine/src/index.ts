/**
 * @groupshare/engine: the client library a front end (the shell today, a web UI next) drives.
 * No terminal I/O: a typed API and events.
 *
 * - `TrackerLink`: one logical connection to the trackers, with failover and session resume.
 * - `PeerNode`: one peer as a user runs it: the peer server, the share library (what this peer
 *   serves, again at every login), and downloads (rarest first from several peers, every piece
 *   verified and served at once, resumable, cancellable).
 * - The peer wire codec and a peer id, which test tools use to speak to peers directly.
 *
 * Everything else (picker, storage, connections) is internal and may change without notice.
 */
export {
  BadReplyError,
  ConnectionLostError,
  LinkStoppedError,
  RequestTimeoutError,
  TrackerLink,
  TrackerUnavailableError,
  type BackoffOptions,
  type LinkError,
  type LinkErrorCode,
  type LinkSession,
  type RequestFields,
  type TrackerLinkEvents,
  type TrackerLinkInit,
  type TrackerRef,
} from './tracker-link/index.js';

export { PeerNode, type DownloadEntry, type PeerNodeInit } from './peer-node.js';
export type { ServedFileRow } from './served-files.js';
export {
  Download,
  DownloadCompleteError,
  NoSuchDownloadError,
  type CancelledDownload,
  type DownloadError,
  type DownloadEvents,
  type DownloadInit,
  type DownloadProgress,
  type PartialData,
  type PartialDecision,
  type PeerUpload,
} from './download/index.js';
export {
  ShareManager,
  type LibraryStatus,
  type ShareFailure,
  type ShareFailureReason,
  type SharedFileInfo,
  type ShareManagerEvents,
  type ShareResult,
  type SharesResumeReport,
} from './share/index.js';
export { createPeerId, type PeerEvent, type PeerEventSink } from './peer/index.js';
/** The on-disk piece store of a download, for tools that prepare or inspect partial downloads. */
export { PieceStore } from './storage/index.js';
export {
  WireDecoder,
  encodeHandshake,
  encodeMessage,
  extendedHandshakeMessage,
  type ExtendedHandshakeInit,
  type WireFrame,
  type WireMessage,
} from './wire/index.js';
export {
  LAN_DEFAULTS,
  LanDownloadError,
  LanInterfaceError,
  LanSocketError,
  type LanCatalogFile,
  type LanDownloadErrorCode,
  type LanStart,
  type LanOptions,
  type LanPeer,
  type LanTransportOptions,
} from './lan/index.js';
export {
  SyncBindingError,
  SyncManager,
  isSyncVersionName,
  type SyncBinding,
  type SyncEvent,
  type SyncStatus,
  type SyncWatcherOptions,
} from './sync/index.js';
