/**
 * Where a download's files live, and the checks that keep every write inside the download
 * directory. This is the security boundary between a name chosen by a remote sharer and the
 * local disk, so it is strict:
 *
 * - the name must pass protocol's `fileNameProblem` (one path component: no `/`, `\`, `..`,
 *   control or invisible characters);
 * - the directory is resolved once with `realpath`: the user may point at a symlinked directory
 *   (their choice), after which no path we build contains a symlink component we did not check;
 * - each resulting path is checked to be directly inside that directory;
 * - the files themselves are checked with lstat (symlink → refused) and opened with O_NOFOLLOW /
 *   O_EXCL so that a symlink planted between check and open is still not followed.
 */
import { createHash } from 'node:crypto';
import { promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

import { MAX_FILE_NAME_BYTES, fileNameProblem } from '@groupshare/protocol';

import { BadFileNameError, FileNotFoundError, NotAFileError, UnsafePathError } from './errors.js';
import { errnoCode } from './file-io.js';

/** Suffix of the partial file: `<dir>/.<name>.groupshare-part`. */
export const PART_SUFFIX = '.groupshare-part';
/** Suffix of the resume state: `<dir>/.<name>.groupshare-state.json`. */
export const STATE_SUFFIX = '.groupshare-state.json';
/** Suffix of the verified-piece journal: `<dir>/.<name>.groupshare-journal`. */
export const JOURNAL_SUFFIX = '.groupshare-journal';
/** Suffix added to the state path for its temporary file, followed by 16 random hex digits. */
export const TEMP_INFIX = '.tmp-';
const LONGEST_AUX_SUFFIX = STATE_SUFFIX.length + TEMP_INFIX.length + 16;

/** The absolute paths one download uses, all directly inside `dir`. */
export interface DownloadPaths {
  /** The download directory, symlinks resolved. */
  dir: string;
  /** Where the finished file goes: `<dir>/<name>`. */
  dest: string;
  /** The partial file pieces are written into. */
  part: string;
  /** The resume state (which pieces are verified). */
  state: string;
  /** Pieces verified since the state was last known complete (see piece-journal.ts). */
  journal: string;
}

/**
 * Validates `name` and resolves the paths of a download of it into `dir`.
 *
 * Hidden names are `.<name>` plus a suffix; when that would pass the 255-byte file-name limit
 * the base becomes `.<sha1(name) hex>`, still unique per name.
 *
 * @throws {BadFileNameError} if `name` fails `fileNameProblem`.
 * @throws {FileNotFoundError} if `dir` does not exist; {@link NotAFileError} if it is not a directory.
 * @throws {UnsafePathError} if a resolved path is not directly inside `dir` (defence in depth).
 */
export async function downloadPaths(dir: string, name: string): Promise<DownloadPaths> {
  const problem = fileNameProblem(name);
  if (problem !== undefined) throw new BadFileNameError(`file name ${JSON.stringify(name)} ${problem}`);
  let real: string;
  try {
    real = await fsp.realpath(resolve(dir));
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    throw new FileNotFoundError(`download directory ${dir} does not exist`, { cause: err });
  }
  if (!(await fsp.stat(real)).isDirectory()) throw new NotAFileError(`${dir} is not a directory`);

  const tooLong = Buffer.byteLength(name) + 1 + LONGEST_AUX_SUFFIX > MAX_FILE_NAME_BYTES;
  const base = tooLong ? `.${createHash('sha1').update(name).digest('hex')}` : `.${name}`;
  const paths = {
    dir: real,
    dest: join(real, name),
    part: join(real, base + PART_SUFFIX),
    state: join(real, base + STATE_SUFFIX),
    journal: join(real, base + JOURNAL_SUFFIX),
  };
  for (const p of [paths.dest, paths.part, paths.state, paths.journal]) assertDirectlyInside(real, p);
  return paths;
}

/**
 * Throws unless `path` is an immediate child of `dir` (both absolute). With a validated name this
 * cannot fail; it guards against a future change to the name rules.
 */
export function assertDirectlyInside(dir: string, path: string): void {
  const rel = relative(dir, path);
  if (rel === '' || rel === '..' || isAbsolute(rel) || rel.includes(sep) || dirname(path) !== dir) {
    throw new UnsafePathError(`${path} is not directly inside ${dir}`);
  }
}

/** lstat that returns undefined for a missing path instead of throwing. */
export async function lstatIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await fsp.lstat(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Refuses a path the store will open for reading or writing if it is a symlink or anything but
 * a regular file. Returns its stats, or undefined if it does not exist.
 *
 * @throws {UnsafePathError} for a symlink or a non-regular file.
 */
export async function refuseUnsafe(path: string, what: string): Promise<Stats | undefined> {
  const stats = await lstatIfExists(path);
  if (stats?.isSymbolicLink()) {
    throw new UnsafePathError(`${what} ${path} is a symbolic link; refusing to follow it (remove it to continue)`);
  }
  if (stats !== undefined && !stats.isFile()) {
    throw new UnsafePathError(`${what} ${path} exists but is not a regular file (remove it to continue)`);
  }
  return stats;
}

/**
 * fsyncs a directory so a rename or unlink inside it survives a crash. Best effort: some
 * platforms (Windows) and file systems cannot open or sync directories.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // Durability of the directory entry is a bonus; the data itself was synced already.
  } finally {
    await handle?.close();
  }
}
