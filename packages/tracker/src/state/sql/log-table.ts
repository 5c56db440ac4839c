/**
 * The replication bookkeeping tables (OpLog, Snapshot, Replica) as prepared statements on one
 * better-sqlite3 connection. The store keeps one on the writer connection (inside its
 * transactions) and one on the read-only connection, where reads see only committed ops: what
 * the pump sends a peer and what compaction reasons about must never be a write that is still
 * open and could roll back. See state-rows.ts for why these are not Prisma queries.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Op, ReplicatedOp, Vector } from '@groupshare/protocol';
import { sqlDate } from './schema.js';

/** An OpLog row as stored: the op still JSON text. */
export interface LogRow {
  idx: number;
  origin: number;
  seq: number;
  hlc: string;
  op: string;
}

export interface SnapshotRow {
  horizon: string;
  /** JSON vector */
  vector: string;
  rows: string;
}

const COLUMNS = '"idx", "origin", "seq", "hlc", "op"';

export class LogTable {
  private readonly s;

  constructor(db: Database) {
    const p = <T extends unknown[] = unknown[]>(sql: string): Statement<T> => db.prepare<T>(sql).safeIntegers(false);
    this.s = {
      insert: p('INSERT INTO "OpLog" ("origin", "seq", "hlc", "op", "appliedAt") VALUES (?, ?, ?, ?, ?)'),
      afterIndex: p(`SELECT ${COLUMNS} FROM "OpLog" WHERE "idx" > ? ORDER BY "idx" ASC LIMIT ?`),
      hlcRange: p(`SELECT ${COLUMNS} FROM "OpLog" WHERE "hlc" > ? AND "hlc" <= ? ORDER BY "hlc" ASC LIMIT ?`),
      laterOps: p('SELECT "op" FROM "OpLog" WHERE "hlc" > ? LIMIT ?').pluck(),
      hlcOf: p('SELECT "hlc" FROM "OpLog" WHERE "origin" = ? AND "seq" = ?').pluck(),
      countAbove: p('SELECT count(*) FROM "OpLog" WHERE "hlc" > ?').pluck(),
      countBetween: p('SELECT count(*) FROM "OpLog" WHERE "hlc" > ? AND "hlc" <= ?').pluck(),
      lateOp: p('SELECT 1 FROM "OpLog" WHERE "hlc" <= ? AND "idx" > ? LIMIT 1').pluck(),
      deleteSomeUpTo: p('DELETE FROM "OpLog" WHERE "idx" IN (SELECT "idx" FROM "OpLog" WHERE "hlc" <= ? LIMIT ?)'),
      maxSeqs: p('SELECT "origin", max("seq") AS "seq" FROM "OpLog" GROUP BY "origin"'),
      newest: p('SELECT max("hlc") FROM "OpLog"').pluck(),
      lastIndex: p('SELECT max("idx") FROM "OpLog"').pluck(),
      originUsed: p('SELECT 1 FROM "OpLog" WHERE "origin" = ? LIMIT 1').pluck(),
      deleteUpTo: p('DELETE FROM "OpLog" WHERE "hlc" <= ?'),
      deleteCovered: p('DELETE FROM "OpLog" WHERE "origin" = ? AND "seq" <= ?'),
      ofOriginAfter: p(`SELECT ${COLUMNS} FROM "OpLog" WHERE "origin" = ? AND "seq" > ? ORDER BY "seq" ASC`),
      restamp: p('UPDATE "OpLog" SET "hlc" = ?, "op" = ? WHERE "origin" = ? AND "seq" = ?'),
      snapshot: p('SELECT "horizon", "vector", "rows" FROM "Snapshot" WHERE "id" = 1'),
      snapshotHead: p('SELECT "horizon", "vector" FROM "Snapshot" WHERE "id" = 1'),
      putSnapshot: p(
        'INSERT INTO "Snapshot" ("id", "horizon", "vector", "rows") VALUES (1, ?, ?, ?) ' +
          'ON CONFLICT ("id") DO UPDATE SET "horizon" = excluded."horizon", "vector" = excluded."vector", "rows" = excluded."rows"',
      ),
      origin: p('SELECT "origin" FROM "Replica" WHERE "id" = 1').pluck(),
      putOrigin: p('INSERT INTO "Replica" ("id", "origin") VALUES (1, ?)'),
    };
  }

  /** Appends an op; returns its `idx` (local order), the next autoincrement value. */
  insert(r: ReplicatedOp, json = JSON.stringify(r.op)): number {
    return Number(this.s.insert.run(r.origin, r.seq, r.hlc, json, appliedAt()).lastInsertRowid);
  }

