/**
 * Group commit for the store: every write runs as a job on one queue, and the jobs that queued
 * up while a transaction was running share the next one. Why: a transaction per write costs a
 * BEGIN, a COMMIT and a WAL append of every page it touched; at a thousand writes a second the
 * same index pages are appended again and again. Grouped, they are written once per group, and
 * the replication pump is woken once per group instead of once per write.
 *
 * Each job runs inside a SAVEPOINT, so a job that throws (a request refused halfway) is rolled
 * back alone and the others in its group still commit. Results are handed out only after the
 * COMMIT: no caller ever sees, or replies about, a write that could still be lost. If the COMMIT
 * fails (or SQLite aborted the transaction), every job of the group fails with that error.
 *
 * Jobs are serialised (SQLite has one writer anyway), which also makes read-check-write handlers
 * race-free, as the mutex before this did. `exclusive` jobs (rebuild, compaction, installing a
 * snapshot) run in a transaction of their own.
 */
import type { Database, Statement } from 'better-sqlite3';

/** How soon a write is tried again when another connection holds the write lock. */
const BUSY_RETRY_MS = 2;

export interface WriteQueueInit<S> {
  db: Database;
  /** Working state for a new transaction (what the jobs did, not yet committed). */
  begin(): S;
  /** A copy of `state` to go back to if the next job fails. */
  mark(state: S): unknown;
  reset(state: S, mark: unknown): void;
  /** Called after COMMIT with the group's state, before any job's promise resolves. */
  committed(state: S): void;
  /** Most weight (e.g. ops) in one group; a single heavier job still runs. Default 8,000. */
  maxWeight?: number;
}

interface Job<S> {
  run: (state: S) => unknown;
  exclusive: boolean;
  weight: number;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class WriteQueue<S> {
  private readonly jobs: Array<Job<S>> = [];
  private draining = false;
  private readonly sql: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', Statement>;
  /** Transactions committed (tests, status). */
  groups = 0;

  constructor(private readonly init: WriteQueueInit<S>) {
    const p = (sql: string): Statement => init.db.prepare(sql);
    this.sql = {
      begin: p('BEGIN IMMEDIATE'),
      commit: p('COMMIT'),
      rollback: p('ROLLBACK'),
      savepoint: p('SAVEPOINT job'),
      release: p('RELEASE job'),
      rollbackTo: p('ROLLBACK TO job'),
    };
  }

  /** Runs `job` in the next transaction; resolves with its result once that has committed. */
  run<T>(job: (state: S) => T | Promise<T>, opts: { exclusive?: boolean; weight?: number } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run: job, exclusive: opts.exclusive ?? false, weight: opts.weight ?? 1, resolve: resolve as (v: unknown) => void, reject });
      if (this.draining) return;
      // Start on the next turn of the event loop, after every socket that is readable now has
      // been read: the requests that arrived together then share one transaction.
      this.draining = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.jobs.length > 0) {
        if (!this.begin()) {
          // Another connection holds the write lock (a WAL checkpoint rewinding the log): try
          // again shortly, without blocking the event loop; the queue keeps filling meanwhile.
          setTimeout(() => void this.drain(), BUSY_RETRY_MS);
          return;
        }
        await this.runGroup(this.takeGroup());
      }
    } catch (err) {
      // Only a failed BEGIN gets here (runGroup settles its jobs): fail the waiting jobs rather
      // than leave them hanging.
      for (const job of this.jobs.splice(0)) job.reject(err);
    }
    this.draining = false;
  }

  /** BEGIN IMMEDIATE; false if the database is busy (SQLITE_BUSY), so the caller retries. */
  private begin(): boolean {
    try {
      this.sql.begin.run();
      return true;
    } catch (err) {
      if (String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY')) return false;
      throw err;
    }
  }

  private takeGroup(): Array<Job<S>> {
    const first = this.jobs.shift() as Job<S>;
    if (first.exclusive) return [first];
    const group = [first];
    let weight = first.weight;
    const max = this.init.maxWeight ?? 8_000;
    while (this.jobs.length > 0) {
      const next = this.jobs[0] as Job<S>;
      if (next.exclusive || weight + next.weight > max) break;
      group.push(this.jobs.shift() as Job<S>);
      weight += next.weight;
    }
    return group;
  }

  /** Runs `group` in the transaction just begun, and commits it. */
  private async runGroup(group: Array<Job<S>>): Promise<void> {
    const { db } = this.init;
    const state = this.init.begin();
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; err: unknown }> = [];
    try {
      for (const job of group) {
        const mark = this.init.mark(state);
        this.sql.savepoint.run();
        try {
          outcomes.push({ ok: true, value: await job.run(state) });
          this.sql.release.run();
        } catch (err) {
          // SQLite may have aborted the whole transaction (disk full, I/O error): then the
          // jobs before this one are lost too, and the group fails below.
          if (!db.inTransaction) throw err;
          this.sql.rollbackTo.run();
          this.sql.release.run();
          this.init.reset(state, mark);
          outcomes.push({ ok: false, err });
        }
      }
      this.sql.commit.run();
    } catch (err) {
      if (db.inTransaction) this.sql.rollback.run();
      for (const job of group) job.reject(err);
      return;
    }
    this.groups += 1;
    try {
      this.init.committed(state);
    } finally {
      group.forEach((job, i) => {
        const outcome = outcomes[i] as (typeof outcomes)[number];
        if (outcome.ok) job.resolve(outcome.value);
        else job.reject(outcome.err);
      });
    }
  }
}
