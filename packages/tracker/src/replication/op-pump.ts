/**
 * The sending half of a replication link: streams to one peer the ops it lacks, in this
 * tracker's local log order, which respects causality, so the peer never receives an op before
 * the ops it depends on (hypercore-style "what I have" / "send what you lack").
 *
 * - `known` is what the peer is known to have: its vector, raised by the ops sent, the ops it
 *   sent us and its acks. The store is asked for ops beyond it, so nothing is echoed back.
 * - One pump runs at a time; a wake-up during a run makes it look once more (coalescing), so a
 *   burst of local writes costs one extra read, not one per write.
 * - Flow control: at most `maxUnacked` batches without an ack and a bounded socket buffer,
 *   because `ws` would otherwise queue without limit on either end.
 * - Self-repair: each batch has a number that its ack names. An ack that does not cover its
 *   batch, or that names a later batch than the oldest outstanding one (the earlier frames were
 *   lost), means the peer lacks ops; the pump starts over from what the peer confirmed at once.
 *   Batches that get no ack for `resendAfterMs` (the last frame of a burst was lost, or its
 *   ack) are written off and resent the same way, and so are ops a later `vector` from the
 *   peer shows it still lacks once nothing is in flight. Without this, a lost frame left the
 *   peer behind until the next write, and each loss kept one window slot for good: after four,
 *   the pump never sent again while the link looked live.
 *
 * It knows nothing of sockets: the link gives it `send` and `bufferedAmount`.
 */
import { MAX_BATCH_BYTES, MAX_OPS_PER_BATCH, type ReplicatedOp, type Vector } from '@groupshare/protocol';
import { coverOps, covers, encodeBatches, lacks, mergeVector, numberBatch } from './batches.js';
import { MAX_UNACKED_BATCHES, RESEND_AFTER_MS, SEND_HIGH_WATER_BYTES, SEND_POLL_MS } from './constants.js';
import type { ReplicaStore, Snapshot } from './replica-store.js';

export interface OpPumpInit {
  store: ReplicaStore;
  /** Sends one `ops` frame (JSON text). */
  send: (frame: string) => void;
  /** Bytes queued in the socket but not yet written. */
  bufferedAmount: () => number;
  /** A failure of the store or an unsendable op; the link closes. */
  onError: (err: unknown) => void;
  /** The peer's ack did not cover a batch (`expected`); sending restarts from `vector`. */
  onResync?: (vector: Vector, expected: Vector) => void;
  /** The peer lacked ops it was sent (lost frames); sending restarts from `vector`. */
  onResend?: (vector: Vector, why: string) => void;
  maxUnacked?: number;
  highWaterBytes?: number;
  /** Outstanding batches with no ack for this long are written off and resent. */
  resendAfterMs?: number;
  now?: () => number;
}

interface SentBatch {
  /** The number the frame carried, which the ack names. */
  id: number;
  epoch: number;
  maxima: Vector;
  sentAt: number;
}

export class OpPump {
  private readonly known: Vector = {};
  /** What the peer itself said it has (vectors, acks) or sent us: `known` without the guesses. */
  private readonly confirmed: Vector = {};
  private started = false;
  private stopped = false;
  private cursor = 0;
  /** Bumped on a restart; a run from an older epoch stops at its next step. */
  private epoch = 0;
  private readonly unacked: SentBatch[] = [];
  private lastBatch = 0;
  /** Time of the last ack, or of the first send after none was outstanding. */
  private progressAt = 0;
  /** Since when batches have been outstanding with no ack at all (undefined: none are). */
  private waitingSince: number | undefined;
  private running = false;
  private again = false;
  private wake: (() => void) | undefined;
  private sent = 0;

  private readonly now: () => number;

  constructor(private readonly init: OpPumpInit) {
    this.now = init.now ?? Date.now;
  }

  /**
   * How long the oldest batch has waited for its ack (0 when none is outstanding). A peer that
   * stops acking while the socket looks open is behind a silent partition, or stuck.
   */
  unackedForMs(now = this.now()): number {
    const oldest = this.unacked[0];
    return oldest ? now - oldest.sentAt : 0;
  }

  /**
   * How long batches have been waiting without a single ack, resends included (0 when none
   * wait): the link redials a peer that makes no progress for long (peer-link.ts).
   */
  stalledForMs(now = this.now()): number {
    return this.waitingSince === undefined ? 0 : now - this.waitingSince;
  }

  /** Ops sent so far. */
  get sentOps(): number {
    return this.sent;
  }

  /** The peer said what it has: start from there (again, if it says so a second time). */
  peerVector(vector: Vector): void {
    mergeVector(this.confirmed, vector);
    mergeVector(this.known, vector);
    if (!this.started) {
      this.started = true;
      this.schedule();
      return;
    }
    // Sent every few seconds (and after a snapshot): with nothing in flight, whatever the peer
    // still lacks of what it was sent was lost on the way.
    if (this.unacked.length === 0 && lacks(this.confirmed, this.known)) this.resend('its vector lacks ops it was sent');
    else this.schedule();
  }

  /** The peer sent us these ops, so it has them. Call before applying them. */
  peerHas(ops: readonly ReplicatedOp[]): void {
    coverOps(this.known, ops);
    coverOps(this.confirmed, ops);
  }

