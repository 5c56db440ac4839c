/**
 * The piece picker: which blocks to request from a peer whose pipeline has room.
 *
 * Order of preference (BEP 3's "piece selection" advice, as libtorrent implements it):
 * 1. blocks of pieces already started, oldest first, so pieces complete, get verified and can be
 *    served to others quickly, and few partial pieces are left when a peer leaves;
 * 2. then rarest first among pieces the peer has that we neither have nor have started, with
 *    random tie-breaks, so the swarm keeps every piece alive and downloaders that see the same
 *    availability do not all chase the same piece; but while only seeds are connected, when
 *    there is nobody to trade with, at random among the first missing pieces of the file, so
 *    the whole-file SHA-1 can keep pace with the download (file-order.ts);
 * 3. endgame: once every remaining block is requested, in-flight blocks are requested again from
 *    other peers (bounded per block), so the last blocks do not wait on the slowest peer; the
 *    losers are cancelled when the first copy arrives.
 *
 * Seeds (peers registered with {@link PiecePicker.addPeer} with a complete bitfield) are kept
 * out of the rarity map and counted apart, as libtorrent does: they add the same count to every
 * piece, so rarity order is unchanged, and count 0 then means "no partial peer has it". A seed
 * is asked only for such pieces (and in endgame): a piece some partial peer holds is fetched
 * from that peer, so each piece leaves the original sharer about once and the leechers trade
 * the rest. Without this, every leecher kept its pipeline to the sharer full, and the sharer of
 * a file downloaded by 8 members at once uploaded it 3.5–4 times. The download manager lifts
 * the rule (`askSeedForShared`) when its partial peers lag behind the seeds, so a fast seed is
 * never left idle behind a slow or choking partial peer.
 *
 * Outside endgame a free block is never handed to two peers. A (peer, piece) pair the download
 * manager has banned (the peer sent bad data for it) is never picked, in any phase. Pure: the
 * caller passes `now` and `rng`, reservations are recorded in {@link BlockReservations}.
 */
import { BitfieldError, type Bitfield } from '@groupshare/protocol';

import { Availability } from './availability.js';
import { BlockReservations } from './blocks.js';
import { DEFAULT_MAX_DUPLICATES, RARITY_WALK_BASE, RARITY_WALK_DIVISOR } from './constants.js';
import { firstIncompleteByte, nearFileOrder } from './file-order.js';
import { rarestInField } from './rarest-in-field.js';
import type { BlockArrival, BlockRequest, PeerId } from './types.js';

export { pipelineDepth, type PipelineDepthInit } from './pipeline.js';

/** File geometry and policy for one download's picker. */
export interface PiecePickerInit {
  /** File size in bytes. */
  size: number;
  /** Piece length in bytes. */
  pieceLength: number;
  /**
   * True if `peer` must not be asked for piece `index` (it sent data for it that failed the
   * hash check). Consulted in every phase, including endgame. Default: nothing banned.
   */
  banned?: (peer: PeerId, index: number) => boolean;
  /** In endgame, most extra peers one block may be requested from. Default {@link DEFAULT_MAX_DUPLICATES}. */
  maxDuplicates?: number;
}

/** One call's inputs to {@link PiecePicker.pickBlocks}. */
export interface PickRequest {
  /** The peer whose pipeline has room. */
  peer: PeerId;
  /** Pieces the peer has (its bitfield plus its `have`s). */
  peerHas: Bitfield;
  /** Pieces we have verified. */
  have: Bitfield;
  /** Pieces the user wants; default all. */
  want?: Bitfield;
  /** How many new requests the peer may get now: its pipeline depth minus its requests in flight. */
  count: number;
  /** Current time in ms (monotonic), recorded as the requests' start for time-outs. */
  now: number;
  /** Uniform random numbers in [0, 1), for tie-breaks among equally rare pieces. */
  rng: () => number;
  /**
   * When `peer` is a seed: may it also be asked for pieces that some partial peer has? Default
   * false (see the module comment). Ignored for partial peers.
   */
  askSeedForShared?: boolean;
  /**
   * Allow endgame duplicates (true), forbid them (false), or decide by
   * {@link PiecePicker.isEndgame} when no free block is left for this peer (default).
   */
  endgame?: boolean;
}

/** Chooses blocks to request per peer: started pieces first, then rarest first, then endgame. */
export class PiecePicker {
  /** How many peers have each piece. Feed it peers' bitfields and `have`s. */
  readonly availability: Availability;
  /** The request ledger this picker records into. */
  readonly blocks: BlockReservations;
  /**
   * Pieces examined by the last {@link PiecePicker.pickBlocks} call (started pieces plus pieces
   * visited in the rarity walk). Diagnostic: lets tests assert the cost of a pick by counting.
   */
  lastPickVisits = 0;
  private readonly banned: (peer: PeerId, index: number) => boolean;
  private readonly maxDuplicates: number;
  /** Registered peers that had every piece when they joined: not in {@link PiecePicker.availability}. */
  private readonly seeds = new Set<PeerId>();
  /**
   * Pick near file order while only seeds are connected (file-order.ts). The download turns it
   * off for good once a seed refuses a piece: another downloader, one we are not connected to,
   * is taking the same pieces from that seed (peer/first-copies.ts), and picks spread over the
   * whole file collide far less.
   */
  fileOrder = true;
  /** Every byte of `have` before this one was all ones at the last pick (see file-order.ts). */
  private haveFromByte = 0;

