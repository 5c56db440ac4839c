/**
 * Block reservations for one download: which 16 KiB blocks of which pieces are requested from
 * which peer and since when, and which have arrived.
 *
 * Why a separate ledger: the picker must never hand the same free block to two peers (outside
 * endgame), must prefer pieces already started, and the download manager must find stalled
 * requests and the blocks of a peer that left. All of that is bookkeeping over the same state,
 * kept here with no I/O and `now` passed in, so it is tested exactly.
 *
 * Only *started* pieces (some block received or in flight) have state; a piece whose last
 * request is released with nothing received goes back to "not started", so rarest-first can
 * choose it again. A block is FREE, REQUESTED (from one peer, or several in endgame) or
 * RECEIVED. This layer records duplicates but never creates them: policy is the picker's.
 */
import { BLOCK_SIZE, blockCount, blockSize, pieceCount, pieceSize } from '@groupshare/protocol';

import type { BlockArrival, BlockRequest, PeerId, TimedOutRequest } from './types.js';

/** File geometry the ledger needs. */
export interface BlockReservationsInit {
  /** File size in bytes. */
  size: number;
  /** Piece length in bytes. */
  pieceLength: number;
}

/** Block states in {@link PieceState.state}. */
const FREE = 0, REQUESTED = 1, RECEIVED = 2;

interface PieceState {
  readonly length: number;
  readonly state: Uint8Array;
  /** block → (peer → requestedAt), only for blocks in flight. */
  readonly requests: Map<number, Map<PeerId, number>>;
  received: number;
  free: number;
  /** Peers that delivered at least one block, so a failed hash check knows whom to suspect. */
  readonly contributors: Set<PeerId>;
}

/** Which blocks of one download are requested from which peer and when, and which arrived. */
export class BlockReservations {
  /** Number of pieces in the file. */
  readonly pieceCount: number;
  private readonly size: number;
  private readonly pieceLength: number;
  private readonly perPiece: number;
  private readonly pieces = new Map<number, PieceState>();
  /** peer → keys (index · perPiece + block) of the blocks it has in flight. */
  private readonly byPeer = new Map<PeerId, Set<number>>();

  /** @throws {RangeError} if the geometry is invalid (as for `pieceCount` in @groupshare/protocol). */
  constructor(init: BlockReservationsInit) {
    this.pieceCount = pieceCount(init.size, init.pieceLength);
    this.size = init.size;
    this.pieceLength = init.pieceLength;
    this.perPiece = blockCount(init.pieceLength);
  }

  /** Number of blocks in piece `index`. */
  blocksIn(index: number): number {
    return blockCount(pieceSize(index, this.size, this.pieceLength));
  }

