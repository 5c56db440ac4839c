/**
 * The peers of one download and the request loop over them (docs/architecture.md →
 * Downloading and Integrity).
 *
 * Each peer is one `PeerConnection` named by the `host:port` its peer server listens on: one we
 * dialled (`add`), or one the peer dialled to us and our peer server handed over (`adopt`),
 * named from its address and the listen port in its BEP 10 handshake. As in BitTorrent, one
 * connection carries both directions, so a peer that found us first is not dialled again and two
 * members who start together trade over it from the start. Its `has` updates feed the
 * picker's rarity map; whenever a peer may take more requests (ready, unchoked, a block arrived,
 * a request failed) it is "pumped": once a quarter of its pipeline is free, the picker chooses up
 * to its pipeline depth minus its requests in flight, the depth coming from the peer's measured
 * rate and its smallest observed request latency (`pipelineDepth`). A peer that had the whole
 * file when it joined is a seed to the picker, asked only for pieces no partial peer has unless
 * the partial peers lag behind (`seed-share.ts`). Arriving blocks are checked
 * against the ledger and copied into the piece being assembled in memory; the complete piece is
 * hashed there and, only if it matches, written to the store in one write.
 *
 * Bad data: a piece failing its hash is reset and fetched again, and `smart-ban.ts` decides
 * who is dropped for it. Requests outstanding past the time-out, rejected, or dropped by a choke
 * or a close go back to the ledger and are asked elsewhere.
 */
import { Bitfield, pieceSize } from '@groupshare/protocol';

import { PeerConnection, watchPeer, type BlockSource, type CertificateCredential, type PeerCloseInfo, type PeerEventSink, type ReceivedBlock, type UploadCounter } from '../peer/index.js';
import { PiecePicker, pipelineDepth, type BlockRequest } from '../picker/index.js';
import type { PieceStore } from '../storage/index.js';
import type { Duplex } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import { RateMeter } from './rate.js';
import { copyIntoShared } from './copy-into-shared.js';
import { askSeedForShared } from './seed-share.js';
import { SmartBan } from './smart-ban.js';

/** Most pieces waiting to be written before no more blocks are requested (see `pump`). */
const MAX_PENDING_WRITES = 16;

/** Most piece buffers kept for reuse (see `spare`). */
const MAX_SPARE_PIECES = 32;

/** How long a piece a peer rejected is not asked of that peer again (see the `rejected` handler). */
export const REJECT_DECLINE_MS = 1_000;

/** Pieces a peer may have declined at once before it is not asked for anything for a while. */
const MAX_DECLINED = 4;

/** The least time's worth of data (at a peer's rate) kept requested from it; see `pump`. */
export const MIN_QUEUE_MS = 50;

export interface SwarmInit {
  store: PieceStore;
  source: BlockSource;
  infoHash: Buffer;
  groupId: string;
  size: number;
  pieceLength: number;
  peerId: Uint8Array;
  ticketKey: KeyObject;
  connect: (host: string, port: number) => Duplex;
  now: () => number;
  rng: () => number;
  requestTimeoutMs: number;
  handshakeTimeoutMs?: number;
  /** Our peer server's port, told to the peers we dial (see PeerConnectionOptions.listenPort). */
  listenPort?: number;
  /** Where each connection's violations and unusual close are reported (the client's log). */
  onPeerEvent?: PeerEventSink;
  onVerified: (index: number) => void;
  onError: (err: unknown) => void;
  /** Where the connections count what they upload (the download's tally). */
  uploads?: UploadCounter;
  /** A peer's connection is ready to fetch over (dialled and ready, or adopted). */
  onPeerReady?: (id: string) => void;
  /** Our member certificate, shown to peers we dial when we hold no ticket (no tracker reachable). */
  certificate?: CertificateCredential;
}

interface Peer {
  readonly id: string;
  readonly conn: PeerConnection;
  readonly rate: RateMeter;
  minLatencyMs: number;
  /** Its pipeline depth at the last pump (see `onBlock`). */
  depth: number;
  blocks: number;
  holdUntil: number;
  /** Pieces it rejected a request for, and until when they are not asked of it again. */
  readonly declined: Map<number, number>;
}

