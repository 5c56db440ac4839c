/**
 * The write path and the replica. Every change goes through `mutate` (local) or `applyRemote`
 * (from another tracker): jobs on one write queue (write-queue.ts) that apply ops and append
 * them to the OpLog in the same transaction, so state and log never disagree. Jobs queued
 * together share a transaction (group commit); each is isolated by a savepoint.
 *
 * State is defined as the ops applied in HLC order. A local op always has the newest HLC. A
 * remote op usually does too; one that arrives late is applied directly when it commutes with
 * every op after it (op-keys.ts), and otherwise the state is rebuilt from the log, so the
 * result never depends on the order ops arrived in (docs/replication.md).
 *
 * Ops are applied with prepared statements on the writer connection (sql/state-rows.ts,
 * sql/log-table.ts); handlers read through named lookups (`Writer.read`, tx-reads.ts) on that
 * same connection, so they see the open transaction. Reads for replication and compaction use
 * the read-only connection, which sees committed ops only.
 */
import type { Op, ReplicatedOp, Vector } from '@groupshare/protocol';
import type Database from 'better-sqlite3';
import { randomInt } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { RemoteSender, ReplicaStore } from '../replication/replica-store.js';
import { applyOp } from './apply.js';
import type { Effect } from './effects.js';
import { HybridClock, hlcDate } from './hlc.js';
import { reissueOwnOps } from './reissue.js';
import { commutesWithLater, opId, rebuildState } from './replay.js';
import { captureState } from './sql/dump.js';
import { LogTable } from './sql/log-table.js';
import { StateRows } from './sql/state-rows.js';
import type { LoggedOp, MutationResult, Pending, SnapshotCapture, StoreDatabase, Writer } from './store-types.js';
import { TxReads, type TxReader } from './tx-reads.js';
import { WriteQueue } from './write-queue.js';

export type { MutationResult, OpBody, SnapshotCapture, StoreDatabase, Writer } from './store-types.js';

/** Log rows read per query when a pump's cursor is behind what is in memory. */
const REPLAY_PAGE = 1_000;
/** Ops kept in memory for the replication pumps (a few MiB). */
const TAIL_OPS = 8_192;
/** Compacted ops deleted per transaction: each deletion stays short (~10 ms on this machine). */
const DROP_PER_TRANSACTION = 2_000;
const BUSY_TIMEOUT_MS = 5_000;

export class TrackerStore implements ReplicaStore {
  readonly prisma: PrismaClient;
  private readonly db: Database.Database;
  private readonly file: string;
  /** What handlers read through inside a mutation (tx-reads.ts). */
  private readonly reads: TxReader;
  private readonly rows: StateRows;
  /** The log on the writer connection (inside transactions). */
  private readonly log: LogTable;
  /** The log on the read-only connection: committed ops only. */
  private readonly committed: LogTable;
  private readonly queue: WriteQueue<Pending>;
  private readonly applied = new Map<number, number>();
  private maxHlc = '';
  /**
   * The last ops committed to the log, in log order: what the replication pumps ask for next,
   * served without reading and parsing them back (the log's suffix: emptied whenever ops are
   * deleted from the log).
   */
  private readonly tail: LoggedOp[] = [];
  private readonly listeners = new Set<(ops: ReplicatedOp[]) => void>();
  /** Remote pushes are delivered through this (set by the tracker). */
  onRemoteEffects: (effects: Effect[]) => void = () => {};
  /** Called after a rebuild committed: sessions may have ended, connections must be checked. */
  onRebuilt: () => void = () => {};
  /** How many times the state was rebuilt from the log (status, tests). */
  rebuilds = 0;
  /** The compaction snapshot's horizon and vector, if the log was ever compacted. */
  private snapshot: { horizon: string; vector: Vector } | undefined;
  /** Bumped whenever a snapshot is installed: a capture taken before then is stale. */
  private generation = 0;

  /** This database's origin in the replication log (the Replica row), known after start(). */
  origin = 0;

