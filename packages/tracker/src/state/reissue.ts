/**
 * Re-issuing this tracker's own writes that a peer's snapshot cannot place (docs/replication.md,
 * "Evicting a tracker that stays away"). A tracker cut off for longer than `--evict-after` may
 * have accepted writes that no other tracker received while the others compacted past them.
 * When it installs their snapshot, those ops sit at or below its horizon: they cannot be folded
 * in HLC order any more, and deleting them would lose acknowledged writes (and leave a gap in
 * this origin's sequence on the others, behind which its later ops would wait for ever).
 *
 * So they are re-issued: same origin and sequence numbers (no gap; nobody holds them, so no
 * tracker sees two versions), new HLCs from this tracker's clock, in their old order, above the
 * horizon and above everything it has seen. Every op of this origin the snapshot does not cover
 * is re-issued, also those already above the horizon, so HLCs keep growing with sequence
 * numbers within the origin (compaction relies on it, horizon.ts). Apply re-checks every op
 * against the state it meets, so one that no longer makes sense (its user was removed
 * meanwhile) changes nothing, the same way on every tracker.
 *
 * Ops of other origins cannot be re-issued here: their origin may still send the originals.
 */
import type { Op, ReplicatedOp, Vector } from '@groupshare/protocol';
import { hlcDate, type HybridClock } from './hlc.js';
import type { LogTable } from './sql/log-table.js';

/**
 * Re-stamps in the log the ops of `origin` that `snapshot` does not cover, if any of them is at
 * or below its horizon; returns them as re-issued (none if there was no need). Runs inside the
 * store's transaction, before the ops below the horizon are deleted and the state rebuilt.
 */
export function reissueOwnOps(log: LogTable, clock: HybridClock, origin: number, snapshot: { horizon: string; vector: Vector }): ReplicatedOp[] {
  const uncovered = log.ofOriginAfter(origin, snapshot.vector[String(origin)] ?? 0);
  if (!uncovered.some((r) => r.hlc <= snapshot.horizon)) return [];
  clock.observe(snapshot.horizon);
  // An account is the HLC of the registration (or password reset) it stands for: ops made under
  // a re-issued one must name its new HLC, or apply would take them for a stale incarnation.
  const renamed = new Map<string, string>();
  return uncovered.map((old) => {
    const hlc = clock.now();
    renamed.set(old.hlc, hlc);
    const op = { ...old.op, at: hlcDate(hlc) } as Op;
    if ('account' in op) op.account = renamed.get(op.account) ?? op.account;
    const r: ReplicatedOp = { origin, seq: old.seq, hlc, op };
    log.restamp(r);
    return r;
  });
}
