/**
 * Writing into a synced folder without ever leaving it: every directory on the way to a path is
 * checked with lstat (a symbolic link planted in the folder is refused, never followed) and
 * created when missing; files are moved in by rename from `.groupshare/tmp/`, where partial
 * downloads stay hidden until verified. A file being replaced is first moved to
 * `.groupshare/versions/<dir>/<name>~<YYYYMMDD-HHMMSS>.<ext>` (Syncthing's simple versioning).
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

import { UnsafePathError } from '../storage/errors.js';
import { stamp } from './version-name.js';

/** Makes (or checks) every directory of `rel`'s parent under `root`, refusing symbolic links. */
export async function ensureParent(root: string, rel: string): Promise<void> {
  const parts = rel.split('/').slice(0, -1);
  let at = root;
  for (const part of parts) {
    at = join(at, part);
    let st;
    try {
      st = await fsp.lstat(at);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
      await fsp.mkdir(at).catch((e: { code?: unknown }) => {
        if (e.code !== 'EEXIST') throw e;
      });
      st = await fsp.lstat(at);
    }
    if (!st.isDirectory()) throw new UnsafePathError(`${at} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; refusing to write through it`);
  }
}

/** The folder's own hidden directory `name` (`tmp`, `versions`), made if missing, never a link. */
export async function innerDir(root: string, name: 'tmp' | 'versions' | 'tombstones'): Promise<string> {
  await ensureParent(root, `.groupshare/${name}/x`);
  return join(root, '.groupshare', name);
}

/** Where the version of `rel` replaced at `time` is kept. */
export function versionPath(rel: string, time: number): string {
  const slash = rel.lastIndexOf('/');
  const base = rel.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  return `.groupshare/versions/${rel.slice(0, slash + 1)}${stem}~${stamp(time)}${ext}`;
}

/**
 * Moves the file at `rel` (if any) among the versions; returns where it went. A symbolic link
 * there is refused (it is not ours to move); a name already taken in the versions gets a suffix.
 */
export async function keepVersion(root: string, rel: string, time: number): Promise<string | undefined> {
  const from = join(root, rel);
  let st;
  try {
    st = await fsp.lstat(from);
  } catch {
    return undefined;
  }
  if (!st.isFile()) throw new UnsafePathError(`${from} is not a regular file; refusing to replace it`);
  const kept = versionPath(rel, time);
  await ensureParent(root, kept);
  for (let i = 0; ; i++) {
    const target = i === 0 ? kept : `${kept}.${i}`;
    try {
      await fsp.link(from, join(root, target)); // fails if taken: never overwrites a kept version
      await fsp.unlink(from);
      return target;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST' || i > 100) throw err;
    }
  }
}

/** Renames `tmp` to `rel` (whose parent is made safely); the caller moved any old file away. */
export async function moveInto(root: string, rel: string, tmp: string): Promise<void> {
  await ensureParent(root, rel);
  const to = join(root, rel);
  const st = await fsp.lstat(to).catch(() => undefined);
  if (st !== undefined) throw new UnsafePathError(`${to} appeared meanwhile; not overwriting it`);
  await fsp.rename(tmp, to);
}
