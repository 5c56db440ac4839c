/**
 * Shapes of the download manager: the tracker requests it needs (a narrow view of
 * `TrackerLink.request`, so tests answer them from plain data), its options and its events.
 */
import type { CertificateCredential, PeerEventSink } from '../peer/index.js';
import type { KeyObject } from 'node:crypto';
import type { Duplex } from 'node:stream';

import type { Result } from '@groupshare/protocol';

/** The three tracker requests a download makes; `TrackerLink` satisfies it. */
export interface TrackerRequester {
  request(type: 'get_file', fields: { groupId: string; name: string }): Promise<Result<'get_file'>>;
  request(type: 'get_peers', fields: { groupId: string; infoHash: string }): Promise<Result<'get_peers'>>;
  request(type: 'update_pieces', fields: { groupId: string; infoHash: string; have: number[] }): Promise<Result<'update_pieces'>>;
}

/** What a {@link Download} is started with. */
export interface DownloadInit {
  link: TrackerRequester;
  groupId: string;
  /** File name in the group; also the name it gets in `dir`. */
  name: string;
  /** Destination directory (the partial and resume-state files live there too). */
  dir: string;
  /** Our 20-byte peer id (`createPeerId`). */
  peerId: Uint8Array;
  /** The trackers' ticket public key. */
  ticketKey: KeyObject;
  /** Our own peer address (`host:port`): skipped in peer lists; its port is told to the peers we dial (BEP 10 `p`). */
  selfAddress?: string;
  /** Opens a connection to a peer; default `net.connect`. Any Duplex will do (tests pass in-memory pairs). */
  connect?: (host: string, port: number) => Duplex;
  /** Clock, ms since the epoch; default `Date.now`. */
  now?: () => number;
  /** Uniform numbers in [0, 1); default `Math.random`. */
  rng?: () => number;
  /** Where peer connections' violations and unusual closes are reported (the client's log). */
  onPeerEvent?: PeerEventSink;
  /** How often to ask the tracker for peers again; default 10 s. */
  peerRefreshMs?: number;
  /** A request unanswered this long is given up and asked elsewhere; default 20 s. */
  requestTimeoutMs?: number;
  /** Most peers connected at once; default 8. */
  maxPeers?: number;
  /** Delay before verified pieces are reported to the tracker; default 1 s. */
  haveBatchMs?: number;
  /** Handshake timeout for peer connections (tests shorten it). */
  handshakeTimeoutMs?: number;
  /** How long pieces may lack an online holder before the download reports itself stalled; default 60 s. */
  stallAfterMs?: number;
  /** Addresses of members offering the file `infoHash` on the LAN (docs/lan.md), joined beside the tracker's peers. */
  lanPeers?: (infoHash: string) => readonly string[];
  /**
   * Starting with no tracker reachable (docs/lan.md): the file's metadata, fetched from a LAN
   * peer and checked against its info-hash, in place of `get_file`; and our member certificate,
   * to be admitted by LAN peers in place of a ticket. The tracker is still asked for peers at
   * each refresh: once one answers, its ticket and peers are used as usual.
   */
  offline?: { meta: DownloadMeta; certificate: CertificateCredential };
}

/** A file's metadata as a download needs it (what `get_file` gives). */
export interface DownloadMeta {
  infoHash: string;
  size: number;
  /** Whole-file SHA-1, hex. */
  sha1: string;
  pieceLength: number;
  /** Concatenated piece SHA-1s, hex. */
  pieces: string;
}

/** Snapshot for `show_downloads`. */
export interface DownloadProgress {
  /** Pieces verified, of `total`. */
  verified: number;
  total: number;
  /** Download rate (block bytes received, decaying over about two seconds). */
  bytesPerSecond: number;
  /** Peers connected that we fetch from. */
  peers: number;
  /** Bytes of the verified pieces, of `bytesTotal` (the file's size; 0 until the metadata came). */
  bytesDone: number;
  bytesTotal: number;
  /** Upload rate of this file's verified pieces to other peers. */
  uploadBytesPerSecond: number;
  /**
   * `downloading` until every piece is verified (also before start, after a failure or stop);
   * `checking` while the whole-file SHA-1 is computed and the file moved into place;
   * `seeding` once it is there (complete, still served).
   */
  phase: 'downloading' | 'checking' | 'seeding';
  /** Set while some missing pieces have no online holder (the download waits for one). */
  stalled?: { reason: string; since: number };
}

/** Events of a {@link Download}. */
export interface DownloadEvents {
  progress: [progress: DownloadProgress];
  pieceVerified: [info: { index: number }];
  /** A connection to `peer` (`ip:port`) is ready to fetch over (dialled or adopted). */
  peerConnected: [info: { peer: string }];
  completed: [info: { path: string }];
  failed: [info: { reason: string }];
  /** Missing pieces have had no online holder for `stallAfterMs`; the download keeps waiting. */
  stalled: [info: { reason: string }];
  /** A holder of every missing piece is online again. */
  unstalled: [];
}
