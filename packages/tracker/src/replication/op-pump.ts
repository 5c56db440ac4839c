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
 * - Self-repair: an ack that does not cover its batch means the peer skipped ops (a gap, which
 *   the store's rules stop at); the pump starts over from the peer's acked vector at once.
 *
 * It knows nothing of sockets: the link gives it `send` and `bufferedAmount`.
 */
import { MAX_BATCH_BYTES, MAX_OPS_PER_BATCH, type ReplicatedOp, type Vector } from '@groupshare/protocol';
import { coverOps, covers, encodeBatches, lacks, mergeVector } from './batches.js';
import { MAX_UNACKED_BATCHES, SEND_HIGH_WATER_BYTES, SEND_POLL_MS } from './constants.js';
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
  maxUnacked?: number;
  highWaterBytes?: number;
}

export class OpPump {
  private readonly known: Vector = {};
  private started = false;
  private stopped = false;
  private cursor = 0;
  /** Bumped on a restart; a run from an older epoch stops at its next step. */
  private epoch = 0;
  private readonly unacked: Array<{ epoch: number; maxima: Vector; sentAt: number }> = [];
  private running = false;
  private again = false;
  private wake: (() => void) | undefined;
  private sent = 0;

  constructor(private readonly init: OpPumpInit) {}

  /**
   * How long the oldest batch has waited for its ack (0 when none is outstanding). A peer that
   * stops acking while the socket looks open is behind a silent partition, or stuck.
   */
  unackedForMs(now = Date.now()): number {
    const oldest = this.unacked[0];
    return oldest ? now - oldest.sentAt : 0;
  }

  /** Ops sent so far. */
  get sentOps(): number {
    return this.sent;
  }

  /** The peer said what it has: start from there (again, if it says so a second time). */
  peerVector(vector: Vector): void {
    if (this.started) return this.restart(vector);
    this.started = true;
    mergeVector(this.known, vector);
    this.schedule();
  }

  /** The peer sent us these ops, so it has them. Call before applying them. */
  peerHas(ops: readonly ReplicatedOp[]): void {
    coverOps(this.known, ops);
  }

  /** An ack for the oldest unacknowledged batch; false if none was outstanding. */
  ack(vector: Vector): boolean {
    const batch = this.unacked.shift();
    if (batch === undefined) return false;
    mergeVector(this.known, vector);
    if (batch.epoch === this.epoch && lacks(vector, batch.maxima)) {
      this.init.onResync?.(vector, batch.maxima);
      this.restart(vector);
    }
    this.wake?.();
    return true;
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
        this.init.send(batch.frame);
        this.unacked.push({ epoch, maxima: batch.maxima, sentAt: Date.now() });
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
    for (const key of Object.keys(this.known)) delete this.known[key];
    Object.assign(this.known, vector);
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
