/**
 * Version vectors: per user, how many saves of a file by that user a version includes. One
 * version includes another (it was saved knowing it) when every counter is at least as high;
 * two versions neither of which includes the other were saved concurrently. Pure.
 */
import { idProblem } from '@groupshare/protocol';

/** user id → counter (≥ 1; absent means 0). */
export type VersionVector = ReadonlyMap<string, number>;

/** How `a` relates to `b`. */
export type Order = 'equal' | 'before' | 'after' | 'concurrent';

export function compareVectors(a: VersionVector, b: VersionVector): Order {
  let less = false;
  let more = false;
  for (const user of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(user) ?? 0;
    const y = b.get(user) ?? 0;
    if (x < y) less = true;
    if (x > y) more = true;
  }
  if (less && more) return 'concurrent';
  if (less) return 'before';
  if (more) return 'after';
  return 'equal';
}

/** The smallest vector including both. */
export function mergeVectors(a: VersionVector, b: VersionVector): VersionVector {
  const out = new Map(a);
  for (const [user, n] of b) out.set(user, Math.max(n, out.get(user) ?? 0));
  return out;
}

/** `base` with `user`'s counter one higher: a save by `user` knowing `base`. */
export function bump(base: VersionVector, user: string): VersionVector {
  return new Map(base).set(user, (base.get(user) ?? 0) + 1);
}

/** `alice:3+bob:1`, sorted by user, so one vector has one spelling. */
export function formatVector(v: VersionVector): string {
  return [...v].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([u, n]) => `${u}:${n}`).join('+');
}

/** The vector `text` spells, or undefined if it is not one `formatVector` would write. */
export function parseVector(text: string): VersionVector | undefined {
  if (text.length === 0 || text.length > 200) return undefined;
  const out = new Map<string, number>();
  for (const entry of text.split('+')) {
    const m = /^([a-z0-9._-]+):([1-9][0-9]{0,8})$/.exec(entry);
    if (m === null || idProblem(m[1] as string) !== undefined || out.has(m[1] as string)) return undefined;
    out.set(m[1] as string, Number(m[2]));
  }
  return formatVector(out) === text ? out : undefined;
}

