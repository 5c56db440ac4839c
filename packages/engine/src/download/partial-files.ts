/**
 * The files an unfinished download leaves beside its destination: the partial file, the piece
 * journal and the resume state (`.<name>.groupshare-part`, `-journal`, `-state.json`; names from
 * storage/safe-path.ts). Cancelling a download may delete exactly these, and nothing else: not
 * the destination (a complete file is never touched), not a temporary file, not anything a
 * symlink at one of those names points to (the link is what would be removed, and only a
 * regular file is).
 */
import { promises as fsp } from 'node:fs';

import { errnoCode } from '../storage/file-io.js';
import { downloadPaths, lstatIfExists } from '../storage/safe-path.js';

/** What an unfinished download has on disk. */
export interface PartialData {
  /** The download directory, symlinks resolved. */
  dir: string;
  /** The partial, journal and state files that exist (absolute paths). */
  files: string[];
  /**
   * Bytes the partial file really occupies: the file is sparse (its length is the whole file's
   * from the start), so this is its allocated size, what deleting it frees.
   */
  bytes: number;
}

/** The partial data of a download of `name` into `dir` (no files when the folder is gone). */
export async function partialData(dir: string, name: string): Promise<PartialData> {
  let paths;
  try {
    paths = await downloadPaths(dir, name);
  } catch (err) {
    if (errnoCode(err) === 'ERR_FILE_NOT_FOUND' || errnoCode(err) === 'ERR_NOT_A_FILE') return { dir, files: [], bytes: 0 };
    throw err;
  }
  const files: string[] = [];
  let bytes = 0;
  for (const file of [paths.part, paths.journal, paths.state]) {
    const stats = await lstatIfExists(file);
    if (stats === undefined || !stats.isFile()) continue;
    files.push(file);
    // st_blocks counts 512-byte units on every POSIX system; Windows has no blocks: its length.
    if (file === paths.part) bytes = Number.isFinite(stats.blocks) ? Math.min(stats.size, stats.blocks * 512) : stats.size;
  }
  return { dir: paths.dir, files, bytes };
}

/** Deletes the files of `partial` that are still regular files. Returns the paths deleted. */
export async function removePartialData(partial: PartialData): Promise<string[]> {
  const removed: string[] = [];
  for (const file of partial.files) {
    const stats = await lstatIfExists(file);
    if (stats === undefined || !stats.isFile()) continue; // replaced meanwhile: not ours to delete
    try {
      await fsp.unlink(file);
      removed.push(file);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
  return removed;
}