export class Swarm {
  readonly picker: PiecePicker;
  readonly peers = new Map<string, Peer>();
  /** Who is dropped for bad data (smart-ban.ts). */
  private readonly smartBan: SmartBan;
  /**
   * Connections peers dialled to us that we do not fetch over, because we had dialled that peer
   * ourselves first (both dialled at once). We still serve over them, and the peer fetches over
   * them: they must hear of every piece we verify, or the peer never learns what we have.
   */
  private readonly servingOnly = new Set<PeerConnection>();
  /** Blocks received (new ones, written) per peer address, over the whole download. */
  readonly blocksFrom = new Map<string, number>();
  /** The same in bytes. */
  readonly bytesFrom = new Map<string, number>();
  /** Pieces that failed their hash check (each failure counted, also of one piece retried). */
  piecesFailed = 0;
  readonly rate = new RateMeter();
  /** Who sent each block written so far of pieces not yet verified: piece → begin → peer. */
  private readonly senders = new Map<number, Map<number, string>>();
  /**
   * Pieces being received, assembled in memory and written whole once complete and verified: one
   * write per piece and no read-back (per-block writes and re-reading each piece to hash it were
   * most of a download's CPU). Bounded by the pieces in flight, each at most one piece long.
   */
  private readonly assembling = new Map<number, Buffer>();
  /**
   * Piece buffers whose write finished, for reuse. Allocating a fresh one per piece made the
   * client's RSS grow with the file (a 1 GiB download peaked near 600 MiB: freed 512 KiB chunks
   * are not returned to the system promptly), so full-length buffers are recycled.
   */
  private readonly spare: Buffer[] = [];
  /** Pieces handed to the store and not yet written. */
  private writing = 0;
  /** When the last new block from a partial (non-seed) peer arrived (see `seed-share.ts`). */
  private lastPartialBlockAt = -Infinity;
  /** The highest value `rate` has shown, sampled when a seed is pumped (see `seed-share.ts`). */
  private bestRate = 0;
  private stopped = false;

  constructor(private readonly init: SwarmInit) {
    this.smartBan = new SmartBan({
      rng: init.rng,
      blockLength: (index, begin) => this.picker.blocks.expectedLength(index, begin),
      drop: (peer, reason) => this.peers.get(peer)?.conn.close(`dropped for bad data: ${reason}`),
    });
    this.picker = new PiecePicker({ size: init.size, pieceLength: init.pieceLength, banned: (p, i) => this.smartBan.bannedFor(p, i) || this.declines(p, i) });
    for (const i of init.store.have.indices()) this.picker.availability.exclude(i);
  }

  /** Peers dropped for bad data: never reconnected in this download. */
  get bannedPeers(): ReadonlySet<string> {
    return this.smartBan.banned;
  }