  /**
   * An ack naming `batch` (undefined from a peer that numbers none: the oldest outstanding).
   * Batches sent before it and still outstanding were lost on the way. False if no such batch
   * was ever sent (a protocol violation); an ack for a batch already written off is taken for
   * its vector only.
   */
  ack(vector: Vector, batch?: number): boolean {
    const at = batch === undefined ? 0 : this.unacked.findIndex((b) => b.id === batch);
    if (batch === undefined ? this.unacked.length === 0 : batch < 1 || batch > this.lastBatch) return false;
    mergeVector(this.confirmed, vector);
    mergeVector(this.known, vector);
    this.progressAt = this.now();
    if (at >= 0) {
      const done = this.unacked.splice(0, at + 1);
      this.waitingSince = this.unacked.length > 0 ? this.progressAt : undefined;
      const missed = done.find((b) => b.epoch === this.epoch && lacks(vector, b.maxima));
      if (missed) {
        this.init.onResync?.(vector, missed.maxima);
        this.restart(this.confirmed);
      }
    }
    this.wake?.();
    return true;
  }

  /**
   * Called every few hundred ms by the link: batches outstanding with no ack for
   * `resendAfterMs` are written off (their acks, if they come, are only read for the vector)
   * and what the peer has not confirmed is sent again.
   */
  tick(): void {
    const oldest = this.unacked[0];
    if (oldest === undefined || this.stopped) return;
    const quietFor = this.now() - Math.max(oldest.sentAt, this.progressAt);
    if (quietFor < (this.init.resendAfterMs ?? RESEND_AFTER_MS)) return;
    this.unacked.length = 0;
    this.resend(`no ack for ${quietFor} ms`);
  }

  private resend(why: string): void {
    this.init.onResend?.({ ...this.confirmed }, why);
    this.restart(this.confirmed);
    this.wake?.();
  }

  /** Looks for ops to send now, or once more after the current run. */
  schedule(): void {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run()
      .catch((err: unknown) => {
        if (!this.stopped) this.init.onError(err);
      })
      .finally(() => {
        this.running = false;
        if (this.again) this.schedule();
      });
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Sends what the peer lacks until the store has nothing more. */
  private async run(): Promise<void> {
    for (;;) {
      this.again = false;
      const epoch = this.epoch;
      const stale = (): boolean => this.stopped || epoch !== this.epoch;
      if (this.init.store.needsSnapshot?.(this.known)) {
        // The peer lacks ops that were compacted here: the snapshot stands in for them.
        const snapshot = await this.init.store.exportSnapshot!();
        if (stale() || !snapshot) return;
        for (const frame of encodeSnapshot(snapshot)) {
          await this.waitForRoom();
          if (stale()) return;
          this.init.send(frame);
        }
        mergeVector(this.known, snapshot.vector);
      }
      const { ops, nextIndex } = await this.init.store.opsMissing({ ...this.known }, this.cursor, MAX_OPS_PER_BATCH);
      if (stale()) return;
      // `known` may have risen while the store was read (acks, ops from the peer).
      for (const batch of encodeBatches(ops.filter((op) => !covers(this.known, op)))) {
        await this.waitForRoom();
        if (stale()) return;
        const id = ++this.lastBatch;
        this.init.send(numberBatch(batch.frame, id));
        const sentAt = this.now();
        this.unacked.push({ id, epoch, maxima: batch.maxima, sentAt });
        this.waitingSince ??= sentAt;
        coverOps(this.known, batch.ops);
        this.sent += batch.ops.length;
      }
      this.cursor = nextIndex;
      if (ops.length === 0) return;
    }
  }

  /** Starts over from `vector`; batches in flight are still acked but no longer checked. */
  private restart(vector: Vector): void {
    this.epoch++;
    const from = { ...vector };
    for (const key of Object.keys(this.known)) delete this.known[key];
    Object.assign(this.known, from);
    this.cursor = 0;
    this.again = true;
    this.schedule();
  }

  private async waitForRoom(): Promise<void> {
    const maxUnacked = this.init.maxUnacked ?? MAX_UNACKED_BATCHES;
    const highWater = this.init.highWaterBytes ?? SEND_HIGH_WATER_BYTES;
    while (!this.stopped && (this.unacked.length >= maxUnacked || this.init.bufferedAmount() > highWater)) {
      // Woken by an ack or stop(); the timer covers the socket buffer draining.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, SEND_POLL_MS);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }
}

/** A snapshot as `snapshot` frames of at most MAX_BATCH_BYTES of rows each (whole lines). */
export function encodeSnapshot(snapshot: Snapshot): string[] {
  const lines = snapshot.rows === '' ? [] : snapshot.rows.split('\n');
  const parts: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (current.length > 0 && size + line.length + 1 > MAX_BATCH_BYTES) {
      parts.push(current.join('\n'));
      current = [];
      size = 0;
    }
    current.push(line);
    size += line.length + 1;
  }
  parts.push(current.join('\n'));
  return parts.map((rows, part) =>
    JSON.stringify({ t: 'snapshot', horizon: snapshot.horizon, vector: snapshot.vector, part, last: part === parts.length - 1, rows }),
  );
}
