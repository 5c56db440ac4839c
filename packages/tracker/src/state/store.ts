/**
 * The write path and the replica. Every change goes through `mutate` (local) or `applyRemote`
 * (from another tracker): one transaction that applies ops and appends them to the OpLog, so
 * state and log never disagree. Writes are serialised by a mutex (SQLite has one writer anyway),
 * which also makes read-check-write handlers race-free.
 *
 * State is defined as the ops applied in HLC order. A local op always has the newest HLC. A
 * remote op usually does too; one that arrives late is applied directly when it commutes with
 * every op after it (op-keys.ts), and otherwise the state is rebuilt from the log, so the
 * result never depends on the order ops arrived in (docs/replication.md).
 */
import type { Op, ReplicatedOp, Vector } from '@groupshare/protocol';
import { randomInt } from 'node:crypto';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { ReplicaStore } from '../replication/replica-store.js';
import { Mutex } from '../util/limiter.js';
import { applyOp } from './apply.js';
import type { Effect } from './effects.js';
import { HybridClock, parseHlc } from './hlc.js';
import { keysOverlap, opKeys } from './op-keys.js';
import { clearState, dumpState, loadState } from './snapshot.js';

export type Tx = Prisma.TransactionClient;

/** An op as a handler writes it; the store stamps `at`. */
export type OpBody = Op extends infer O ? (O extends Op ? Omit<O, 'at'> : never) : never;

/** What a mutation sees: the transaction for reads, and `commit` for writes. */
export interface Writer {
  readonly tx: Tx;
  /** Applies an op now (later reads in this transaction see it) and logs it. */
  commit(body: OpBody): Promise<Op>;
}

export interface MutationResult<T> {
  value: T;
  effects: Effect[];
  ops: Op[];
}

/** Generous: a rebuild replays the whole log inside one transaction. */
const TRANSACTION_TIMEOUT_MS = 10 * 60 * 1000;
/** Past this many later ops, checking commutation costs about as much as a rebuild. */
const MAX_COMMUTE_CHECK = 5_000;
const REBUILD_PAGE = 1_000;

export class TrackerStore implements ReplicaStore {
  private readonly mutex = new Mutex();
  private readonly applied = new Map<number, number>();
  private maxHlc = '';
  private readonly listeners = new Set<(ops: ReplicatedOp[]) => void>();
  /** Remote pushes are delivered through this (set by the tracker). */
  onRemoteEffects: (effects: Effect[]) => void = () => {};
  /** Called after a rebuild committed: sessions may have ended, connections must be checked. */
  onRebuilt: () => void = () => {};
  /** How many times the state was rebuilt from the log (status, tests). */
  rebuilds = 0;
  /** The compaction snapshot's horizon and vector, if the log was ever compacted. */
  private snapshot: { horizon: string; vector: Vector } | undefined;

  /** This database's origin in the replication log (the Replica row), known after start(). */
  origin = 0;

  constructor(
    readonly prisma: PrismaClient,
    /** This tracker's number in tracker_info.txt: the HLC's tie-break. */
    readonly trackerNumber: number,
    readonly clock: HybridClock = new HybridClock(trackerNumber),
  ) {}

  /** Reads where the log left off, so sequence numbers and the clock continue across restarts. */
  async start(): Promise<void> {
    this.origin = await this.loadOrigin();
    const rows = await this.prisma.opLog.groupBy({ by: ['origin'], _max: { seq: true } });
    for (const row of rows) this.applied.set(row.origin, row._max.seq ?? 0);
    const snapshot = await this.prisma.snapshot.findUnique({ where: { id: 1 }, select: { horizon: true, vector: true } });
    if (snapshot) {
      this.snapshot = { horizon: snapshot.horizon, vector: JSON.parse(snapshot.vector) as Vector };
      for (const [origin, seq] of Object.entries(this.snapshot.vector)) {
        this.applied.set(Number(origin), Math.max(this.applied.get(Number(origin)) ?? 0, seq));
      }
    }
    const newest = await this.prisma.opLog.findFirst({ orderBy: { hlc: 'desc' } });
    this.maxHlc = [newest?.hlc ?? '', snapshot?.horizon ?? ''].sort().at(-1)!;
    // Never issue a timestamp older than one already logged, even if the wall clock went back.
    if (this.maxHlc) this.clock.observe(this.maxHlc);
  }

