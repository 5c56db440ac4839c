/**
 * The tracker's data directory holds the password hashes, session token hashes and the ticket
 * key: it is created private (0700), its files private (0600), and a directory that other users
 * may write to is refused, since whoever can write there can replace the database.
 */
import fs from 'node:fs';

/** Modes for what the tracker creates in its data directory. */
export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/** The data directory cannot be used safely (stable code: ERR_DATA_DIR_UNSAFE). */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
  readonly code = 'ERR_DATA_DIR_UNSAFE';
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

/**
 * Creates `dir` (and missing parents) with mode 0700, or checks an existing one: refused if the
 * group or others may write to it; made 0700 if this user owns it and others may read it (a data
 * directory from before modes were enforced).
 *
 * @throws {DataDirError} when the directory is writable by other users or is not a directory
 */
export function prepareDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  const st = fs.statSync(dir);
  if (!st.isDirectory()) throw new DataDirError(`${dir} is not a directory`);
  if (process.platform === 'win32') return; // no POSIX modes to check
  if ((st.mode & 0o022) !== 0) {
    throw new DataDirError(
      `data directory ${dir} is writable by other users (mode ${octal(st.mode)}), who could replace the database; make it private (chmod 700 ${dir}) or use another --data-dir`,
    );
  }
  if ((st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) fs.chmodSync(dir, DATA_DIR_MODE);
}

/**
 * Makes `file` readable by its owner only: created empty with 0600 if missing (so whatever opens
 * it next, SQLite or the logger, finds it private), tightened to 0600 if it exists.
 */
export function privateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', DATA_FILE_MODE));
  tightenIfExists(file);
}

/** Sets an existing file to 0600 if others may read it; a missing file is left missing. */
export function tightenIfExists(file: string): void {
  try {
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, DATA_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
