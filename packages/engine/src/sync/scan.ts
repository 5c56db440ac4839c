/**
 * One pass over a synced folder: every regular file below it, by its path relative to the
 * folder, with what `lstat` says (size, mtime, inode). Symbolic links are never followed (a link
 * to a directory outside must not pull that directory in), other non-regular files are
 * skipped, the folder's own `.groupshare` is never entered, and a path whose name cannot be
 * synced is reported rather than silently dropped. Also lists every directory, for the watcher.
 * The walk itself runs on a worker thread (scan-walk.ts).
 */
import { walkFolder } from './scan-walk.js';
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

/**
 * Scans `root` (an absolute, real path). A directory that vanishes meanwhile is just not listed.
 * `known`: paths found syncable before (the last round's), whose names need no checking again.
 */
export async function scanFolder(root: string, known?: { has(path: string): boolean }): Promise<FolderScan> {
  const walk = await walkFolder(root);
  const out: FolderScan = { files: new Map(), dirs: [], skipped: [] };
  // Directories come parents first: one whose name cannot be synced is reported, and nothing
  // below it is synced (or reported again).
  const refused = new Set<string>();
  for (const dir of walk.dirs) {
    if (dir !== '') {
      const parent = parentOf(dir);
      if (refused.has(parent)) {
        refused.add(dir);
        continue;
      }
      const problem = syncPathProblem(dir);
      if (problem !== undefined) {
        out.skipped.push({ path: dir, reason: problem });
        refused.add(dir);
        continue;
      }
    }
    out.dirs.push(dir);
  }
  for (const path of walk.links) {
    if (!refused.has(parentOf(path))) out.skipped.push({ path, reason: 'is a symbolic link (never followed)' });
  }
  const { files, stats } = walk;
  for (let i = 0; i < files.length; i++) {
    const path = files[i] as string;
    if (refused.has(parentOf(path))) continue;
    if (known?.has(path) !== true) {
      const problem = syncPathProblem(path);
      if (problem !== undefined) {
        out.skipped.push({ path, reason: problem });
        continue;
      }
    }
    out.files.set(path, { size: stats[3 * i] as number, mtimeMs: stats[3 * i + 1] as number, ino: stats[3 * i + 2] as number });
  }
  return out;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}
