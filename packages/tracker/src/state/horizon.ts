/**
 * When a captured state may become the compaction snapshot (docs/replication.md, "Compaction"):
 * once every tracker of the cluster holds every op the capture folds in, and no op at or below
 * its HLC can still appear. No I/O of its own: the store and the links supply the facts.
 *
 * - Each tracker j reported, in its latest vector or ack, the ops it holds (`vector`) and its
 *   HLC clock (`clock`) read *before* that vector, so any op j writes later has a later HLC.
 *   So no op at or below the smallest such clock (and this tracker's own) can still be written.
 * - If a tracker holds more of some origin's ops than this one, the ones missing here are newer
 *   than this tracker's last op from that origin, but may be older than the capture: the
 *   capture must then be no later than that last op.
 * - The capture folds in exactly the ops of its vector (the store checks, when it installs it,
 *   that no op at or below its HLC arrived after it was taken): every tracker's vector must
 *   cover that vector.
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
}

/** Whether a capture at `horizon` holding the ops of `vector` may be installed now. */
export async function captureIsStable(facts: HorizonFacts, capture: { horizon: string; vector: Vector }): Promise<boolean> {
  if (facts.others.some((p) => p === undefined)) return false;
  const others = facts.others as TrackerProgress[];
  if ([facts.self.clock, ...others.map((p) => p.clock)].some((clock) => clock < capture.horizon)) return false;

  const origins = new Set<string>([...Object.keys(facts.self.vector), ...others.flatMap((p) => Object.keys(p.vector))]);
  for (const origin of origins) {
    const mine = facts.self.vector[origin] ?? 0;
    const most = Math.max(...others.map((p) => p.vector[origin] ?? 0));
    if (mine >= most) continue;
    if (mine === 0) return false; // nothing from that origin here yet: no lower bound known
    const last = await facts.hlcOf(Number(origin), mine);
    if (last === undefined || last < capture.horizon) return false;
  }
  return Object.entries(capture.vector).every(([origin, seq]) => others.every((p) => (p.vector[origin] ?? 0) >= seq));
}
