/**
 * Peer connections: the BitTorrent peer wire (BEP 3, 6, 10) between groupshare clients, one
 * connection per remote peer per file, serving and fetching at once, with tracker-signed
 * tickets deciding whom we serve. Built on the codec in `../wire` and the block sources in
 * `../storage`; the download and share managers drive it.
 */
export { PeerConnection, type PeerConnectionState } from './peer-connection.js';
export { PeerServer, type PeerServerEvents, type PeerServerInit } from './peer-server.js';
export { PEER_ID_PREFIX, createPeerId, isGroupsharePeerId } from './peer-id.js';
export { SlotUnchoker, unlimitedUnchoker, type Unchoker } from './unchoker.js';
export { FIRST_COPY_WINDOW_MS, FirstCopies, type FirstCopiesInit } from './first-copies.js';
export { admitRemote, type AdmissionInput, type Admitted } from './admission.js';
export { PROOF_CONTEXT, admitByCertificate, proveCertificate, type CertificateAdmissionInput, type CertificateCredential } from './certificate-admission.js';
export { MetadataFetchError, fetchMetadata, type FetchedMetadata, type MetadataFetchInit } from './metadata-fetch.js';
export { seedBlockSource } from './types.js';
export { connectReusingReadBuffer } from './reused-read-socket.js';
export type * from './types.js';
export type * from './errors.js';
export {
  CLIENT_NAME,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_MS,
  DEFAULT_MAX_BLOCK,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_PER_ADDRESS,
  DEFAULT_MAX_QUEUED_REQUESTS,
  DEFAULT_MAX_VIOLATIONS,
  DEFAULT_REMOTE_REQQ,
  DEFAULT_UPLOAD_SLOTS,
} from './constants.js';
export { remoteName, watchPeer, type PeerEvent, type PeerEventSink } from './peer-events.js';