  /** The Replica row's origin, created at random with the database (see schema.prisma). */
  private async loadOrigin(): Promise<number> {
    const row = await this.prisma.replica.findUnique({ where: { id: 1 } });
    if (row) return row.origin;
    for (;;) {
      const origin = randomInt(1, 2 ** 31 - 1);
      if (await this.prisma.opLog.findFirst({ where: { origin } })) continue; // never reuse one seen
      await this.prisma.replica.create({ data: { id: 1, origin } });
      return origin;
    }
  }

  mutate<T>(fn: (writer: Writer) => Promise<T>): Promise<MutationResult<T>> {
    return this.mutex.run(async () => {
      let seq = this.applied.get(this.origin) ?? 0;
      const effects: Effect[] = [];
      const ops: Op[] = [];
      const logged: ReplicatedOp[] = [];
      const value = await this.prisma.$transaction(
        async (tx) => {
          const writer: Writer = {
            tx,
            commit: async (body) => {
              const hlc = this.clock.now();
              const op = { ...body, at: new Date(parseHlc(hlc).wallMs).toISOString() } as Op;
              effects.push(...(await applyOp(tx, op, { hlc })));
              seq += 1;
              await tx.opLog.create({ data: { origin: this.origin, seq, hlc, op: JSON.stringify(op), appliedAt: new Date() } });
              ops.push(op);
              logged.push({ origin: this.origin, seq, hlc, op });
              return op;
            },
          };
          return fn(writer);
        },
        { timeout: TRANSACTION_TIMEOUT_MS },
      );
      // Only once the transaction committed:
      for (const r of logged) this.noteApplied(r);
      this.emit(logged);
      return { value, effects, ops };
    });
  }

  async vector(): Promise<Vector> {
    return Object.fromEntries([...this.applied].map(([origin, seq]) => [String(origin), seq]));
  }

  async opsMissing(peer: Vector, afterIndex: number, limit: number): Promise<{ ops: ReplicatedOp[]; nextIndex: number }> {
    const ops: ReplicatedOp[] = [];
    let cursor = afterIndex;
    while (ops.length < limit) {
      const rows = await this.prisma.opLog.findMany({ where: { idx: { gt: cursor } }, orderBy: { idx: 'asc' }, take: REBUILD_PAGE });
      if (rows.length === 0) break;
      for (const row of rows) {
        cursor = row.idx;
        if (row.seq > (peer[String(row.origin)] ?? 0)) {
          ops.push({ origin: row.origin, seq: row.seq, hlc: row.hlc, op: JSON.parse(row.op) as Op });
          if (ops.length >= limit) break;
        }
      }
    }
    return { ops, nextIndex: cursor };
  }

  applyRemote(ops: ReplicatedOp[]): Promise<ReplicatedOp[]> {
    return this.mutex.run(async () => {
      const vector = new Map(this.applied);
      let maxHlc = this.maxHlc;
      const accepted: ReplicatedOp[] = [];
      let effects: Effect[] = [];
      let rebuild = false;
      await this.prisma.$transaction(
        async (tx) => {
          for (const r of ops) {
            const have = vector.get(r.origin) ?? 0;
            if (r.seq <= have) continue; // already applied (duplicates are harmless)
            if (r.seq !== have + 1) break; // a gap: the rest comes again after the next vector exchange
            this.clock.observe(r.hlc);
            if (this.snapshot && r.hlc <= this.snapshot.horizon) {
              // Cannot happen while every tracker acknowledges before compaction (horizon.ts);
              // counted as received so the stream goes on, applied nowhere, so nobody diverges.
              vector.set(r.origin, r.seq);
              accepted.push(r);
              continue;
            }
            if (!rebuild) {
              if (r.hlc > maxHlc || (await this.commutesWithLater(tx, r))) effects.push(...(await applyOp(tx, r.op, { hlc: r.hlc })));
              else rebuild = true; // everything from here on is covered by the rebuild
            }
            await tx.opLog.create({ data: { origin: r.origin, seq: r.seq, hlc: r.hlc, op: JSON.stringify(r.op), appliedAt: new Date() } });
            vector.set(r.origin, r.seq);
            if (r.hlc > maxHlc) maxHlc = r.hlc;
            accepted.push(r);
          }
          if (rebuild) {
            // The replay re-derives every op's events: keep those of the ops received just now
            // (in their HLC-order form), drop the old ones, which were pushed when they happened.
            effects = await rebuildState(tx, undefined, new Set(accepted.map(opId)));
          }
        },
        { timeout: TRANSACTION_TIMEOUT_MS },
      );
      for (const r of accepted) this.noteApplied(r);
      if (rebuild) {
        this.rebuilds += 1;
        this.onRebuilt();
      }
      this.onRemoteEffects(effects);
      this.emit(accepted);
      return accepted;
    });
  }

