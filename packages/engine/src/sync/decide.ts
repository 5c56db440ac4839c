/**
 * What a member does about the versions of synced files the group lists, given what its folder
 * holds: the decision part of folder sync, pure so that it can be run over many simulated
 * members and schedules (decide.sim.test.ts).
 *
 * Per path the folder holds one version (`held`); listed versions its vector already includes
 * are old news. Of the others, the best (`wins`) decides:
 * - it includes ours: fetch it, replacing our file (which is kept among the versions);
 * - it is concurrent with ours: the two are resolved into one version, which every member
 *   resolving the same two computes alike (`resolved`: the winner's content, author and time,
 *   both vectors merged), so the resolution itself never conflicts again. Same content: ours is
 *   only relabelled. Different content: the loser is kept as a conflict copy, whose version is
 *   derived from the loser alone (`conflictVersionOf`), so members keeping the same loser make
 *   the very same copy; if ours lost, it is renamed to that copy and the winner fetched.
 * The winner is the later save, then the larger author id, then the larger name: an order every
 * member applies alike, and associative, so resolving three versions in any order ends the same.
 * One action per path per round; the next round sees its result.
 *
 * Deletions (`--mirror-deletes`) are versions too, tombstones (kind `d`), ordered by the same
 * vectors: a tombstone including our version deletes our file (kept among the versions); a
 * change concurrent with a deletion wins over it whatever the clocks say, so a deletion never
 * takes an edit it did not know. Nothing here depends on how old a tombstone is: a member back
 * after years still sees that its file was deleted and never brings it back. Members without
 * `--mirror-deletes` do not see tombstones at all (`decide`'s `mirrorDeletes`).
 */
import { bump, compareVectors, mergeVectors } from './version-vector.js';
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
}

export type SyncAction =
  /** Fetch the content of `version` to `path` (what is there goes to the versions), held as `as`. */
  | { kind: 'fetch'; path: string; version: RemoteVersion; as: Version }
  /** Our file stays as it is, held (and shared) as `as` from now on. */
  | { kind: 'relabel'; path: string; as: Version }
  /** Ours lost: rename our file to `conflictVersion.path`, fetch the content of `version`, held as `as`. */
  | { kind: 'yield'; path: string; version: RemoteVersion; as: Version; conflictVersion: Version }
  /** Theirs lost: fetch `version` into its conflict copy `conflictVersion.path`; ours is held as `as`. */
  | { kind: 'keep'; path: string; version: RemoteVersion; as: Version; conflictVersion: Version };

/** True when `a` wins over `b` among concurrent versions: content over deletion, then the later save. */
export function wins(a: SyncVersion, b: SyncVersion): boolean {
  if (a.kind !== b.kind) return a.kind === 'f';
  if (a.time !== b.time) return a.time > b.time;
  if (a.author !== b.author) return a.author > b.author;
  return versionName(a) > versionName(b);
}

function make(base: SyncVersion, content: { sha1: string; size: number }): Version {
  return { ...base, name: versionName(base), sha1: content.sha1, size: content.size };
}

/** The resolution of concurrent `a` and `b`: the winner's content, kind, author and time, with both vectors. */
export function resolved(a: Version, b: Version): Version {
  const w = wins(a, b) ? a : b;
  return make({ kind: w.kind, author: w.author, time: w.time, vector: mergeVectors(a.vector, b.vector), path: w.path }, w);
}

/** The version under which the losing `v` is kept: same author, time and vector, at its conflict path. */
export function conflictVersionOf(v: Version): Version {
  return make({ kind: v.kind, author: v.author, time: v.time, vector: v.vector, path: conflictPath(v) }, v);
}

/** The actions for one round: at most one per path, in path order. */
export function decide(held: ReadonlyMap<string, HeldPath>, listed: readonly RemoteVersion[], mirrorDeletes = false): SyncAction[] {
  const byPath = new Map<string, RemoteVersion[]>();
  for (const v of listed) {
    if (v.kind === 'd' && !mirrorDeletes) continue;
    const mine = held.get(v.path)?.held.vector;
    const order = mine === undefined ? 'after' : compareVectors(v.vector, mine);
    if (order !== 'after' && order !== 'concurrent') continue;
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
    const mine = held.get(path)?.held;
    if (mine === undefined || compareVectors(best.vector, mine.vector) === 'after') {
      push({ kind: 'fetch', path, version: best, as: best });
      continue;
    }
    const as = resolved(mine, best);
    const sameContent = best.kind === mine.kind && best.sha1 === mine.sha1 && best.size === mine.size;
    if (sameContent || (mine.kind === 'f' && best.kind === 'd')) push({ kind: 'relabel', path, as }); // our change beats a deletion it did not know
    else if (mine.kind === 'd') push({ kind: 'fetch', path, version: best, as }); // a change beats our deletion
    else if (wins(best, mine)) push({ kind: 'yield', path, version: best, as, conflictVersion: conflictVersionOf(mine) });
    else if (held.has(conflictPath(best))) push({ kind: 'relabel', path, as }); // its copy is here already
    else push({ kind: 'keep', path, version: best, as, conflictVersion: conflictVersionOf(best) });
  }
  return actions;
}

/**
 * The version a save (or, kind `d`, a deletion) found in the folder makes: `user`'s counter
 * bumped over the version held at `path` (nothing for a new file), saved at `now` (never before
 * the version it replaces, whatever the clock says).
 */
export function savedVersion(at: HeldPath | undefined, path: string, content: { sha1: string; size: number }, user: string, now: number, kind: 'f' | 'd' = 'f'): Version {
  const vector = bump(at?.held.vector ?? new Map(), user);
  const time = Math.max(now, (at?.held.time ?? 0) + 1);
  return make({ kind, author: user, time, vector, path }, content);
}