  /** Up to `limit` logged ops after local position `idx`, in local order, not parsed. */
  afterIndex(idx: number, limit: number): LogRow[] {
    return this.s.afterIndex.all(idx, limit) as LogRow[];
  }

  /** Up to `limit` logged ops with `after < hlc ≤ upTo`, in HLC order. */
  hlcRange(after: string, upTo: string, limit: number): ReplicatedOp[] {
    return (this.s.hlcRange.all(after, upTo, limit) as LogRow[]).map(parse);
  }

  /** The ops logged with an HLC above `hlc` (at most `limit`), in no particular order. */
  laterOps(hlc: string, limit: number): Op[] {
    return (this.s.laterOps.all(hlc, limit) as string[]).map((json) => JSON.parse(json) as Op);
  }

  hlcOf(origin: number, seq: number): string | undefined {
    return this.s.hlcOf.get(origin, seq) as string | undefined;
  }

  /** How many logged ops have an HLC above `hlc`. */
  countAbove(hlc: string): number {
    return this.s.countAbove.get(hlc) as number;
  }

  /** How many logged ops have `after < hlc ≤ upTo`. */
  countBetween(after: string, upTo: string): number {
    return this.s.countBetween.get(after, upTo) as number;
  }

  /** Whether an op at or below `hlc` was logged after local position `idx` (a late op). */
  hasLateOp(hlc: string, idx: number): boolean {
    return this.s.lateOp.get(hlc, idx) !== undefined;
  }

  /** Deletes up to `limit` of the ops at or below `hlc`; returns how many it deleted. */
  deleteSomeUpTo(hlc: string, limit: number): number {
    return this.s.deleteSomeUpTo.run(hlc, limit).changes;
  }

  /** The highest logged sequence number per origin. */
  maxSeqs(): Vector {
    const rows = this.s.maxSeqs.all() as Array<{ origin: number; seq: number }>;
    return Object.fromEntries(rows.map((r) => [String(r.origin), r.seq]));
  }

  /** The newest HLC in the log, or '' when it is empty. */
  newestHlc(): string {
    return (this.s.newest.get() as string | null) ?? '';
  }

  /** The local position of the last logged op, 0 when the log is empty. */
  lastIndex(): number {
    return (this.s.lastIndex.get() as number | null) ?? 0;
  }

  originUsed(origin: number): boolean {
    return this.s.originUsed.get(origin) !== undefined;
  }

  deleteUpTo(hlc: string): number {
    return this.s.deleteUpTo.run(hlc).changes;
  }

  /** Deletes the ops of `origin` up to `seq`. */
  deleteCovered(origin: number, seq: number): void {
    this.s.deleteCovered.run(origin, seq);
  }

  /** The ops of `origin` after `seq`, in sequence order (which is also their HLC order). */
  ofOriginAfter(origin: number, seq: number): ReplicatedOp[] {
    return (this.s.ofOriginAfter.all(origin, seq) as LogRow[]).map(parse);
  }

  /** Gives the logged op (origin, seq) a new HLC and body; its place in the local log stays. */
  restamp(r: ReplicatedOp): void {
    this.s.restamp.run(r.hlc, JSON.stringify(r.op), r.origin, r.seq);
  }

  snapshot(): SnapshotRow | undefined {
    return this.s.snapshot.get() as SnapshotRow | undefined;
  }

  /** The snapshot's horizon and vector, without its rows. */
  snapshotHead(): Omit<SnapshotRow, 'rows'> | undefined {
    return this.s.snapshotHead.get() as Omit<SnapshotRow, 'rows'> | undefined;
  }

  putSnapshot(snapshot: SnapshotRow): void {
    this.s.putSnapshot.run(snapshot.horizon, snapshot.vector, snapshot.rows);
  }

  origin(): number | undefined {
    return this.s.origin.get() as number | undefined;
  }

  putOrigin(origin: number): void {
    this.s.putOrigin.run(origin);
  }

}

/** Now, as Prisma stores a DateTime; one conversion per millisecond, not per op. */
function appliedAt(): string {
  const now = Date.now();
  if (now !== lastApplied.ms) lastApplied = { ms: now, text: sqlDate(now) };
  return lastApplied.text;
}
let lastApplied = { ms: 0, text: '' };

function parse(row: LogRow): ReplicatedOp & { idx: number } {
  return { idx: row.idx, origin: row.origin, seq: row.seq, hlc: row.hlc, op: JSON.parse(row.op) as Op };
}