  constructor(
    database: StoreDatabase,
    /** This tracker's number in tracker_info.txt: the HLC's tie-break. */
    readonly trackerNumber: number,
    readonly clock: HybridClock = new HybridClock(trackerNumber),
  ) {
    this.prisma = database.prisma;
    this.db = database.sqlite.writer;
    this.file = database.file;
    this.rows = new StateRows(this.db);
    this.reads = new TxReads(this.rows, this.prisma);
    this.log = new LogTable(this.db);
    this.committed = new LogTable(database.sqlite.reader);
    this.queue = new WriteQueue<Pending>({
      db: this.db,
      begin: () => ({ vector: new Map(this.applied), maxHlc: this.maxHlc, logged: [], tail: [], afterCommit: [] }),
      mark: (p) => ({ vector: new Map(p.vector), maxHlc: p.maxHlc, logged: p.logged.length, tail: p.tail.length, afterCommit: p.afterCommit.length }),
      reset: (p, mark) => {
        const m = mark as { vector: Map<number, number>; maxHlc: string; logged: number; tail: number; afterCommit: number };
        p.vector = m.vector;
        p.maxHlc = m.maxHlc;
        p.logged.length = m.logged;
        p.tail.length = m.tail;
        p.afterCommit.length = m.afterCommit;
      },
      committed: (p) => {
        for (const [origin, seq] of p.vector) this.applied.set(origin, seq);
        if (p.maxHlc > this.maxHlc) this.maxHlc = p.maxHlc;
        this.tail.push(...p.tail);
        if (this.tail.length > TAIL_OPS) this.tail.splice(0, this.tail.length - TAIL_OPS);
        for (const fn of p.afterCommit) fn();
        this.emit(p.logged);
      },
    });
  }

  /** Reads where the log left off, so sequence numbers and the clock continue across restarts. */
  async start(): Promise<void> {
    this.origin = this.loadOrigin();
    for (const [origin, seq] of Object.entries(this.log.maxSeqs())) this.applied.set(Number(origin), seq);
    const snapshot = this.log.snapshotHead();
    if (snapshot) {
      this.snapshot = { horizon: snapshot.horizon, vector: JSON.parse(snapshot.vector) as Vector };
      for (const [origin, seq] of Object.entries(this.snapshot.vector)) {
        this.applied.set(Number(origin), Math.max(this.applied.get(Number(origin)) ?? 0, seq));
      }
    }
    this.maxHlc = [this.log.newestHlc(), snapshot?.horizon ?? ''].sort().at(-1)!;
    // Never issue a timestamp older than one already logged, even if the wall clock went back.
    if (this.maxHlc) this.clock.observe(this.maxHlc);
  }

  /** The Replica row's origin, created at random with the database (see schema.prisma). */
  private loadOrigin(): number {
    const existing = this.log.origin();
    if (existing !== undefined) return existing;
    for (;;) {
      const origin = randomInt(1, 2 ** 31 - 1);
      if (this.log.originUsed(origin)) continue; // never reuse one seen
      this.log.putOrigin(origin);
      return origin;
    }
  }

  mutate<T>(fn: (writer: Writer) => Promise<T>): Promise<MutationResult<T>> {
    return this.queue.run(async (p) => {
      const effects: Effect[] = [];
      const ops: Op[] = [];
      const writer: Writer = {
        // On the connection that holds the open transaction, so it sees this job's writes.
        read: this.reads,
        commit: async (body) => {
          const hlc = this.clock.now();
          const op = { ...body, at: hlcDate(hlc) } as Op;
          effects.push(...applyOp(this.rows, op, { hlc }));
          const r: ReplicatedOp = { origin: this.origin, seq: (p.vector.get(this.origin) ?? 0) + 1, hlc, op };
          p.tail.push({ idx: this.log.insert(r), r });
          p.vector.set(r.origin, r.seq);
          p.maxHlc = hlc;
          p.logged.push(r);
          ops.push(op);
          return op;
        },
      };
      const value = await fn(writer);
      return { value, effects, ops };
    });
  }

  async vector(): Promise<Vector> {
    return this.vectorNow();
  }

  private vectorNow(): Vector {
    return Object.fromEntries([...this.applied].map(([origin, seq]) => [String(origin), seq]));
  }

