/**
 * How a synced file's versions are named in a group. The tracker holds one file per name and
 * that name's content never changes, so every saved version of a synced file is its own
 * tracker file, with everything members need to order versions in the name itself:
 *
 *   .gsync~<kind>~<author>~<time>~<vector>~<path>
 *
 * - `kind`: `f` for content, `d` for a deletion (a tombstone: `sync_folder --mirror-deletes`).
 * - `author`: the user id that saved this version.
 * - `time`: when it was saved, ms since the epoch in base 36 (orders concurrent versions and
 *   names conflict copies; never decides what is newer: the vector does).
 * - `vector`: the version vector, `user:counter` pairs joined by `+`, sorted by user.
 * - `path`: the path relative to the synced folder, `/` written `%2F` and `%` written `%25`.
 *
 * User ids are `[a-z0-9._-]`, so `~`, `:` and `+` cannot occur inside a field. The whole name
 * obeys the tracker's file name rules (no `/`, no `..`, at most 255 bytes): a path whose name
 * would not is not synced, and says why (`syncPathProblem`). Every component of a path obeys
 * the rules of a shared file name itself, as download_file's names do. Pure.
 */
import { MAX_FILE_NAME_BYTES, fileNameProblem, idProblem, lookAlikeProblem } from '@groupshare/protocol';

import { type VersionVector, parseVector, formatVector } from './version-vector.js';

/** Every synced version's name starts with this. */
export const SYNC_PREFIX = '.gsync~';

/** One saved version of a synced file, as its name tells it. */
export interface SyncVersion {
  /** `f`: the file's content; `d`: the file was deleted (a tombstone). */
  kind: 'f' | 'd';
  author: string;
  /** Saved at, ms since the epoch. */
  time: number;
  vector: VersionVector;
  /** Relative to the synced folder, `/`-separated. */
  path: string;
}

function encodePath(path: string): string {
  return path.replaceAll('%', '%25').replaceAll('/', '%2F');
}

function decodePath(encoded: string): string | undefined {
  if (/%(?!25|2F)/.test(encoded)) return undefined;
  return encoded.replace(/%2F|%25/g, (m) => (m === '%2F' ? '/' : '%'));
}

/** True for a name folder sync gives a version (whether or not it parses). */
export function isSyncVersionName(name: string): boolean {
  return name.startsWith(SYNC_PREFIX);
}

/** The tracker file name of `v`. */
export function versionName(v: SyncVersion): string {
  return `${SYNC_PREFIX}${v.kind}~${v.author}~${v.time.toString(36)}~${formatVector(v.vector)}~${encodePath(v.path)}`;
}

/** The version a tracker file name stands for, or undefined for any other name (or a garbled one). */
export function parseVersionName(name: string): SyncVersion | undefined {
  if (!name.startsWith(SYNC_PREFIX)) return undefined;
  const fields = name.slice(SYNC_PREFIX.length).split('~');
  if (fields.length < 5) return undefined;
  const [kind, author, time36, vectorText] = fields as [string, string, string, string];
  const path = decodePath(fields.slice(4).join('~'));
  if ((kind !== 'f' && kind !== 'd') || idProblem(author) !== undefined || !/^[0-9a-z]{1,11}$/.test(time36)) return undefined;
  const time = parseInt(time36, 36);
  const vector = parseVector(vectorText);
  if (vector === undefined || path === undefined || syncPathProblem(path) !== undefined) return undefined;
  if ((vector.get(author) ?? 0) === 0) return undefined; // the author's own save counts in it
  return { kind, author, time, vector, path };
}

/**
 * Why `path` (relative, `/`-separated) cannot be synced, or undefined. Each component follows
 * the rules of a shared file name; the folder's own `.groupshare` is never synced; the version
 * name must fit the tracker's limit with room for a few writers in its vector.
 */
export function syncPathProblem(path: string): string | undefined {
  if (path.length === 0) return 'is empty';
  if (!path.isWellFormed() || path.normalize('NFC') !== path) return 'is not in Unicode normal form C';
  const parts = path.split('/');
  if (parts[0] === '.groupshare') return 'is inside .groupshare, which holds the sync state';
  for (const part of parts) {
    const problem = fileNameProblem(part) ?? lookAlikeProblem(part);
    if (problem !== undefined) return `has a component that ${problem}`;
  }
  // Prefix, kind, a 32-character author, time, about four writers' entries, separators.
  if (Buffer.byteLength(encodePath(path)) > MAX_FILE_NAME_BYTES - 180) return 'is too long to sync (its name would pass the tracker limit)';
  return undefined;
}

/**
 * The path a losing concurrent version is kept under: `name.sync-conflict-<YYYYMMDD-HHMMSS>-<user>.ext`
 * (the loser's save time in UTC and its author), in the same folder.
 */
export function conflictPath(v: Pick<SyncVersion, 'path' | 'time' | 'author'>): string {
  const slash = v.path.lastIndexOf('/');
  const dir = v.path.slice(0, slash + 1);
  const base = v.path.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  return `${dir}${stem}.sync-conflict-${stamp(v.time)}-${v.author}${ext}`;
}

/** `YYYYMMDD-HHMMSS` in UTC. */
export function stamp(time: number): string {
  const iso = new Date(time).toISOString(); // 2026-12-07T21:35:49.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}
