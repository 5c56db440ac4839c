/**
 * One pass over a synced folder: every regular file below it, by its path relative to the
 * folder, with what `lstat` says (size, mtime, inode). Symbolic links are never followed (a link
 * to a directory outside must not pull that directory in), other non-regular files are
 * skipped, the folder's own `.groupshare` is never entered, and a path whose name cannot be
 * synced is reported rather than silently dropped. Also lists every directory, for the watcher.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

import { syncPathProblem } from './version-name.js';

/** What the folder holds at one path. */
export interface ScannedFile {
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface FolderScan {
  files: Map<string, ScannedFile>;
  /** Directories below the folder (relative; `''` is the folder itself). */
  dirs: string[];
  /** Paths not synced, and why. */
  skipped: Array<{ path: string; reason: string }>;
}

/** Scans `root` (an absolute, real path). A directory that vanishes meanwhile is just not listed. */
export async function scanFolder(root: string): Promise<FolderScan> {
  const out: FolderScan = { files: new Map(), dirs: [], skipped: [] };
  const pending = [''];
  while (pending.length > 0) {
    const rel = pending.pop() as string;
    let entries;
    try {
      entries = await fsp.readdir(join(root, rel), { withFileTypes: true });
    } catch {
      continue; // removed (or made unreadable) while we walked
    }
    out.dirs.push(rel);
    for (const entry of entries) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (path === '.groupshare') continue;
      if (entry.isSymbolicLink()) {
        out.skipped.push({ path, reason: 'is a symbolic link (never followed)' });
        continue;
      }
      const problem = syncPathProblem(path);
      if (entry.isDirectory()) {
        if (problem !== undefined) out.skipped.push({ path, reason: problem });
        else pending.push(path);
        continue;
      }
      if (!entry.isFile()) continue;
      if (problem !== undefined) {
        out.skipped.push({ path, reason: problem });
        continue;
      }
      try {
        const st = await fsp.lstat(join(root, path));
        if (st.isFile()) out.files.set(path, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
      } catch {
        // gone meanwhile
      }
    }
  }
  return out;
}