  async opsMissing(peer: Vector, afterIndex: number, limit: number): Promise<{ ops: ReplicatedOp[]; nextIndex: number }> {
    // The common case on a link whose peer is up to date (every op just applied here came from
    // it, or it was sent already): nothing to read. `applied` and the committed log agree at any
    // point JavaScript runs, so the end of the log is where to continue from.
    if (![...this.applied].some(([origin, seq]) => seq > (peer[String(origin)] ?? 0))) {
      return { ops: [], nextIndex: Math.max(afterIndex, this.committed.lastIndex()) };
    }
    const ops: ReplicatedOp[] = [];
    let cursor = afterIndex;
    const first = this.tail[0];
    if (first && afterIndex >= first.idx - 1) {
      // Everything after `afterIndex` is in the tail: no read, no parse.
      for (let i = firstAfter(this.tail, afterIndex); i < this.tail.length; i++) {
        const { idx, r } = this.tail[i]!;
        cursor = idx;
        if (r.seq > (peer[String(r.origin)] ?? 0)) {
          ops.push(r);
          if (ops.length >= limit) break;
        }
      }
      return { ops, nextIndex: cursor };
    }
    while (ops.length < limit) {
      const rows = this.committed.afterIndex(cursor, REPLAY_PAGE);
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

  applyRemote(ops: ReplicatedOp[], from: RemoteSender = {}): Promise<ReplicatedOp[]> {
    return this.queue.run((p) => this.applyRemoteIn(p, ops, from), { weight: Math.max(1, ops.length) });
  }

  private applyRemoteIn(p: Pending, ops: ReplicatedOp[], from: RemoteSender): ReplicatedOp[] {
    const accepted: ReplicatedOp[] = [];
    let effects: Effect[] = [];
    let rebuild = false;
    for (const r of ops) {
      const have = p.vector.get(r.origin) ?? 0;
      if (r.seq <= have) continue; // already applied (duplicates are harmless)
      if (r.seq !== have + 1) break; // a gap: the rest comes again after the next vector exchange
      this.clock.observe(r.hlc);
      if (this.snapshot && r.hlc <= this.snapshot.horizon) {
        // From a tracker that lacked the snapshot (an evicted one, back): it re-issues its own
        // such ops above the horizon when it installs the snapshot (reissue.ts) and drops the
        // others, so taking these now would count them received and lose them. A gap, then.
        if (from.behindSnapshot) break;
        // Otherwise this cannot happen while every tracker acknowledges before compaction
        // (horizon.ts): counted as received so the stream goes on, applied nowhere.
        p.vector.set(r.origin, r.seq);
        accepted.push(r);
        continue;
      }
      if (!rebuild) {
        if (r.hlc > p.maxHlc || commutesWithLater(this.log, r)) effects.push(...applyOp(this.rows, r.op, { hlc: r.hlc }));
        else rebuild = true; // everything from here on is covered by the rebuild
      }
      p.tail.push({ idx: this.log.insert(r), r });
      p.vector.set(r.origin, r.seq);
      if (r.hlc > p.maxHlc) p.maxHlc = r.hlc;
      accepted.push(r);
    }
    if (rebuild) {
      // The replay re-derives every op's events: keep those of the ops received just now
      // (in their HLC-order form), drop the old ones, which were pushed when they happened.
      effects = rebuildState(this.db, this.rows, this.log, new Set(accepted.map(opId)));
      p.afterCommit.push(() => {
        this.rebuilds += 1;
        this.onRebuilt();
      });
    }
    p.afterCommit.push(() => this.onRemoteEffects(effects));
    p.logged.push(...accepted);
    return accepted;
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
    const row = this.committed.snapshot();
    return row ? { horizon: row.horizon, vector: JSON.parse(row.vector) as Vector, rows: row.rows } : undefined;
  }

  /**
   * Compaction, step 1: the committed state as it is now, with the ops it folds in (the vector,
   * every op up to `horizon`, the newest HLC), to become the snapshot once every tracker holds
   * those ops (step 2, {@link installCapture}). Undefined when nothing new would be folded in.
   *
   * The dump is read on a connection of its own inside one read transaction, opened in the same
   * synchronous step that reads the vector and HLC, so it is exactly the state those ops make;
   * it yields to the event loop as it goes. Replaying the log to get the state at some earlier
   * horizon, as compaction did before, stalled every request for seconds on a large log.
   */
  async captureSnapshot(): Promise<SnapshotCapture | undefined> {
    if (!this.maxHlc || (this.snapshot && this.maxHlc <= this.snapshot.horizon)) return undefined;
    return captureState(this.file, BUSY_TIMEOUT_MS, () => ({ horizon: this.maxHlc, vector: this.vectorNow(), generation: this.generation }));
  }

  /**
   * Compaction, step 2: makes `capture` the snapshot, if it still describes the log: no snapshot
   * was installed since, and no op at or below its HLC arrived after it was taken (a late op
   * from a partition; the caller takes a new capture then). The caller guarantees every tracker
   * holds its ops (horizon.ts). The compacted ops stay in the log until {@link dropCompacted}
   * removes them, a few thousand per transaction; every reader of the log skips them meanwhile
   * (a replay starts after the snapshot's horizon). Returns how many ops were folded in.
   */
  installCapture(capture: SnapshotCapture): Promise<number> {
    return this.queue.run(
      (p) => {
        if (capture.generation !== this.generation || (this.snapshot && capture.horizon <= this.snapshot.horizon)) return 0;
        if (this.log.hasLateOp(capture.horizon, capture.lastIndex)) return 0;
        const count = this.log.countBetween(this.snapshot?.horizon ?? '', capture.horizon);
        this.log.putSnapshot({ horizon: capture.horizon, vector: JSON.stringify(capture.vector), rows: capture.rows });
        p.afterCommit.push(() => {
          this.snapshot = { horizon: capture.horizon, vector: capture.vector };
          this.generation += 1;
        });
        return count;
      },
      { exclusive: true },
    );
  }

  /** Deletes up to `limit` ops that the snapshot holds; returns how many (0: none are left). */
  dropCompacted(limit = DROP_PER_TRANSACTION): Promise<number> {
    return this.queue.run(
      (p) => {
        if (!this.snapshot) return 0;
        p.afterCommit.push(() => (this.tail.length = 0));
        return this.log.deleteSomeUpTo(this.snapshot.horizon, limit);
      },
      { exclusive: true },
    );
  }

  /** Ops in the log that the snapshot does not hold yet. */
  async retainedOps(): Promise<number> {
    return this.committed.countAbove(this.snapshot?.horizon ?? '');
  }

  /**
   * Installs a peer's snapshot when this tracker lacks ops that were compacted there (it is new,
   * lost its data, or was evicted). Ops it holds that the snapshot covers are dropped; its own
   * that it does not cover are re-issued above its horizon if any is at or below it (reissue.ts);
   * the rest are replayed on top, except other origins' ops at or below the horizon, which cannot
   * be placed. Returns false (and changes nothing) if this tracker already has everything in it.
   */
  installSnapshot(snapshot: { horizon: string; vector: Vector; rows: string }): Promise<boolean> {
    return this.queue.run(
      (p) => {
        if (!Object.entries(snapshot.vector).some(([origin, seq]) => (this.applied.get(Number(origin)) ?? 0) < seq)) return false;
        for (const [origin, seq] of Object.entries(snapshot.vector)) this.log.deleteCovered(Number(origin), seq);
        const reissued = reissueOwnOps(this.log, this.clock, this.origin, snapshot);
        // Anything still at or below the horizon cannot be placed relative to the snapshot.
        this.log.deleteUpTo(snapshot.horizon);
        this.log.putSnapshot({ horizon: snapshot.horizon, vector: JSON.stringify(snapshot.vector), rows: snapshot.rows });
        rebuildState(this.db, this.rows, this.log);
        for (const [origin, seq] of Object.entries(snapshot.vector)) {
          p.vector.set(Number(origin), Math.max(p.vector.get(Number(origin)) ?? 0, seq));
        }
        for (const hlc of [snapshot.horizon, reissued.at(-1)?.hlc ?? '']) if (hlc > p.maxHlc) p.maxHlc = hlc;
        this.clock.observe(snapshot.horizon);
        // Sent on like any op not sent yet (the pumps start over from what each peer confirmed).
        p.logged.push(...reissued);
        p.afterCommit.push(() => {
          this.snapshot = { horizon: snapshot.horizon, vector: snapshot.vector };
          this.tail.length = 0;
          this.generation += 1;
          this.rebuilds += 1;
          this.onRebuilt();
        });
        return true;
      },
      { exclusive: true },
    );
  }

  /** HLC of the logged op (origin, seq), if still in the log (horizon.ts). */
  async hlcOf(origin: number, seq: number): Promise<string | undefined> {
    return this.committed.hlcOf(origin, seq);
  }

  onApplied(listener: (ops: ReplicatedOp[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replays the whole log in HLC order (used after a non-commuting late op; also by tests). */
  async rebuild(): Promise<void> {
    await this.queue.run(() => rebuildState(this.db, this.rows, this.log), { exclusive: true });
    this.rebuilds += 1;
  }

  /** Waits for the writes queued so far (used when stopping). */
  async drain(): Promise<void> {
    await this.queue.run(() => undefined);
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

/** The position in `tail` (sorted by idx) of the first op logged after `idx`. */
function firstAfter(tail: readonly LoggedOp[], idx: number): number {
  let lo = 0;
  let hi = tail.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tail[mid]!.idx <= idx) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