  /** The clock, then the vector: any op this tracker writes later has an HLC above `clock`. */
  async progress(): Promise<{ clock: string; vector: Vector }> {
    const clock = this.clock.now();
    return { clock, vector: await this.vector() };
  }

  get horizon(): string | undefined {
    return this.snapshot?.horizon;
  }

  /** Whether a peer with vector `peer` lacks ops that were compacted away here. */
  needsSnapshot(peer: Vector): boolean {
    if (!this.snapshot) return false;
    return Object.entries(this.snapshot.vector).some(([origin, seq]) => (peer[origin] ?? 0) < seq);
  }

  /** The snapshot as sent to a peer that lacks compacted ops. */
  async exportSnapshot(): Promise<{ horizon: string; vector: Vector; rows: string } | undefined> {
    const row = await this.prisma.snapshot.findUnique({ where: { id: 1 } });
    return row ? { horizon: row.horizon, vector: JSON.parse(row.vector) as Vector, rows: row.rows } : undefined;
  }

  /**
   * Folds every logged op with an HLC at or below `horizon` into the snapshot and deletes them
   * from the log. The caller guarantees every tracker has them (horizon.ts). Returns how many
   * ops were compacted.
   */
  compact(horizon: string): Promise<number> {
    return this.mutex.run(async () => {
      if (this.snapshot && horizon <= this.snapshot.horizon) return 0;
      const result = await this.prisma.$transaction(
        async (tx) => {
          const folded = await tx.opLog.findMany({ where: { hlc: { lte: horizon } }, select: { origin: true, seq: true } });
          if (folded.length === 0) return { count: 0, vector: this.snapshot?.vector ?? {} };
          await rebuildState(tx, horizon);
          const vector: Vector = { ...(this.snapshot?.vector ?? {}) };
          for (const op of folded) vector[String(op.origin)] = Math.max(vector[String(op.origin)] ?? 0, op.seq);
          const data = { horizon, vector: JSON.stringify(vector), rows: await dumpState(tx) };
          await tx.snapshot.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data });
          await tx.opLog.deleteMany({ where: { hlc: { lte: horizon } } });
          await replay(tx, horizon, undefined);
          return { count: folded.length, vector };
        },
        { timeout: TRANSACTION_TIMEOUT_MS },
      );
      if (result.count > 0) this.snapshot = { horizon, vector: result.vector };
      return result.count;
    });
  }

  /**
   * Installs a peer's snapshot when this tracker lacks ops that were compacted there (it is new,
   * or lost its data). Ops it holds that the snapshot covers are dropped; the rest are replayed
   * on top. Returns false (and changes nothing) if this tracker already has everything in it.
   */
  installSnapshot(snapshot: { horizon: string; vector: Vector; rows: string }): Promise<boolean> {
    return this.mutex.run(async () => {
      const mine = await this.vector();
      if (!Object.entries(snapshot.vector).some(([origin, seq]) => (mine[origin] ?? 0) < seq)) return false;
      await this.prisma.$transaction(
        async (tx) => {
          for (const [origin, seq] of Object.entries(snapshot.vector)) {
            await tx.opLog.deleteMany({ where: { origin: Number(origin), seq: { lte: seq } } });
          }
          // Anything still at or below the horizon cannot be placed relative to the snapshot.
          await tx.opLog.deleteMany({ where: { hlc: { lte: snapshot.horizon } } });
          const data = { horizon: snapshot.horizon, vector: JSON.stringify(snapshot.vector), rows: snapshot.rows };
          await tx.snapshot.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data });
          await rebuildState(tx);
        },
        { timeout: TRANSACTION_TIMEOUT_MS },
      );
      this.snapshot = { horizon: snapshot.horizon, vector: snapshot.vector };
      for (const [origin, seq] of Object.entries(snapshot.vector)) {
        this.applied.set(Number(origin), Math.max(this.applied.get(Number(origin)) ?? 0, seq));
      }
      if (snapshot.horizon > this.maxHlc) this.maxHlc = snapshot.horizon;
      this.clock.observe(snapshot.horizon);
      this.rebuilds += 1;
      this.onRebuilt();
      return true;
    });
  }

  /** HLC of the logged op (origin, seq), if still in the log (horizon.ts). */
  async hlcOf(origin: number, seq: number): Promise<string | undefined> {
    return (await this.prisma.opLog.findUnique({ where: { origin_seq: { origin, seq } }, select: { hlc: true } }))?.hlc;
  }

  /** Logged ops at or below `limit`, in HLC order (horizon.ts). */
  async opsUpTo(limit: string): Promise<Array<{ origin: number; seq: number; hlc: string }>> {
    return this.prisma.opLog.findMany({ where: { hlc: { lte: limit } }, orderBy: { hlc: 'asc' }, select: { origin: true, seq: true, hlc: true } });
  }

  onApplied(listener: (ops: ReplicatedOp[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replays the whole log in HLC order (used after a non-commuting late op; also by tests). */
  async rebuild(): Promise<void> {
    await this.mutex.run(() => this.prisma.$transaction((tx) => rebuildState(tx), { timeout: TRANSACTION_TIMEOUT_MS }));
    this.rebuilds += 1;
  }

  /** Waits for the write in progress, if any (used when stopping). */
  async drain(): Promise<void> {
    await this.mutex.run(async () => undefined);
  }

  private async commutesWithLater(tx: Tx, r: ReplicatedOp): Promise<boolean> {
    const later = await tx.opLog.findMany({ where: { hlc: { gt: r.hlc } }, select: { op: true }, take: MAX_COMMUTE_CHECK + 1 });
    if (later.length > MAX_COMMUTE_CHECK) return false;
    const keys = opKeys(r.op);
    return later.every((row) => !keysOverlap(keys, opKeys(JSON.parse(row.op) as Op)));
  }

  private noteApplied(r: ReplicatedOp): void {
    this.applied.set(r.origin, Math.max(this.applied.get(r.origin) ?? 0, r.seq));
    if (r.hlc > this.maxHlc) this.maxHlc = r.hlc;
  }

  private emit(ops: ReplicatedOp[]): void {
    if (ops.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(ops);
      } catch {
        // A listener's failure must not undo or block a committed write.
      }
    }
  }
}

function opId(r: { origin: number; seq: number }): string {
  return `${r.origin}:${r.seq}`;
}

/**
 * Resets the state to the snapshot (or to nothing) and applies the retained log in HLC order,
 * up to and including `upTo` when given. Returns the events of the ops named in `collect`.
 */
async function rebuildState(tx: Tx, upTo?: string, collect?: ReadonlySet<string>): Promise<Effect[]> {
  await clearState(tx);
  const snapshot = await tx.snapshot.findUnique({ where: { id: 1 } });
  if (snapshot) await loadState(tx, snapshot.rows);
  return replay(tx, snapshot?.horizon, upTo, collect);
}

/** Applies the logged ops with HLC in (after, upTo] in HLC order. */
async function replay(tx: Tx, after: string | undefined, upTo: string | undefined, collect?: ReadonlySet<string>): Promise<Effect[]> {
  const effects: Effect[] = [];
  let cursor = after;
  for (;;) {
    const hlc = { ...(cursor === undefined ? {} : { gt: cursor }), ...(upTo === undefined ? {} : { lte: upTo }) };
    const rows = await tx.opLog.findMany({ where: { hlc }, orderBy: { hlc: 'asc' }, take: REBUILD_PAGE });
    if (rows.length === 0) break;
    for (const row of rows) {
      const events = await applyOp(tx, JSON.parse(row.op) as Op, { hlc: row.hlc });
      if (collect?.has(opId(row))) effects.push(...events);
    }
    cursor = rows[rows.length - 1]!.hlc;
  }
  return effects;
}
