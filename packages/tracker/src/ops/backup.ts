/**
 * An online backup of the tracker's database (console `backup <path>`): `VACUUM INTO` on a
 * connection of its own (the tracker's reader is read-only, which VACUUM INTO refuses, and its
 * writer may be inside a transaction), one read transaction, so the copy is a consistent snapshot taken while the tracker
 * goes on serving and writing (WAL: the writer never waits for it). The copy is compact and a
 * complete database on its own (no -wal beside it): restoring is putting it in place of
 * `tracker.db` while the tracker is stopped (docs/operations.md).
 *
 * better-sqlite3's page-by-page backup API would not block the event loop, but it restarts each
 * time another connection writes, which on a busy tracker may be always; VACUUM INTO blocks the
 * tracker for the copy's duration (about a second per few hundred MB on a local disk) and always
 * finishes.
 *
 * The file appears whole or not at all: written under a temporary name in the same directory
 * (created 0600 first: the database holds password hashes), then renamed. An existing file is
 * never replaced.
 */
import { closeSync, existsSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OperatorError } from '../admin/errors.js';

export interface BackupResult {
  file: string;
  bytes: number;
  ms: number;
}

/** @throws {OperatorError} ERR_BACKUP when `dest` exists or cannot be written. */
export function backupDatabase(databaseFile: string, dest: string): BackupResult {
  const file = path.resolve(dest);
  if (existsSync(file)) throw new OperatorError('ERR_BACKUP', `${file} already exists; give a new file name (a backup never replaces a file)`);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  const started = Date.now();
  try {
    closeSync(openSync(temp, 'wx', 0o600));
    const sqlite = new Database(databaseFile, { fileMustExist: true });
    try {
      sqlite.pragma('busy_timeout = 5000');
      sqlite.prepare('VACUUM INTO ?').run(temp);
    } finally {
      sqlite.close();
    }
    if (existsSync(file)) throw new OperatorError('ERR_BACKUP', `${file} appeared while the backup was written; give a new file name`);
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    if (err instanceof OperatorError) throw err;
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new OperatorError('ERR_BACKUP', `cannot write the backup ${file}: ${why}`);
  }
  return { file, bytes: statSync(file).size, ms: Date.now() - started };
}
