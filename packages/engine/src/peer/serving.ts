/**
 * The serving half of a peer connection: what we advertise, whom we unchoke, and how the
 * remote's requests are checked, queued and answered (BEP 3 with BEP 6 rejects).
 *
 * Admission. Nothing is advertised before the connection decided whether the remote is
 * authorized (a valid ticket, see `admission.ts`); an unauthorized remote gets `have_none` (or
 * nothing without BEP 6), is never unchoked, and so can never be sent a block.
 *
 * Requests are validated once, here, in two tiers. Gross violations close the connection:
 * a piece index outside the file, an empty block or one past the end of its piece
 * (`ERR_PEER_REQUEST_OUT_OF_RANGE`), a length above the agreed block size
 * (`ERR_PEER_REQUEST_TOO_LARGE`). Plausible but unservable requests (while choked, for a piece
 * we lack, beyond our `reqq`) are answered with `reject_request` when BEP 6 is
 * on, dropped silently otherwise (BEP 3), and counted as violations except where a race makes
 * them legitimate (requests in flight when we choke). A duplicate of a held request is
 * ignored: the first copy gets the answer.
 *
 * Backpressure. Requests wait as small records, at most `reqq` of them; a block is read from
 * the source only when it is its turn and the socket is below its high-water mark, one read at
 * a time. So a slow reader costs us one block of memory, not a queue of blocks.
 *
 * Choking (BEP 6 semantics when fast is on): choking rejects every queued request; a cancel
 * rejects the cancelled request if its block was not sent yet. Every request therefore gets
 * exactly one answer, a piece or a reject, as BEP 6 requires.
 *
 * First copies. A file with `firstCopies` (the sharer's) rejects, with BEP 6 and without
 * counting a violation, a request for a piece it uploaded to another connection moments ago:
 * the asker takes another piece and gets that one from the other downloader (`first-copies.ts`).
 */
import { pieceSize } from '@groupshare/protocol';

import type { BlockRequest } from '../picker/types.js';
import { sameBlock, type PeerLink } from './link.js';
import type { PeerFile } from './types.js';
import { unlimitedUnchoker, type Unchoker } from './unchoker.js';

/**
 * Blocks read from disk at once for one remote. Each read is a thread-pool round trip; one at a
 * time capped a connection at about 60 MB/s on loopback, idle most of the time. With several in
 * flight the socket's buffer (canSendBlock) is what paces us.
 */
export const MAX_CONCURRENT_READS = 16;

/** What {@link ServeHalf} is built from. */
export interface ServeHalfInit {
  link: PeerLink;
  file: PeerFile;
  pieceCount: number;
  /** The `reqq` we advertised: most requests held at once. */
  maxQueued: number;
  /** Key under which the unchoker knows this connection. */
  slotKey: object;
}

/** One read in progress; `cancelled` when its answer must not be sent any more. */
interface Job {
  readonly request: BlockRequest;
  cancelled: boolean;
}

/** See the module comment. */
export class ServeHalf {
  /** BEP 3 `am_choking`. */
  amChoking = true;
  /** BEP 3 `peer_interested`. */
  peerInterested = false;
  /** Largest block the remote may request; set by the connection after the extended handshake. */
  blockSize: number;
  #authorized = false;
  #advertised = false;
  #everUnchoked = false;
  #slot: 'none' | 'waiting' | 'held' = 'none';
  #queue: BlockRequest[] = [];
  /** Reads in flight (several at once: one 16 KiB read at a time left the link idle between them). */
  readonly #jobs = new Set<Job>();
  readonly #link: PeerLink;
  readonly #file: PeerFile;
  readonly #unchoker: Unchoker;
  /** This connection's id in the file's `firstCopies`, if it has one. */
  readonly #copyId: number;

  constructor(private readonly init: ServeHalfInit, blockSize: number) {
    this.#link = init.link;
    this.#file = init.file;
    this.#unchoker = init.file.unchoker ?? unlimitedUnchoker;
    this.#copyId = init.file.firstCopies?.connection() ?? 0;
    this.blockSize = blockSize;
  }

