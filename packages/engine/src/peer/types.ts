/**
 * Shapes shared by the peer connection, its serving and fetching halves, and the peer server:
 * what a connection serves from (a {@link BlockSource}), the file it is about (a
 * {@link PeerFile}), and the events it emits.
 */
import type { KeyObject } from 'node:crypto';
import type { Duplex } from 'node:stream';

import { Bitfield, type MemberCertificatePayload } from '@groupshare/protocol';

import type { BlockRequest } from '../picker/types.js';
import type { SeedSource } from '../storage/index.js';
import type { PeerCloseInfo, ViolationInfo } from './errors.js';
import type { CertificateCredential } from './certificate-admission.js';
import type { FirstCopies } from './first-copies.js';
import type { Unchoker } from './unchoker.js';

/**
 * Where served blocks come from. A `PieceStore` (a download in progress: only verified pieces)
 * fits as it is; a complete shared file is wrapped by {@link seedBlockSource}.
 */
export interface BlockSource {
  /** Pieces we can serve. Live: read when advertising and on every request. */
  readonly have: Bitfield;
  /** Reads a block of a piece in `have`; may reject (file changed, store closed). */
  readBlock(index: number, begin: number, length: number): Promise<Buffer>;
  /**
   * Gives back a block from `readBlock` once its bytes are no longer read (sent, or dropped), so
   * its memory can be reused; a block never given back is simply collected (piece-cache.ts).
   */
  releaseBlock?(block: Uint8Array): void;
}

/** A complete shared file as a {@link BlockSource}: every piece present. */
export function seedBlockSource(seed: SeedSource): BlockSource {
  return {
    have: Bitfield.full(seed.pieceCount),
    readBlock: (index, begin, length) => seed.readBlock(index, begin, length),
    releaseBlock: (block) => seed.releaseBlock(block),
  };
}

/**
 * One file as a connection sees it. For an incoming connection it is what `lookup` returns for
 * the info-hash in the remote's handshake; for an outgoing one it is given up front.
 */
export interface PeerFile {
  /** Group the file is shared in: tickets must name it (or one of `otherGroupIds`). */
  groupId: string;
  /**
   * Further groups this user shares the same file in. The same content under the same name has
   * one info-hash in every group, and an incoming handshake names only the info-hash: a member
   * of any of these groups may fetch it.
   */
  otherGroupIds?: readonly string[];
  /** File size in bytes. */
  size: number;
  /** Bytes per piece; with `size` it fixes the piece count and every piece's length. */
  pieceLength: number;
  /** What we serve from; `source.have.pieceCount` must match the file's piece count. */
  source: BlockSource;
  /**
   * Our ticket for this file, from the tracker, when we want to fetch from the remote: sent as
   * `gs_ticket` in our extended handshake. Without it we only serve.
   */
  ticket?: string;
  /**
   * Without a ticket (no tracker reachable): our member certificate for the file's group and its
   * key, to be admitted by (certificate-admission.ts). Used on connections we open.
   */
  certificate?: CertificateCredential;
  /**
   * The file's bencoded info dictionary, served by BEP 9 `ut_metadata` to admitted peers (a
   * member starting a download with no tracker gets the piece hashes so; without it, refused),
   * and its whole-file SHA-1 (20 bytes), sent beside it as `gs_sha1`.
   */
  metadata?: { info: Uint8Array; sha1: Uint8Array };
  /**
   * Upload slots shared by the connections of this file (see `unchoker.ts`). Without one every
   * authenticated, interested peer is unchoked.
   */
  unchoker?: Unchoker;
  /**
   * The sharer's record of which connection each piece last went to (see `first-copies.ts`):
   * with one, a piece just uploaded to one downloader is refused to others for a moment. One
   * instance per file, shared by its connections. Without one every request is served.
   */
  firstCopies?: FirstCopies;
  /**
   * Where the connections of this file count what they upload and who is connected (see
   * {@link UploadCounter}); without one nothing is counted beyond each connection's `stats`.
   */
  uploads?: UploadCounter;
}

/**
 * What a file's connections report about serving it, for `list_shares`, the upload rate of
 * `show_downloads` and the client's log. `sent` is on the serving hot path (once per block):
 * implementations keep it to a counter add.
 */
export interface UploadCounter {
  /** A block of `bytes` was handed to the socket. */
  sent(bytes: number): void;
  /** A connection about this file passed admission (it is connected now). */
  opened(): void;
  /**
   * A connection counted by `opened` closed, having sent `bytes` of block data to `peer`
   * (`ip:port` of its peer server when known), whose ticket named `user` if it showed one.
   */
  closed(info: { peer: string; user?: string; bytes: number }): void;
}

/** Finds the file an incoming connection asks for; `undefined` closes the connection. */
export type PeerLookup = (infoHash: Buffer) => PeerFile | undefined;

