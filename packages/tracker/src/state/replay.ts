/**
 * Folding the log: rebuilding the state from the snapshot and the retained ops in HLC order, and
 * the check that lets a late op skip it. "State = the ops applied in HLC order" is kept by these
 * (docs/replication.md); both run inside the store's transaction, on the writer connection.
 */
import type { ReplicatedOp } from '@groupshare/protocol';
import type { Database } from 'better-sqlite3';
import { applyOp } from './apply.js';
import type { Effect } from './effects.js';
import { keysOverlap, opKeys } from './op-keys.js';
import { clearState, loadState } from './sql/dump.js';
import type { LogTable } from './sql/log-table.js';
import type { StateRows } from './sql/state-rows.js';

/** Past this many later ops, checking commutation costs about as much as a rebuild. */
const MAX_COMMUTE_CHECK = 5_000;
const REPLAY_PAGE = 1_000;
/** Sorts after every HLC (digits and dashes): "no upper bound" for HLC ranges. */
const AFTER_ALL_HLCS = '~';

/** `origin:seq`, an op's identity. */
export function opId(r: { origin: number; seq: number }): string {
  return `${r.origin}:${r.seq}`;
}

/**
 * Whether the late op `r` touches no row that any op after it in HLC order touches (op-keys.ts),
 * so applying it now gives the state of applying it in its place.
 */
export function commutesWithLater(log: LogTable, r: ReplicatedOp): boolean {
  const later = log.laterOps(r.hlc, MAX_COMMUTE_CHECK + 1);
  if (later.length > MAX_COMMUTE_CHECK) return false;
  const keys = opKeys(r.op);
  return later.every((op) => !keysOverlap(keys, opKeys(op)));
}

/**
 * Resets the state to the snapshot (or to nothing) and applies the retained log in HLC order.
 * Returns the events of the ops named in `collect`.
 */
export function rebuildState(db: Database, rows: StateRows, log: LogTable, collect?: ReadonlySet<string>): Effect[] {
  clearState(db);
  const snapshot = log.snapshot();
  if (snapshot) loadState(db, snapshot.rows);
  const effects: Effect[] = [];
  // Ops at or below the snapshot's horizon are in it (some may not be deleted from the log yet).
  let cursor = snapshot?.horizon ?? '';
  for (;;) {
    const page = log.hlcRange(cursor, AFTER_ALL_HLCS, REPLAY_PAGE);
    if (page.length === 0) break;
    for (const r of page) {
      const events = applyOp(rows, r.op, { hlc: r.hlc });
      if (collect?.has(opId(r))) effects.push(...events);
    }
    cursor = page[page.length - 1]!.hlc;
  }
  return effects;
}