  /** Connects to `host:port` unless already connected or banned; with no `ticket`, admitted by our certificate. */
  add(id: string, host: string, port: number, ticket: string | undefined): void {
    if (this.stopped || this.peers.has(id) || this.bannedPeers.has(id)) return;
    const { init } = this;
    const conn = new PeerConnection({
      socket: init.connect(host, port), peerId: init.peerId, ticketKey: init.ticketKey, now: init.now,
      ...(init.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: init.handshakeTimeoutMs } : {}),
      ...(init.listenPort !== undefined ? { listenPort: init.listenPort } : {}),
      infoHash: init.infoHash,
      file: {
        groupId: init.groupId, size: init.size, pieceLength: init.pieceLength, source: init.source, ...(ticket !== undefined ? { ticket } : {}),
        ...(init.certificate !== undefined ? { certificate: init.certificate } : {}), ...(init.uploads !== undefined ? { uploads: init.uploads } : {}),
      },
    });
    const peer = this.track(id, conn);
    conn.on('ready', () => {
      init.onPeerReady?.(id);
      conn.setInterested(!init.store.complete());
      this.pump(peer);
    });
    conn.start();
  }

  /**
   * Fetches over a connection the peer opened to us, once it is ready (both sides admitted).
   * False, leaving it to serve only, if we are stopped, it is banned, or we already have a
   * connection to that peer (it is then still told of every piece we verify: see `servingOnly`).
   */
  adopt(conn: PeerConnection): boolean {
    const id = incomingPeerId(conn);
    if (this.stopped || conn.state !== 'open' || this.bannedPeers.has(id)) return false;
    if (this.peers.has(id)) {
      this.servingOnly.add(conn);
      conn.once('closed', () => this.servingOnly.delete(conn));
      return false;
    }
    const peer = this.track(id, conn);
    this.init.onPeerReady?.(id);
    const known = conn.remoteHas;
    if (known !== undefined && known.count() > 0) this.picker.addPeer(id, known); // a bitfield that came first
    conn.setInterested(!this.init.store.complete());
    this.pump(peer);
    return true;
  }

  /** Adds `conn` to the peers and routes its events to the request loop. */
  private track(id: string, conn: PeerConnection): Peer {
    const { init } = this;
    const peer: Peer = { id, conn, rate: new RateMeter(), minLatencyMs: Infinity, depth: 0, blocks: 0, holdUntil: 0, declined: new Map() };
    this.peers.set(id, peer);
    if (init.onPeerEvent !== undefined) watchPeer(conn, id, init.onPeerEvent);
    conn.on('error', (err) => init.onError(err));
    conn.on('has', (u) => {
      if (u.type === 'bitfield') this.picker.addPeer(id, u.bitfield);
      else this.picker.peerHave(id, u.index);
      this.pump(peer);
    });
    conn.on('peerChoking', (choking) => {
      if (choking) this.releaseAll(peer);
      else this.pump(peer);
    });
    conn.on('block', (b) => this.onBlock(peer, b));
    // A reject (BEP 6) says "not this one, not now": a sharer handing each piece out once
    // (first-copies.ts), a full queue, a read that failed. That piece is not asked of the peer
    // for a second, the others still are; a peer declining several pieces at once is not asked
    // for anything for a second, so a peer that rejects everything costs no request storm.
    conn.on('rejected', (r) => {
      const now = init.now();
      this.picker.blocks.release(id, r.index, r.begin);
      // A seed refusing: another downloader takes the same pieces from it (see PiecePicker.fileOrder).
      if (this.picker.isSeed(id)) this.picker.fileOrder = false;
      for (const [i, until] of peer.declined) if (until <= now) peer.declined.delete(i);
      peer.declined.set(r.index, now + REJECT_DECLINE_MS);
      if (peer.declined.size >= MAX_DECLINED) peer.holdUntil = now + REJECT_DECLINE_MS;
      this.pumpAll();
    });
    conn.on('requestsDropped', (rs) => this.release(peer, rs));
    conn.on('closed', (info) => this.onClosed(peer, info));
    return peer;
  }

  /** True if `peerId` rejected piece `index` less than REJECT_DECLINE_MS ago. */
  private declines(peerId: string, index: number): boolean {
    const declined = this.peers.get(peerId)?.declined;
    if (declined === undefined || declined.size === 0) return false;
    const until = declined.get(index);
    return until !== undefined && until > this.init.now();
  }

  /** Number of connected (not closed) peers. */
  get size(): number {
    return this.peers.size;
  }

  /** Tries to fill every peer's pipeline. */
  pumpAll(): void {
    for (const peer of this.peers.values()) this.pump(peer);
    this.liftBansIfStuck();
  }

  /** Gives up requests outstanding for longer than the time-out and asks for them again. */
  checkTimeouts(): void {
    const expired = this.picker.blocks.expired(this.init.now(), this.init.requestTimeoutMs);
    for (const r of expired) {
      this.picker.blocks.release(r.peer, r.index, r.begin);
      this.peers.get(r.peer)?.conn.cancel(r.index, r.begin, r.length);
    }
    this.pumpAll();
  }

  /** Sends `have` to every connected peer, over the connections we fetch over and those we only serve over. */
  announce(index: number): void {
    for (const p of this.peers.values()) p.conn.announceHave(index);
    for (const conn of this.servingOnly) conn.announceHave(index);
  }

  /** The download is complete: no longer interested in anyone. */
  completed(): void {
    for (const p of this.peers.values()) {
      this.releaseAll(p);
      p.conn.setInterested(false);
    }
  }

  /** Closes every connection. */
  close(): void {
    this.stopped = true;
    this.servingOnly.clear(); // the peer server's connections: they go on serving what is verified
    this.assembling.clear();
    for (const p of [...this.peers.values()]) p.conn.close('the download stopped');
  }

  private pump(peer: Peer): void {
    const { conn, id } = peer;
    const now = this.init.now();
    const peerHas = conn.remoteHas;
    if (this.stopped || conn.state !== 'open' || conn.peerChoking || peerHas === undefined || now < peer.holdUntil) return;
    if (this.init.store.complete()) return;
    // Backpressure: when the disk falls behind the network, request nothing more until it catches
    // up, or pieces waiting to be written pile up in memory (a 1 GiB download reached 770 MiB).
    if (this.writing >= MAX_PENDING_WRITES) return;
    // At least 50 ms: the smallest latency seen on a fast link (under 1 ms on a LAN) leaves no
    // room for the seeder's disk reads and queueing, and the link idles (libtorrent queues 3 s).
    const rttMs = Number.isFinite(peer.minLatencyMs) ? Math.max(peer.minLatencyMs, MIN_QUEUE_MS) : 0;
    const depth = (peer.depth = pipelineDepth({ bytesPerSecond: peer.rate.rate(now), rttMs, blockSize: conn.blockSize }));
    const count = requestsDue(depth, this.picker.blocks.inFlightCount(id));
    if (count === 0) return;
    const askSeed = this.picker.isSeed(id) && this.seedMayShare(now);
    const picks = this.picker.pickBlocks({ peer: id, peerHas, have: this.init.store.have, count, now, rng: this.init.rng, askSeedForShared: askSeed });
    for (const r of picks) {
      if (!conn.request(r.index, r.begin, r.length)) this.picker.blocks.release(id, r.index, r.begin);
    }
  }

  /** Whether seeds may be asked for pieces partial peers have too, from the rates now. */
  private seedMayShare(now: number): boolean {
    this.bestRate = Math.max(this.bestRate, this.rate.rate(now));
    let partialBytesPerSecond = 0;
    for (const p of this.peers.values()) if (!this.picker.isSeed(p.id)) partialBytesPerSecond += p.rate.rate(now);
    return askSeedForShared({ now, partialBytesPerSecond, bestBytesPerSecond: this.bestRate, lastPartialBlockAt: this.lastPartialBlockAt });
  }

  private onBlock(peer: Peer, b: ReceivedBlock): void {
    const now = this.init.now();
    const { blocks } = this.picker;
    if (blocks.expectedLength(b.index, b.begin) !== b.length || b.data.length !== b.length) return;
    const requestedAt = blocks.requestedAt(b.index, b.begin, peer.id);
    if (requestedAt !== undefined) peer.minLatencyMs = Math.min(peer.minLatencyMs, Math.max(1, now - requestedAt));
    peer.rate.add(b.length, now);
    this.rate.add(b.length, now);
    const arrival = this.picker.onBlock(b.index, b.begin, peer.id);
    for (const other of arrival.cancel) this.peers.get(other)?.conn.cancel(b.index, b.begin, b.length);
    if (arrival.isNew) {
      peer.blocks++;
      if (!this.picker.isSeed(peer.id)) this.lastPartialBlockAt = now;
      this.blocksFrom.set(peer.id, (this.blocksFrom.get(peer.id) ?? 0) + 1);
      this.bytesFrom.set(peer.id, (this.bytesFrom.get(peer.id) ?? 0) + b.length);
      let sent = this.senders.get(b.index);
      if (sent === undefined) this.senders.set(b.index, (sent = new Map()));
      sent.set(b.begin, peer.id);
      let piece = this.assembling.get(b.index);
      if (piece === undefined) this.assembling.set(b.index, (piece = this.pieceBuffer(b.index)));
      copyIntoShared(piece, b.begin, b.data);
      if (blocks.pieceBlocksDone(b.index)) {
        this.assembling.delete(b.index);
        const done = piece;
        this.writing++;
        this.init.store.writePiece(b.index, done).then(
          (ok) => {
            this.writeDone();
            if (ok) this.verified(b.index, done);
            else this.failed(b.index, done);
            this.recycle(done);
          },
          (err: unknown) => {
            this.writeDone();
            this.onStoreError(err);
          },
        );
      }
    }
    // Pumped only when pump would request something at the depth it last computed: calling it for
    // every block, to compute the depth and return, was a tenth of the main thread's time (perf).
    if (peer.depth === 0 || requestsDue(peer.depth, blocks.inFlightCount(peer.id)) > 0) this.pump(peer);
  }

  private verified(index: number, piece: Buffer): void {
    if (this.stopped) return;
    // Endgame copies still in flight: cancel them (read before the ledger forgets the piece).
    const { blocks } = this.picker;
    for (const { begin, peers } of [...blocks.inFlight(index)]) {
      const length = blocks.expectedLength(index, begin) as number;
      for (const id of peers.keys()) this.peers.get(id)?.conn.cancel(index, begin, length);
    }
    this.picker.pieceVerified(index);
    this.senders.delete(index);
    this.smartBan.pieceVerified(index, piece);
    this.init.onVerified(index);
    this.pumpAll();
  }

  private failed(index: number, piece: Buffer): void {
    if (this.stopped) return;
    this.piecesFailed++;
    const sent = this.senders.get(index) ?? new Map<number, string>();
    this.senders.delete(index);
    const contributors = this.picker.pieceFailed(index);
    const suspects = this.smartBan.pieceFailed(index, piece, contributors, sent, (id) => this.peers.has(id));
    for (const id of suspects) this.peers.get(id)?.conn.penalize(`piece ${index} failed its hash check`);
    this.pumpAll();
  }

  /** A piece write finished: if requests were held back for the disk, send them now. */
  private writeDone(): void {
    this.writing--;
    if (this.writing === MAX_PENDING_WRITES - 1 && !this.stopped) this.pumpAll();
  }

  /**
   * A buffer to assemble piece `index` in. Shared memory: the store checks the piece's SHA-1 on
   * a worker thread (storage/piece-verifier.ts), which a SharedArrayBuffer reaches without a copy.
   */
  private pieceBuffer(index: number): Buffer {
    const length = pieceSize(index, this.init.size, this.init.pieceLength);
    const spare = length === this.init.pieceLength ? this.spare.pop() : undefined;
    return spare ?? Buffer.from(new SharedArrayBuffer(length));
  }

  private recycle(piece: Buffer): void {
    if (piece.length === this.init.pieceLength && this.spare.length < MAX_SPARE_PIECES && !this.stopped) this.spare.push(piece);
  }

  /** If no request is in flight and some piece is wanted only from peers banned for it, unban it. */
  private liftBansIfStuck(): void {
    if (!this.smartBan.hasPieceBans || this.init.store.complete()) return;
    for (const p of this.peers.values()) if (this.picker.blocks.inFlightCount(p.id) > 0) return;
    this.smartBan.liftAll();
    for (const peer of this.peers.values()) this.pump(peer);
  }

  private onStoreError(err: unknown): void {
    if (!this.stopped) this.init.onError(err);
  }

  private release(peer: Peer, rs: readonly BlockRequest[]): void {
    for (const r of rs) this.picker.blocks.release(peer.id, r.index, r.begin);
    this.pumpAll();
  }

  private releaseAll(peer: Peer): void {
    for (const r of this.picker.blocks.requestsOf(peer.id)) {
      this.picker.blocks.release(peer.id, r.index, r.begin);
      peer.conn.cancel(r.index, r.begin, r.length);
    }
  }

  private onClosed(peer: Peer, _info: PeerCloseInfo): void {
    this.peers.delete(peer.id);
    this.smartBan.peerLeft(peer.id);
    this.picker.peerLeft(peer.id, peer.conn.remoteHas ?? new Bitfield(this.picker.blocks.pieceCount));
    if (!this.stopped) this.pumpAll();
  }
}

/**
 * The name of a peer that connected to us: `ip:port` of its peer server when its handshake said
 * the port (so it matches the tracker's listing), else its connection's own address.
 */
function incomingPeerId(conn: PeerConnection): string {
  return conn.remotePeerAddress;
}

/**
 * How many requests to send a peer with `inFlight` of a pipeline of `depth`: none until a quarter
 * of it is free (or it is empty), so the pipeline is topped up in batches, one pick and one write
 * of requests per batch instead of per arriving block.
 */
function requestsDue(depth: number, inFlight: number): number {
  const count = depth - inFlight;
  return count <= 0 || (inFlight > 0 && count < Math.max(1, depth >> 2)) ? 0 : count;
}