  /** How many registered peers had every piece when they joined. */
  get seedCount(): number {
    return this.seeds.size;
  }

  /** @throws {RangeError} if the geometry is invalid or `maxDuplicates` is not a non-negative integer. */
  constructor(init: PiecePickerInit) {
    this.blocks = new BlockReservations(init);
    this.availability = new Availability(this.blocks.pieceCount);
    this.banned = init.banned ?? (() => false);
    this.maxDuplicates = init.maxDuplicates ?? DEFAULT_MAX_DUPLICATES;
    if (!Number.isSafeInteger(this.maxDuplicates) || this.maxDuplicates < 0) {
      throw new RangeError(`maxDuplicates must be a non-negative integer, got ${String(this.maxDuplicates)}`);
    }
  }

  /**
   * Picks up to `count` blocks for `peer` and reserves them at `now`. Every block belongs to a
   * piece the peer has, we lack, the user wants and the peer is not banned for.
   *
   * Cost: O(started pieces + pieces visited + blocks returned). The rarity walk stops once
   * `count` blocks are found, so for a peer with most pieces it visits O(pieces taken) pieces;
   * it is capped at RARITY_WALK_BASE + pieceCount/64 visits, after which the peer's bitfield is
   * scanned instead (O(pieceCount/8 + its candidate pieces)). Nothing is ever sorted by rarity.
   *
   * @throws {BitfieldError} if a bitfield describes a different number of pieces.
   */
  pickBlocks(req: PickRequest): BlockRequest[] {
    const { peer, peerHas, have, want, count, now } = req;
    this.checkFields(peerHas, have, want);
    const out: BlockRequest[] = [];
    this.lastPickVisits = 0;
    if (count <= 0) return out;
    // Which rarity counts this peer may be asked for: a seed only pieces no partial peer has.
    const seed = this.seeds.has(peer);
    const counts = seed ? { min: 0, max: req.askSeedForShared === true ? Infinity : 0 } : {};
    const unshared = seed && counts.max === 0;
    const wanted = (i: number): boolean => peerHas.has(i) && !have.has(i) && (want?.has(i) ?? true) && !this.banned(peer, i);
    const eligible = (i: number): boolean => wanted(i) && (!unshared || this.availability.count(i) === 0);
    const ok = (i: number): boolean => {
      this.lastPickVisits++;
      return eligible(i);
    };
    const fresh = (i: number): boolean => {
      this.lastPickVisits++;
      return !this.blocks.isStarted(i) && eligible(i);
    };

    // 1. Finish started pieces.
    for (const i of this.blocks.started()) {
      if (out.length >= count) return out;
      if (this.blocks.freeCount(i) > 0 && ok(i)) this.take(peer, i, now, count, out);
    }
    // 2a. Only seeds connected: near file order. Whatever it leaves is found by the walk below.
    if (out.length < count && this.fileOrder && this.seeds.size > 0 && this.availability.peerCount === 0) {
      this.haveFromByte = firstIncompleteByte(have, this.haveFromByte);
      for (const i of nearFileOrder({ peerHas, have, want, eligible: fresh, rng: req.rng, fromByte: this.haveFromByte })) {
        this.take(peer, i, now, count, out);
        if (out.length >= count) return out;
      }
    }
    // 2. Rarest first among untouched pieces. Each yielded piece gets ≥ 1 block, so it is
    // started (hence ineligible) before the walk continues, as `rarest` requires. If the walk
    // runs out of budget (the peer has few of the pieces walked), scan its bitfield instead.
    if (out.length < count) {
      const budget = RARITY_WALK_BASE + Math.floor(this.blocks.pieceCount / RARITY_WALK_DIVISOR);
      const before = this.lastPickVisits;
      for (const i of this.availability.rarest(req.rng, fresh, budget, counts)) {
        this.take(peer, i, now, count, out);
        if (out.length >= count) return out;
      }
      if (this.lastPickVisits - before >= budget) {
        const scan = { availability: this.availability, peerHas, have, want, eligible: fresh, rng: req.rng, counts };
        for (const i of rarestInField(scan)) {
          this.take(peer, i, now, count, out);
          if (out.length >= count) return out;
        }
      }
    }
    // 3. Endgame: duplicate in-flight blocks, least-duplicated first. Seeds too: the last blocks
    // must not wait on a partial peer that stalls or leaves.
    if (out.length < count && (req.endgame ?? this.isEndgame(have, want))) {
      for (let r = 1; r <= this.maxDuplicates && out.length < count; r++) {
        for (const i of this.blocks.started()) {
          if (out.length >= count) break;
          this.lastPickVisits++;
          if (!wanted(i)) continue;
          for (const { begin, peers } of this.blocks.inFlight(i)) {
            if (out.length >= count) break;
            if (peers.size !== r || peers.has(peer)) continue;
            this.reserve(peer, i, begin, now, out);
          }
        }
      }
    }
    return out;
  }