  /** Requests held (queued or being read) and still to be answered with a piece. */
  get queued(): number {
    let reading = 0;
    for (const job of this.#jobs) if (!job.cancelled) reading++;
    return this.#queue.length + reading;
  }

  /** Called once the remote is admitted: advertises what we have and unchokes if wanted. */
  open(authorized: boolean): void {
    this.#authorized = authorized;
    const have = this.#file.source.have;
    const fast = this.#link.fast;
    if (!authorized) {
      // Claims nothing, so an unauthenticated peer learns nothing; BEP 6 wants one of the three.
      if (fast) this.#link.send({ type: 'have_none' });
      return;
    }
    this.#advertised = true;
    const count = have.count();
    if (fast && count === have.pieceCount) this.#link.send({ type: 'have_all' });
    else if (fast && count === 0) this.#link.send({ type: 'have_none' });
    else if (count > 0) this.#link.send({ type: 'bitfield', bytes: have.bytes }); // BEP 3: optional when empty
    if (this.peerInterested) this.#wantSlot();
  }

  /**
   * A remote opened unauthorized proved itself later (a member certificate shown after the
   * handshakes): serve it from now on. It was told `have_none` (or nothing), and BEP 6 allows no
   * second bitfield, so what we hold goes out as `have` messages.
   */
  authorize(): void {
    if (this.#authorized) return;
    this.#authorized = true;
    this.#advertised = true;
    for (const index of this.#file.source.have.indices()) this.#link.send({ type: 'have', index });
    if (this.peerInterested) this.#wantSlot();
  }

  /** Tells an authorized remote about a newly verified piece. */
  announceHave(index: number): void {
    if (this.#advertised) this.#link.send({ type: 'have', index });
  }

  /** `interested` / `not_interested` from the remote. */
  onInterested(interested: boolean): void {
    if (this.peerInterested === interested) return;
    this.peerInterested = interested;
    this.#link.emit('peerInterested', interested);
    if (!interested) this.choke();
    else if (this.#authorized) this.#wantSlot();
  }

  /** `request` from the remote; see the module comment for the checks. */
  onRequest(r: BlockRequest): void {
    const pieceCount = this.init.pieceCount;
    const file = this.#file;
    const what = `request for ${r.length} bytes at ${r.begin} of piece ${r.index}`;
    if (r.index >= pieceCount) {
      return this.#link.fail('ERR_PEER_REQUEST_OUT_OF_RANGE', `${what}: the file has ${pieceCount} pieces`);
    }
    if (r.length > this.blockSize) {
      return this.#link.fail('ERR_PEER_REQUEST_TOO_LARGE', `${what}: the block size is ${this.blockSize}`);
    }
    const len = pieceSize(r.index, file.size, file.pieceLength);
    if (r.length === 0 || r.begin + r.length > len) {
      return this.#link.fail('ERR_PEER_REQUEST_OUT_OF_RANGE', `${what}: the piece is ${len} bytes`);
    }
    if (this.amChoking) {
      // After we choke, requests already in flight arrive legitimately; before any unchoke not.
      if (!this.#everUnchoked) this.#link.violation('request_while_choked', `${what} while choked`);
      return this.#refuse(r);
    }
    if (!file.source.have.has(r.index)) {
      this.#link.violation('request_unavailable', `${what}, a piece we do not have`);
      return this.#refuse(r);
    }
    // Without BEP 6 a refusal is silent and the asker would wait for its time-out: serve it.
    if (this.#link.fast && file.firstCopies !== undefined && !file.firstCopies.allows(this.#copyId, r.index)) {
      return this.#refuse(r);
    }
    if (this.queued >= this.init.maxQueued) {
      this.#link.violation('request_queue_full', `${what} beyond our reqq of ${this.init.maxQueued}`);
      return this.#refuse(r);
    }
    if (this.#queue.some((q) => sameBlock(q, r)) || this.#reading(r) !== undefined) {
      return; // a duplicate: the first copy gets the one answer BEP 6 promises
    }
    this.#queue.push({ index: r.index, begin: r.begin, length: r.length });
    this.pump();
  }

  /** `cancel` from the remote: forget the request if its block was not sent yet. */
  onCancel(r: BlockRequest): void {
    const at = this.#queue.findIndex((q) => sameBlock(q, r));
    if (at >= 0) {
      this.#queue.splice(at, 1);
      this.#refuse(r);
    } else {
      const job = this.#reading(r);
      if (job !== undefined) {
        job.cancelled = true;
        this.#refuse(r);
      }
    }
    // Otherwise the block was already sent (or never requested): nothing to answer.
  }

  /** Chokes the remote (lost interest, or the caller wants to stop serving it) and frees its slot. */
  choke(): void {
    if (this.#slot !== 'none') {
      this.#slot = 'none';
      this.#unchoker.release(this.init.slotKey);
    }
    if (this.amChoking || this.#link.closed) return;
    this.amChoking = true;
    this.#link.send({ type: 'choke' });
    // BEP 6: a choke rejects every pending request; BEP 3: they are dropped silently.
    for (const r of this.#queue.splice(0)) this.#refuse(r);
    for (const job of this.#jobs) {
      if (job.cancelled) continue;
      job.cancelled = true;
      this.#refuse(job.request);
    }
  }

  /** Starts the next read if the socket can take a block. Called again on `drain`. */
  pump(): void {
    while (this.#jobs.size < MAX_CONCURRENT_READS && !this.#link.closed && this.#link.canSendBlock()) {
      const request = this.#queue.shift();
      if (request === undefined) return;
      const job: Job = { request, cancelled: false };
      this.#jobs.add(job);
      this.#file.source.readBlock(request.index, request.begin, request.length).then(
        (block) => this.#finish(job, block, undefined),
        (error: unknown) => this.#finish(job, undefined, error),
      );
    }
  }

  /** The read in flight for `r`'s block, unless cancelled. */
  #reading(r: BlockRequest): Job | undefined {
    for (const job of this.#jobs) if (!job.cancelled && sameBlock(job.request, r)) return job;
    return undefined;
  }

  /** The connection closed: give the slot back and drop every request. */
  close(): void {
    this.#file.firstCopies?.closed(this.#copyId);
    if (this.#slot !== 'none') this.#unchoker.release(this.init.slotKey);
    this.#slot = 'none';
    this.#queue = [];
    for (const job of this.#jobs) job.cancelled = true;
  }

  #finish(job: Job, block: Buffer | undefined, error: unknown): void {
    try {
      this.#jobs.delete(job);
      const r = job.request;
      if (block !== undefined && (this.#link.closed || job.cancelled || block.length !== r.length)) {
        this.#file.source.releaseBlock?.(block); // not sent: nothing else holds it
      }
      if (this.#link.closed) return;
      if (job.cancelled) {
        // Already answered with a reject (cancel or choke): the block is dropped unsent.
      } else if (block !== undefined && block.length === r.length) {
        this.#link.send({ type: 'piece', index: r.index, begin: r.begin, block }, () => this.#file.source.releaseBlock?.(block));
        this.#link.stats.blocksUp++;
        this.#link.stats.payloadUp += block.length;
        this.#file.uploads?.sent(block.length);
        this.#file.firstCopies?.uploaded(this.#copyId, r.index);
        this.#link.emit('served', r);
      } else {
        this.#refuse(r);
        const err = error ?? new Error(`source returned ${block?.length ?? 0} bytes, not ${r.length}`);
        this.#link.emit('serveFailed', { request: r, error: err });
      }
      this.pump();
    } catch (err) {
      this.#link.emit('error', err); // a bug; the promise chain must not reject unhandled
    }
  }

  #wantSlot(): void {
    if (this.#slot !== 'none' || this.#link.closed) return;
    this.#slot = 'waiting';
    this.#unchoker.request(this.init.slotKey, () => this.#granted());
  }

  #granted(): void {
    if (this.#slot !== 'waiting' || this.#link.closed || !this.peerInterested) {
      if (this.#slot === 'waiting') this.#slot = 'none';
      this.#unchoker.release(this.init.slotKey);
      return;
    }
    this.#slot = 'held';
    this.amChoking = false;
    this.#everUnchoked = true;
    this.#link.send({ type: 'unchoke' });
  }

  /** BEP 6: answer with a reject; without fast there is no way to say no (BEP 3 drops). */
  #refuse(r: BlockRequest): void {
    if (this.#link.fast) this.#link.send({ type: 'reject', index: r.index, begin: r.begin, length: r.length });
  }
}
