/**
 * The fetching half of a peer connection: what the remote has, whether it chokes us, and the
 * requests we have outstanding with it. It sends what a download manager asks for and checks
 * every answer against what was asked; it decides nothing about *which* blocks to fetch.
 *
 * Answers are matched by (index, begin). A piece that matches no outstanding request, or has a
 * different length than requested, is a counted violation and its data is ignored: it was not
 * asked for, so it cannot be trusted to be what its header claims. Two races are not
 * violations: a piece or reject arriving after we cancelled (remembered in a bounded list),
 * and, without BEP 6, a piece arriving after a choke.
 *
 * Choke semantics. Without BEP 6 a choke silently discards every request the remote held
 * (BEP 3), so they are emitted as `requestsDropped` at once for the caller to re-queue. With
 * BEP 6 a choke discards nothing: the remote must answer each request with a piece or a
 * reject, so requests stay outstanding until those arrive. (A remote that breaks that promise
 * leaves them outstanding; the download manager's request timeout covers it.)
 *
 * What the remote has is validated once: a bitfield must have the right length and zero spare
 * bits (BEP 3), a `have` must name a piece of the file; either failure closes the connection.
 * One bitfield / have_all / have_none at most, and before any `have`, so the `has` events are
 * a clean sequence of deltas (see `HasUpdate`).
 */
import { Bitfield, BitfieldError, pieceSize } from '@groupshare/protocol';

import type { BlockRequest } from '../picker/types.js';
import type { PeerLink } from './link.js';

/**
 * Cancelled requests remembered to excuse a late piece or reject. Without BEP 6 no answer is
 * owed, so entries may never be consumed; the oldest are forgotten past this bound.
 */
const MAX_REMEMBERED_CANCELS = 1024;

const key = (index: number, begin: number): string => `${index}:${begin}`;

/** See the module comment. */
export class FetchHalf {
  /** BEP 3 `peer_choking`. */
  peerChoking = true;
  /** BEP 3 `am_interested`. */
  amInterested = false;
  /** What the remote has. Live: updated by every bitfield and have. */
  readonly remoteHas: Bitfield;
  /** Largest block we may request (both sides' `gs_block`). */
  blockSize: number;
  /** Requests the remote accepts at once (its BEP 10 `reqq`). */
  remoteQueue: number;
  #open = false;
  #sawHaveState = false;
  #sawHave = false;
  readonly #outstanding = new Map<string, BlockRequest>();
  readonly #cancelled = new Map<string, BlockRequest>();
  /** BEP 6 allowed-fast pieces: requestable even while choked. */
  readonly #allowedFast = new Set<number>();

  constructor(
    private readonly link: PeerLink,
    private readonly file: { size: number; pieceLength: number; pieceCount: number },
    blockSize: number,
    remoteQueue: number,
  ) {
    this.remoteHas = new Bitfield(file.pieceCount);
    this.blockSize = blockSize;
    this.remoteQueue = remoteQueue;
  }

  /** Requests sent and not yet answered. */
  get outstanding(): number {
    return this.#outstanding.size;
  }

  /** The connection is open: requests may go out, and a wish to be interested is sent. */
  open(): void {
    this.#open = true;
    if (this.amInterested) this.link.send({ type: 'interested' });
  }

