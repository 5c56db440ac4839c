/**
 * The types of the store's write path (store.ts): what handlers write through, and what one
 * transaction of the write queue carries until it commits.
 */
import type { Op, ReplicatedOp, Vector } from '@groupshare/protocol';
import type Database from 'better-sqlite3';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Effect } from './effects.js';
import type { TxReader } from './tx-reads.js';

/** An op as a handler writes it; the store stamps `at`. */
export type OpBody = Op extends infer O ? (O extends Op ? Omit<O, 'at'> : never) : never;

/** What a mutation sees: named reads (inside the transaction), and `commit` for writes. */
export interface Writer {
  readonly read: TxReader;
  /** Applies an op now (later reads in this transaction see it) and logs it. */
  commit(body: OpBody): Promise<Op>;
}

export interface MutationResult<T> {
  value: T;
  effects: Effect[];
  ops: Op[];
}

/** The connections a store works on (TrackerDatabase has them). */
export interface StoreDatabase {
  prisma: PrismaClient;
  sqlite: { writer: Database.Database; reader: Database.Database };
  /** The database file: compaction reads its capture on a connection of its own. */
  file: string;
}

/** An op and its position in the local log. */
export interface LoggedOp {
  idx: number;
  r: ReplicatedOp;
}

/** The committed state at one moment, on its way to becoming the snapshot (compaction). */
export interface SnapshotCapture {
  /** The newest HLC folded in: every logged op at or below it, and no other. */
  horizon: string;
  vector: Vector;
  /** The log's last local position at the capture: ops logged later are not in it. */
  lastIndex: number;
  generation: number;
  rows: string;
}

/** What one transaction's jobs have done, made visible in memory only once it commits. */
export interface Pending {
  vector: Map<number, number>;
  maxHlc: string;
  /** Ops accepted, in order: emitted to the replication links after the commit. */
  logged: ReplicatedOp[];
  /** The ops among them written to the log, with their positions there (the store's tail). */
  tail: LoggedOp[];
  afterCommit: Array<() => void>;
}
