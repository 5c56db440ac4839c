/**
 * What a member does about the versions of synced files the group lists, given what its folder
 * holds: the decision part of folder sync, pure so that it can be run over many simulated
 * members and schedules (decide.sim.test.ts).
 *
 * Per path, the member knows the version its file is (`held`) and every version it has merged
 * into it (`known`, a vector at least `held`'s). Versions the group lists that `known` already
 * includes are old news. Of the rest, the best one (`winner`) decides:
 * - it includes everything we know: fetch it, replacing our file (kept among the versions);
 * - it is concurrent with ours and has the same content: nothing to fetch, only remember it;
 * - it is concurrent and wins: our file is renamed to its conflict copy and the winner fetched;
 * - it is concurrent and loses: it is fetched into its conflict copy, our file stays.
 * Every member picks the same winner (the later save, then the larger author id, then the
 * larger name), and a conflict copy's version is derived from the losing version alone, so
 * members resolving the same conflict make the very same copy. One action per path per round;
 * a round after it sees the result.
 */
import { bump, compareVectors, mergeVectors, type VersionVector } from './version-vector.js';
import { conflictPath, versionName, type SyncVersion } from './version-name.js';

/** A version with its content's identity, as the group lists it or the folder holds it. */
export interface Version extends SyncVersion {
  /** The tracker file name (`versionName`). */
  name: string;
  sha1: string;
  size: number;
}

/** A listed version, and whether its pieces are all held by online members now. */
export interface RemoteVersion extends Version {
  available: boolean;
}

/** What the folder holds at one path. */
export interface HeldPath {
  held: Version;
  known: VersionVector;
}

export type SyncAction =
  /** Fetch `version` to `path` (replacing what is there, which goes to the versions). */
  | { kind: 'fetch'; path: string; version: RemoteVersion; known: VersionVector }
  /** Same content as ours, saved concurrently: remember its vector, nothing to move. */
  | { kind: 'merge'; path: string; known: VersionVector }
  /** Ours lost: rename our file to `conflict` (its version `conflictVersion`), then fetch `version`. */
  | { kind: 'yield'; path: string; version: RemoteVersion; known: VersionVector; conflictVersion: Version }
  /** Theirs lost: fetch it into its conflict copy `conflictVersion.path`; ours stays. */
  | { kind: 'keep'; path: string; version: RemoteVersion; known: VersionVector; conflictVersion: Version };

/** True when `a` wins over `b` among concurrent versions. */
export function wins(a: SyncVersion, b: SyncVersion): boolean {
  if (a.time !== b.time) return a.time > b.time;
  if (a.author !== b.author) return a.author > b.author;
  return versionName(a) > versionName(b);
}

/** The version under which the losing `v` is kept: same author, time and vector, at its conflict path. */
export function conflictVersionOf(v: Version): Version {
  const base: SyncVersion = { kind: v.kind, author: v.author, time: v.time, vector: v.vector, path: conflictPath(v) };
  return { ...base, name: versionName(base), sha1: v.sha1, size: v.size };
}

/** The actions for one round: at most one per path, in path order. */
export function decide(held: ReadonlyMap<string, HeldPath>, listed: readonly RemoteVersion[]): SyncAction[] {
  const byPath = new Map<string, RemoteVersion[]>();
  for (const v of listed) {
    const known = held.get(v.path)?.known;
    if (known !== undefined && compareVectors(v.vector, known) !== 'after' && compareVectors(v.vector, known) !== 'concurrent') continue;
    const list = byPath.get(v.path) ?? [];
    if (!list.some((o) => o.name === v.name)) list.push(v);
    byPath.set(v.path, list);
  }
  const actions: SyncAction[] = [];
  // A path written by one action is left alone by the others this round (a conflict copy
  // another member made may be listed too): the next round sees what was done.
  const claimed = new Set<string>();
  const push = (a: SyncAction): void => {
    const targets = a.kind === 'yield' || a.kind === 'keep' ? [a.path, a.conflictVersion.path] : [a.path];
    if (targets.some((t) => claimed.has(t))) return;
    for (const t of targets) claimed.add(t);
    actions.push(a);
  };
  for (const path of [...byPath.keys()].sort()) {
    const news = byPath.get(path) as RemoteVersion[];
    const heads = news.filter((v) => !news.some((o) => compareVectors(v.vector, o.vector) === 'before'));
    const best = heads.reduce((a, b) => (wins(b, a) ? b : a));
    const mine = held.get(path);
    if (mine === undefined) {
      push({ kind: 'fetch', path, version: best, known: best.vector });
      continue;
    }
    const known = mergeVectors(mine.known, best.vector);
    if (compareVectors(best.vector, mine.known) === 'after') push({ kind: 'fetch', path, version: best, known: best.vector });
    else if (best.sha1 === mine.held.sha1 && best.size === mine.held.size) push({ kind: 'merge', path, known });
    else if (wins(best, mine.held)) push({ kind: 'yield', path, version: best, known, conflictVersion: conflictVersionOf(mine.held) });
    else if (held.has(conflictPath(best))) push({ kind: 'merge', path, known }); // kept already
    else push({ kind: 'keep', path, version: best, known, conflictVersion: conflictVersionOf(best) });
  }
  return actions;
}

/**
 * The version a save found in the folder makes: `user`'s counter bumped over everything known
 * at `path` (nothing for a new file), saved at `now` (never before the version it replaces,
 * whatever the clock says).
 */
export function savedVersion(at: HeldPath | undefined, path: string, content: { sha1: string; size: number }, user: string, now: number): Version {
  const vector = bump(at?.known ?? new Map(), user);
  const time = Math.max(now, (at?.held.time ?? 0) + 1);
  const base: SyncVersion = { kind: 'f', author: user, time, vector, path };
  return { ...base, name: versionName(base), ...content };
}
