/**
 * The conflict copies in a synced folder (`name.sync-conflict-<date>-<user>.ext`, docs/sync.md),
 * by their paths in the folder, for the web page to name them. The engine's status counts them
 * but does not list them, so the folder is walked: only when that count changes (a conflict is
 * rare), never through a symbolic link, and never into the folder's own `.groupshare/`.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

const MARK = '.sync-conflict-';

/** At most this many names are listed (the count says how many there are). */
export const MAX_CONFLICT_NAMES = 100;

/** The paths (relative, `/`-separated, sorted) of the conflict copies in `dir`. */
export async function findConflictCopies(dir: string, limit = MAX_CONFLICT_NAMES): Promise<string[]> {
  const found: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return; // gone or unreadable meanwhile: nothing to name there
    }
    for (const e of entries) {
      if (found.length >= limit) return;
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      // A Dirent's type is the entry's own (lstat): a link to a folder is not a folder here.
      if (e.isDirectory()) {
        if (p !== '.groupshare') await walk(p);
      } else if (e.isFile() && e.name.includes(MARK)) found.push(p);
    }
  };
  await walk('');
  return found.sort();
}