  /** The length of the block at `begin` in piece `index`, or undefined if that is not a block boundary of the file. */
  expectedLength(index: number, begin: number): number | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.pieceCount) return undefined;
    if (!Number.isInteger(begin) || begin < 0 || begin % BLOCK_SIZE !== 0) return undefined;
    const length = pieceSize(index, this.size, this.pieceLength);
    const block = begin / BLOCK_SIZE;
    return block < blockCount(length) ? blockSize(block, length) : undefined;
  }

  /** True if piece `index` has a block received or in flight. */
  isStarted(index: number): boolean {
    return this.pieces.has(index);
  }

  /** Started pieces, oldest first (so the picker finishes them in the order it began them). */
  started(): IterableIterator<number> {
    return this.pieces.keys();
  }

  /** Free blocks in piece `index` (all of them if it is not started). */
  freeCount(index: number): number {
    return this.pieces.get(index)?.free ?? this.blocksIn(index);
  }

  /** Offsets (`begin`) of the free blocks of piece `index`, ascending. Safe to reserve while iterating. */
  *freeBlocks(index: number): Generator<number, void, undefined> {
    const piece = this.pieces.get(index);
    const n = piece?.state.length ?? this.blocksIn(index);
    for (let b = 0; b < n; b++) {
      if (piece === undefined || piece.state[b] === FREE) yield b * BLOCK_SIZE;
    }
  }

  /** When the block at `begin` of piece `index` was requested from `peer`, if it is in flight from it. O(1). */
  requestedAt(index: number, begin: number, peer: PeerId): number | undefined {
    return this.pieces.get(index)?.requests.get(begin / BLOCK_SIZE)?.get(peer);
  }

  /** In-flight blocks of piece `index` with the peers they are requested from (peer → requestedAt). */
  *inFlight(index: number): Generator<{ begin: number; peers: ReadonlyMap<PeerId, number> }, void, undefined> {
    const piece = this.pieces.get(index);
    if (piece === undefined) return;
    for (const [b, peers] of piece.requests) yield { begin: b * BLOCK_SIZE, peers };
  }

  /** Number of requests `peer` has in flight (compare with its pipeline depth). */
  inFlightCount(peer: PeerId): number {
    return this.byPeer.get(peer)?.size ?? 0;
  }

  /** The requests `peer` has in flight. */
  requestsOf(peer: PeerId): BlockRequest[] {
    return [...(this.byPeer.get(peer) ?? [])].map((key) => this.fromKey(key));
  }

  /** True if the block at `begin` of piece `index` has arrived (and the piece is not yet verified or reset). */
  isReceived(index: number, begin: number): boolean {
    return this.pieces.get(index)?.state[this.block(index, begin)] === RECEIVED;
  }

  /**
   * Records that the block was requested from `peer` at `now`. Returns false (and changes
   * nothing) if it was already received or already requested from that peer. Requesting a block
   * another peer has in flight is allowed here (endgame); the picker decides when.
   *
   * @throws {RangeError} if `index`/`begin` is not a block of the file.
   */
  reserve(peer: PeerId, index: number, begin: number, now: number): boolean {
    const b = this.block(index, begin);
    const piece = this.pieces.get(index) ?? this.startPiece(index);
    if (piece.state[b] === RECEIVED) return false;
    let peers = piece.requests.get(b);
    if (peers?.has(peer) === true) return false;
    if (peers === undefined) {
      peers = new Map();
      piece.requests.set(b, peers);
      piece.state[b] = REQUESTED;
      piece.free--;
    }
    peers.set(peer, now);
    this.peerKeys(peer).add(index * this.perPiece + b);
    return true;
  }

  /**
   * Forgets `peer`'s request for the block (it was rejected, choked away, cancelled or timed
   * out). The block becomes free if no other peer has it in flight. Returns false if there was
   * no such request.
   */
  release(peer: PeerId, index: number, begin: number): boolean {
    const b = this.block(index, begin);
    const piece = this.pieces.get(index);
    const peers = piece?.requests.get(b);
    if (piece === undefined || peers?.delete(peer) !== true) return false;
    this.dropKey(peer, index * this.perPiece + b);
    if (peers.size === 0) {
      piece.requests.delete(b);
      piece.state[b] = FREE;
      piece.free++;
      if (piece.received === 0 && piece.free === piece.state.length) this.pieces.delete(index);
    }
    return true;
  }

  /** The peer left (or choked us): all its requests are released. Returns them. */
  releasePeer(peer: PeerId): BlockRequest[] {
    const released = this.requestsOf(peer);
    for (const r of released) this.release(peer, r.index, r.begin); // the last one drops the peer
    return released;
  }

  /**
   * A block arrived (from `from`, if known). Marks it received and clears every request for it;
   * the other requesters are returned to be cancelled. A block of a piece that is not started
   * (never requested, or reset since) is not recorded: `isNew` is false and it should be dropped.
   *
   * @throws {RangeError} if `index`/`begin` is not a block of the file: validate remote input
   *   with {@link BlockReservations.expectedLength} first.
   */
  received(index: number, begin: number, from?: PeerId): BlockArrival {
    const b = this.block(index, begin);
    const piece = this.pieces.get(index);
    // A received block has no requests left (they are cleared below and `reserve` refuses it).
    if (piece === undefined || piece.state[b] === RECEIVED) return { isNew: false, cancel: [] };
    const cancel: PeerId[] = [];
    for (const peer of piece.requests.get(b)?.keys() ?? []) {
      this.dropKey(peer, index * this.perPiece + b);
      if (peer !== from) cancel.push(peer);
    }
    if (piece.state[b] === FREE) piece.free--;
    piece.requests.delete(b);
    piece.state[b] = RECEIVED;
    piece.received++;
    if (from !== undefined) piece.contributors.add(from);
    return { isNew: true, cancel };
  }

  /** True once every block of piece `index` has arrived: time for the hash check. */
  pieceBlocksDone(index: number): boolean {
    const piece = this.pieces.get(index);
    return piece !== undefined && piece.received === piece.state.length;
  }

  /** Blocks of piece `index` received, in flight and free. */
  progress(index: number): { received: number; inFlight: number; free: number } {
    const piece = this.pieces.get(index);
    if (piece === undefined) return { received: 0, inFlight: 0, free: this.blocksIn(index) };
    return { received: piece.received, inFlight: piece.requests.size, free: piece.free };
  }

  /**
   * The piece failed its hash check: forget all its blocks (and any requests) so it is fetched
   * again from scratch. Returns the peers that delivered its blocks, for the caller's penalty
   * or ban.
   */
  resetPiece(index: number): PeerId[] {
    const contributors = [...(this.pieces.get(index)?.contributors ?? [])];
    this.forget(index);
    return contributors;
  }

  /** The piece passed its hash check: its state is no longer needed. Returns peers still requested from (to cancel). */
  pieceVerified(index: number): PeerId[] {
    return this.forget(index);
  }

  /**
   * Requests outstanding for `timeoutMs` or more at `now`, oldest first, for re-requesting
   * elsewhere. Nothing is changed: the caller releases (and cancels) the ones it gives up on.
   * O(requests in flight), at most peers × pipeline depth.
   */
  expired(now: number, timeoutMs: number): TimedOutRequest[] {
    const out: TimedOutRequest[] = [];
    for (const [index, piece] of this.pieces) {
      for (const [b, peers] of piece.requests) {
        for (const [peer, requestedAt] of peers) {
          if (now - requestedAt < timeoutMs) continue;
          const begin = b * BLOCK_SIZE;
          out.push({ peer, requestedAt, index, begin, length: blockSize(b, piece.length) });
        }
      }
    }
    return out.sort((x, y) => x.requestedAt - y.requestedAt);
  }

  private forget(index: number): PeerId[] {
    const piece = this.pieces.get(index);
    if (piece === undefined) return [];
    const peers = new Set<PeerId>();
    for (const [b, requesters] of piece.requests) {
      for (const peer of requesters.keys()) {
        peers.add(peer);
        this.dropKey(peer, index * this.perPiece + b);
      }
    }
    this.pieces.delete(index);
    return [...peers];
  }

  private startPiece(index: number): PieceState {
    const length = pieceSize(index, this.size, this.pieceLength);
    const blocks = blockCount(length);
    const piece: PieceState = {
      length,
      state: new Uint8Array(blocks),
      requests: new Map(),
      received: 0,
      free: blocks,
      contributors: new Set(),
    };
    this.pieces.set(index, piece);
    return piece;
  }

  /** Block number of `begin` in piece `index`. @throws {RangeError} if it is not a block of the file. */
  private block(index: number, begin: number): number {
    if (this.expectedLength(index, begin) === undefined) {
      throw new RangeError(`no block at piece ${String(index)} offset ${String(begin)}`);
    }
    return begin / BLOCK_SIZE;
  }

  private fromKey(key: number): BlockRequest {
    const index = Math.floor(key / this.perPiece);
    const begin = (key % this.perPiece) * BLOCK_SIZE;
    return { index, begin, length: this.expectedLength(index, begin) as number };
  }

  private peerKeys(peer: PeerId): Set<number> {
    let keys = this.byPeer.get(peer);
    if (keys === undefined) this.byPeer.set(peer, (keys = new Set()));
    return keys;
  }

  private dropKey(peer: PeerId, key: number): void {
    const keys = this.byPeer.get(peer);
    keys?.delete(key);
    if (keys?.size === 0) this.byPeer.delete(peer);
  }
}
