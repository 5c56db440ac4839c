/**
 * An in-memory ReplicaStore: the op log and vector without a database. It exists so the
 * transport is tested against the exact rules of the interface (skip what is applied, stop at
 * a gap, send in local order) with nothing else in the way, and so the real TrackerStore can be
 * run through the same tests later (conformance, js-libp2p style). Test helper, not for
 * production: the log only grows.
 */
import type { Op, ReplicatedOp, Vector } from '@groupshare/protocol';
import type { ReplicaStore } from '../src/replication/replica-store.js';

export interface MemoryReplicaStoreInit {
  /** For the ops' `at` and HLC times. */
  now?: () => number;
  /** Delay every applyRemote by this long (simulates a slow database). */
  applyDelayMs?: number;
}

/** A synthetic HLC string in the protocol's format (`<15-digit ms>-<counter>-<tracker>`). */
export function syntheticHlc(ms: number, counter: number, origin: number): string {
  return `${String(ms).padStart(15, '0')}-${String(counter).padStart(6, '0')}-${String(origin).padStart(5, '0')}`;
}

export class MemoryReplicaStore implements ReplicaStore {
  /** Every applied op, in local application order. */
  readonly log: ReplicatedOp[] = [];
  private readonly applied: Vector = {};
  private readonly listeners = new Set<(ops: ReplicatedOp[]) => void>();
  private readonly now: () => number;
  private counter = 0;

  constructor(
    readonly origin: number,
    private readonly init: MemoryReplicaStoreInit = {},
  ) {
    this.now = init.now ?? Date.now;
  }

  async vector(): Promise<Vector> {
    return { ...this.applied };
  }

  /** The vector, synchronously (for test assertions). */
  vectorNow(): Vector {
    return { ...this.applied };
  }

  async opsMissing(peer: Vector, afterIndex: number, limit: number): Promise<{ ops: ReplicatedOp[]; nextIndex: number }> {
    const ops: ReplicatedOp[] = [];
    let index = Math.max(0, afterIndex);
    while (index < this.log.length && ops.length < limit) {
      const op = this.log[index++] as ReplicatedOp;
      if (op.seq > (peer[String(op.origin)] ?? 0)) ops.push(op);
    }
    return { ops, nextIndex: index };
  }

  async applyRemote(ops: ReplicatedOp[]): Promise<ReplicatedOp[]> {
    if (this.init.applyDelayMs) await new Promise((resolve) => setTimeout(resolve, this.init.applyDelayMs));
    const fresh: ReplicatedOp[] = [];
    for (const op of ops) {
      const key = String(op.origin);
      const have = this.applied[key] ?? 0;
      if (op.seq <= have) continue;
      if (op.seq !== have + 1) break; // a gap: the rest comes again after the next vector exchange
      this.log.push(op);
      this.applied[key] = op.seq;
      fresh.push(op);
    }
    if (fresh.length > 0) this.emit(fresh);
    return fresh;
  }

  /**
   * Writes a local op (origin = this store's tracker, seq = next) and tells the listeners.
   * Without an argument, writes a `user_created` op with a unique user id.
   */
  write(op?: Op): ReplicatedOp {
    const key = String(this.origin);
    const seq = (this.applied[key] ?? 0) + 1;
    const ms = this.now();
    const body: Op = op ?? { kind: 'user_created', at: new Date(ms).toISOString(), userId: `u${this.origin}-${seq}`, passwordHash: 'x' };
    const replicated: ReplicatedOp = { origin: this.origin, seq, hlc: syntheticHlc(ms, this.counter++ % 1_000_000, this.origin), op: body };
    this.log.push(replicated);
    this.applied[key] = seq;
    this.emit([replicated]);
    return replicated;
  }

  onApplied(listener: (ops: ReplicatedOp[]) => void): () => void {
    // Wrapped so that subscribing the same function twice gives two independent subscriptions.
    const wrapped = (ops: ReplicatedOp[]): void => listener(ops);
    this.listeners.add(wrapped);
    return () => this.listeners.delete(wrapped);
  }

  private emit(ops: ReplicatedOp[]): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(ops);
      } catch {
        // A listener's failure is its own; the write has been committed either way.
      }
    }
  }
}