/**
 * What the remote told us it has. `bitfield` (from bitfield, have_all or have_none) comes at
 * most once and before any `have`; `have` comes only for a piece not already set. So a rarity
 * map can add `bitfield` whole, add each `have`, and remove `remoteHas` when the peer leaves.
 */
export type HasUpdate = { type: 'bitfield'; bitfield: Bitfield } | { type: 'have'; index: number };

/**
 * A block that arrived for one of our requests. `data` may be a view of a socket's read buffer
 * that the next read overwrites (reused-read-socket.ts): copy what you keep before returning.
 */
export interface ReceivedBlock extends BlockRequest {
  data: Buffer;
}

/** Counters for `show_downloads` and logs. Bytes are everything on the wire; payload is block data. */
export interface PeerStats {
  bytesUp: number;
  bytesDown: number;
  payloadUp: number;
  payloadDown: number;
  blocksUp: number;
  blocksDown: number;
  violations: number;
}

/** What `ready` says about the remote once both handshakes are done. */
export interface PeerReadyInfo {
  /** The remote presented a valid ticket: we may serve it. */
  authorized: boolean;
  /** The user its ticket was issued to. */
  remoteUser?: string;
  /** Its BEP 10 `v`, when it sent one. */
  client?: string;
  /** BEP 6 negotiated on both sides. */
  fast: boolean;
  /** Largest block either side may request (both sides' `gs_block`, 16 KiB by default). */
  blockSize: number;
}

/** Events of a `PeerConnection`. Listener exceptions are caught and re-emitted as `error`. */
export interface PeerConnectionEvents {
  /** The remote's BEP 3 handshake was accepted. */
  handshake: [info: { peerId: Buffer; fast: boolean; extended: boolean }];
  /** Both handshakes done and the remote authenticated (or served-only): requests may start. */
  ready: [info: PeerReadyInfo];
  /** We refused the remote (ticket missing or invalid); `closed` follows with the same info. */
  refused: [info: PeerCloseInfo];
  /** The remote announced pieces; {@link HasUpdate} explains the order. */
  has: [update: HasUpdate];
  /** The remote choked (true) or unchoked (false) us. */
  peerChoking: [choking: boolean];
  /** The remote became interested (true) or not interested (false) in us. */
  peerInterested: [interested: boolean];
  /** A block we requested arrived. */
  block: [block: ReceivedBlock];
  /** The remote rejected one of our requests (BEP 6); re-queue it elsewhere. */
  rejected: [request: BlockRequest];
  /** Our outstanding requests died unanswered (choke without fast, or close): re-queue them. */
  requestsDropped: [requests: BlockRequest[]];
  /** We sent a block to the remote. */
  served: [request: BlockRequest];
  /** Reading a block to serve failed (file changed or store closed); the request was rejected. */
  serveFailed: [info: { request: BlockRequest; error: unknown }];
  /** The remote made a counted mistake. */
  violation: [info: ViolationInfo];
  /** The connection is over; emitted exactly once. */
  closed: [info: PeerCloseInfo];
  /** A bug or a listener's exception, caught so it could not break the socket handling. */
  error: [err: unknown];
}

/** Components and limits of a connection; every limit has a default in `constants.ts`. */
export interface PeerConnectionOptions {
  /** The transport: a `net.Socket`, or any Duplex (tests pipe two connections together). */
  socket: Duplex;
  /** Our 20-byte peer id (`createPeerId`). */
  peerId: Uint8Array;
  /** The trackers' ticket public key (`ticketPublicKey` of what login returned). */
  ticketKey: KeyObject;
  /** Clock for ticket expiry, ms since the epoch. */
  now?: () => number;
  handshakeTimeoutMs?: number;
  keepAliveMs?: number;
  idleTimeoutMs?: number;
  /** The `reqq` we advertise (1–2048). */
  maxQueuedRequests?: number;
  /** The `gs_block` we advertise (16 KiB–1 MiB). */
  maxBlock?: number;
  /**
   * Our peer server's port, sent as BEP 10 `p`: a peer that receives our connection can tell it
   * is the peer the tracker lists at our address, and use it instead of dialling us again.
   */
  listenPort?: number;
  /** Violations tolerated before closing. */
  maxViolations?: number;
  /** Our user: a member certificate naming it is refused (certificate-admission.ts). */
  selfUser?: string;
  /**
   * A further check on a member certificate that passed the others (certificate-admission.ts's
   * `extraCheck`): a reason refuses it. The peer node refuses certificates of a group-key epoch
   * older than the one it holds, i.e. of a member who has left since.
   */
  certificateCheck?: (cert: MemberCertificatePayload) => string | undefined;
}

/** Outgoing: the file is known. Incoming: it is found from the remote's handshake. */
export type PeerConnectionInit = PeerConnectionOptions &
  ({ infoHash: Uint8Array; file: PeerFile; lookup?: undefined } | { lookup: PeerLookup; infoHash?: undefined; file?: undefined });