  /** Sets `am_interested`, telling the remote once the connection is open. */
  setInterested(interested: boolean): void {
    if (this.amInterested === interested) return;
    this.amInterested = interested;
    if (this.#open) this.link.send({ type: interested ? 'interested' : 'not_interested' });
  }

  /**
   * Sends a request unless it cannot be made now: not open, choked (and not allowed fast), the
   * remote lacks the piece, the block is already outstanding, or the remote's `reqq` is full.
   *
   * @throws {RangeError} for a block outside the file or above the block size (a caller bug).
   */
  request(index: number, begin: number, length: number): boolean {
    this.#checkBlock(index, begin, length);
    if (!this.#open || this.link.closed) return false;
    if (this.peerChoking && !this.#allowedFast.has(index)) return false;
    if (!this.remoteHas.has(index)) return false;
    const k = key(index, begin);
    if (this.#outstanding.has(k) || this.#outstanding.size >= this.remoteQueue) return false;
    this.#outstanding.set(k, { index, begin, length });
    this.link.send({ type: 'request', index, begin, length });
    return true;
  }

  /** Cancels an outstanding request (BEP 3 `cancel`); false if it is not outstanding. */
  cancel(index: number, begin: number, length: number): boolean {
    const k = key(index, begin);
    const r = this.#outstanding.get(k);
    if (r === undefined || r.length !== length || this.link.closed) return false;
    this.#outstanding.delete(k);
    this.#excuse(r);
    this.link.send({ type: 'cancel', index, begin, length });
    return true;
  }

  /** `choke` from the remote; see the module comment. */
  onChoke(): void {
    if (!this.peerChoking) {
      this.peerChoking = true;
      this.link.emit('peerChoking', true);
    }
    if (this.link.fast) return;
    const dropped = this.drop();
    for (const r of dropped) this.#excuse(r); // a piece already on its way is a race, not a fault
    if (dropped.length > 0) this.link.emit('requestsDropped', dropped);
  }

  /** `unchoke` from the remote. */
  onUnchoke(): void {
    if (!this.peerChoking) return;
    this.peerChoking = false;
    this.link.emit('peerChoking', false);
  }

  /** `have` from the remote. */
  onHave(index: number): void {
    if (index >= this.file.pieceCount) {
      return this.link.fail('ERR_PEER_BAD_HAVE', `have for piece ${index}; the file has ${this.file.pieceCount} pieces`);
    }
    this.#sawHave = true;
    if (this.remoteHas.has(index)) return; // a repeat: counting it twice would skew rarity
    this.remoteHas.set(index);
    this.link.emit('has', { type: 'have', index });
  }

  /** `bitfield` (BEP 3), or `have_all` / `have_none` (BEP 6) as `'all'` / `'none'`. */
  onBitfield(bytes: Uint8Array | 'all' | 'none'): void {
    if (this.#sawHaveState || this.#sawHave) {
      return this.link.fail('ERR_PEER_PROTOCOL', 'bitfield, have_all or have_none after the first message about pieces');
    }
    this.#sawHaveState = true;
    let field: Bitfield;
    try {
      if (bytes === 'all') field = Bitfield.full(this.file.pieceCount);
      else if (bytes === 'none') field = new Bitfield(this.file.pieceCount);
      else field = new Bitfield(this.file.pieceCount, bytes);
    } catch (err) {
      if (!(err instanceof BitfieldError)) throw err;
      return this.link.fail('ERR_PEER_BAD_BITFIELD', err.message);
    }
    this.remoteHas.bytes.set(field.bytes);
    this.link.emit('has', { type: 'bitfield', bitfield: this.remoteHas });
  }

  /** BEP 6 `allowed_fast`: the remote will serve this piece even while choking us. */
  onAllowedFast(index: number): void {
    if (index < this.file.pieceCount) this.#allowedFast.add(index);
  }

  /** `piece` from the remote; see the module comment. */
  onPiece(index: number, begin: number, data: Buffer): void {
    const k = key(index, begin);
    const r = this.#outstanding.get(k);
    const what = `piece ${index} at ${begin} (${data.length} bytes)`;
    if (r === undefined) {
      if (this.#cancelled.delete(k)) return; // answered after our cancel or a choke: a race
      return this.link.violation('unrequested_piece', `${what} was not requested`);
    }
    if (r.length !== data.length) {
      return this.link.violation('wrong_block_size', `${what}, but ${r.length} bytes were requested`);
    }
    this.#outstanding.delete(k);
    this.link.stats.blocksDown++;
    this.link.stats.payloadDown += data.length;
    this.link.emit('block', { index, begin, length: data.length, data });
  }

  /** BEP 6 `reject_request` from the remote. */
  onReject(r: BlockRequest): void {
    const k = key(r.index, r.begin);
    const cancelled = this.#cancelled.get(k);
    if (cancelled !== undefined && cancelled.length === r.length) {
      this.#cancelled.delete(k); // the answer BEP 6 owes to our cancel
      return;
    }
    const mine = this.#outstanding.get(k);
    if (mine === undefined || mine.length !== r.length) {
      return this.link.violation('unrequested_reject', `reject of piece ${r.index} at ${r.begin}, never requested`);
    }
    this.#outstanding.delete(k);
    this.link.emit('rejected', mine);
  }

  /** Forgets and returns every outstanding request (choke without fast, or close). */
  drop(): BlockRequest[] {
    const all = [...this.#outstanding.values()];
    this.#outstanding.clear();
    return all;
  }

  /** Remembers a request we gave up on, so its late answer is dropped quietly. */
  #excuse(r: BlockRequest): void {
    this.#cancelled.set(key(r.index, r.begin), r);
    if (this.#cancelled.size > MAX_REMEMBERED_CANCELS) {
      this.#cancelled.delete(this.#cancelled.keys().next().value as string);
    }
  }

  #checkBlock(index: number, begin: number, length: number): void {
    const { size, pieceLength, pieceCount } = this.file;
    if (!Number.isInteger(index) || index < 0 || index >= pieceCount) {
      throw new RangeError(`piece index ${String(index)} is out of range: the file has ${pieceCount} pieces`);
    }
    if (!Number.isInteger(length) || length < 1 || length > this.blockSize) {
      throw new RangeError(`block length must be 1 to ${this.blockSize}, got ${String(length)}`);
    }
    const len = pieceSize(index, size, pieceLength);
    if (!Number.isInteger(begin) || begin < 0 || begin + length > len) {
      throw new RangeError(`block at ${String(begin)} of ${length} bytes does not fit piece ${index} (${len} bytes)`);
    }
  }
}
