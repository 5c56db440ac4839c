/**
 * The compaction horizon: the latest HLC at or below which every tracker of the cluster holds
 * every op, and below which no op can still appear (docs/replication.md, "Compaction"). No I/O of its
 * own: the store and the links supply the facts.
 *
 * - Each tracker j reported, in its latest vector or ack, the ops it holds (`vector`) and its
 *   HLC clock (`clock`) read *before* that vector, so any op j writes later has a later HLC.
 *   The horizon is at most the smallest such clock, and at most this tracker's own clock.
 * - If a tracker holds more of some origin's ops than this one, the ones missing here are
 *   newer than this tracker's last op from that origin: the horizon stays below that op.
 * - Finally, the horizon stops just before the first op (in HLC order) that some tracker's
 *   vector does not cover.
 */
import type { Vector } from '@groupshare/protocol';

export interface TrackerProgress {
  vector: Vector;
  clock: string;
}

export interface HorizonFacts {
  /** This tracker's vector and clock (clock read first). */
  self: TrackerProgress;
  /** Every other tracker's latest progress; a tracker never heard from makes it undefined. */
  others: Array<TrackerProgress | undefined>;
  /** HLC of this tracker's op (origin, seq), if it still has it in its log. */
  hlcOf: (origin: number, seq: number) => Promise<string | undefined>;
  /** This tracker's retained ops at or below `limit`, in HLC order. */
  opsUpTo: (limit: string) => Promise<Array<{ origin: number; seq: number; hlc: string }>>;
}

/** The horizon, or undefined when nothing may be compacted. */
export async function stableHorizon(facts: HorizonFacts): Promise<string | undefined> {
  if (facts.others.some((p) => p === undefined)) return undefined;
  const others = facts.others as TrackerProgress[];
  let limit = [facts.self.clock, ...others.map((p) => p.clock)].sort()[0]!;

  const origins = new Set<string>([...Object.keys(facts.self.vector), ...others.flatMap((p) => Object.keys(p.vector))]);
  for (const origin of origins) {
    const mine = facts.self.vector[origin] ?? 0;
    const most = Math.max(...others.map((p) => p.vector[origin] ?? 0));
    if (mine >= most) continue;
    if (mine === 0) return undefined; // nothing from that origin here yet: no lower bound known
    const last = await facts.hlcOf(Number(origin), mine);
    if (last === undefined) return undefined;
    if (last < limit) limit = last;
  }

  let horizon: string | undefined;
  for (const op of await facts.opsUpTo(limit)) {
    if (others.some((p) => (p.vector[String(op.origin)] ?? 0) < op.seq)) break;
    horizon = op.hlc;
  }
  return horizon;
}