  /**
   * True when every block that could still be requested is: each wanted piece we lack, and that
   * some connected peer has, is started and has no free block. Pieces no peer has are ignored,
   * so one missing piece does not keep the others out of endgame.
   * O(started pieces + pieceCount/8 + pieces missing).
   */
  isEndgame(have: Bitfield, want?: Bitfield): boolean {
    this.checkFields(have, have, want);
    const wanted = (i: number): boolean => !have.has(i) && (want?.has(i) ?? true);
    for (const i of this.blocks.started()) {
      if (this.blocks.freeCount(i) > 0 && wanted(i)) return false;
    }
    const n = have.pieceCount;
    for (let byte = 0; byte < have.bytes.length; byte++) {
      let missing = ~(have.bytes[byte] as number) & 0xff;
      if (want !== undefined) missing &= want.bytes[byte] as number;
      for (let bit = 0; missing !== 0 && bit < 8; bit++) {
        const i = byte * 8 + bit;
        if ((missing & (0x80 >> bit)) === 0 || i >= n) continue;
        if (!this.blocks.isStarted(i) && (this.seeds.size > 0 || this.availability.count(i) > 0)) return false;
      }
    }
    return true;
  }

  /**
   * A block arrived from `from`. Returns whether it is new (write it) or a duplicate (drop it),
   * and the peers to send `cancel` to: those it was also requested from in endgame.
   */
  onBlock(index: number, begin: number, from?: PeerId): BlockArrival {
    return this.blocks.received(index, begin, from);
  }

  /**
   * `peer` told us what it has (its bitfield, once): a seed is counted apart, a partial peer's
   * pieces enter the rarity map. Peers added straight to {@link PiecePicker.availability} are
   * never treated as seeds.
   */
  addPeer(peer: PeerId, peerHas: Bitfield): void {
    if (peerHas.isComplete()) this.seeds.add(peer);
    else this.availability.addPeer(peerHas);
  }

  /**
   * `peer` announced piece `index` (BEP 3 `have`, not a repeat). A partial peer that completes
   * this way stays a partial peer here: it is a fellow downloader that just finished, whose
   * upload is as cheap as any other's, so it keeps serving pieces others also have. O(1).
   */
  peerHave(peer: PeerId, index: number): void {
    if (!this.seeds.has(peer)) this.availability.have(index);
  }

  /** True if `peer` was registered with every piece (see {@link PiecePicker.addPeer}). */
  isSeed(peer: PeerId): boolean {
    return this.seeds.has(peer);
  }

  /**
   * A peer disconnected: its pieces leave the rarity map (or the seed count), its requests
   * become free. Returns them.
   */
  peerLeft(peer: PeerId, peerHas: Bitfield): BlockRequest[] {
    if (!this.seeds.delete(peer)) this.availability.removePeer(peerHas);
    return this.blocks.releasePeer(peer);
  }

  /**
   * Piece `index` passed its hash check: drop its ledger and take it out of the rarity walk.
   * Returns peers it was still requested from (to cancel).
   */
  pieceVerified(index: number): PeerId[] {
    this.availability.exclude(index);
    return this.blocks.pieceVerified(index);
  }

  /**
   * Piece `index` failed its hash check: it is fetched again from scratch. Returns the peers
   * that delivered its blocks, so the caller can ban them for it (see `banned`) or drop them.
   */
  pieceFailed(index: number): PeerId[] {
    this.availability.include(index);
    return this.blocks.resetPiece(index);
  }

  private take(peer: PeerId, index: number, now: number, count: number, out: BlockRequest[]): void {
    for (const begin of this.blocks.freeBlocks(index)) {
      if (out.length >= count) return;
      this.reserve(peer, index, begin, now, out);
    }
  }

  private reserve(peer: PeerId, index: number, begin: number, now: number, out: BlockRequest[]): void {
    if (this.blocks.reserve(peer, index, begin, now)) {
      out.push({ index, begin, length: this.blocks.expectedLength(index, begin) as number });
    }
  }

  private checkFields(a: Bitfield, b: Bitfield, c: Bitfield | undefined): void {
    const n = this.blocks.pieceCount;
    for (const f of [a, b, c]) {
      if (f !== undefined && f.pieceCount !== n) {
        throw new BitfieldError(`bitfield has ${f.pieceCount} pieces, the file has ${n}`);
      }
    }
  }
}
