/**
 * Local paths as the user types them: `~` and `~/...` stand for the home directory (the one
 * expansion the shell makes; `$HOME`, `*` and `~user` still mean themselves), relative paths are
 * taken from the client's working directory, and Tab completes names from the disk.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';

/** Where local paths are resolved from. */
export interface LocalPaths {
  home: string;
  cwd: string;
}

/** Most names offered by one Tab: a folder of 100,000 files must not freeze the prompt. */
const MAX_CANDIDATES = 500;

/** `typed` with a leading `~` or `~/` replaced by `home`; anything else unchanged. */
export function expandHome(typed: string, home: string): string {
  if (typed === '~') return home;
  if (typed.startsWith('~/')) return path.join(home, typed.slice(2));
  return typed;
}

/** `typed` as an absolute path (see the module comment). */
export function resolveLocalPath(typed: string, where: LocalPaths): string {
  return path.resolve(where.cwd, expandHome(typed, where.home));
}

/**
 * Completions of a path being typed: every entry of its folder whose name starts with what
 * follows the last `/`, written the way the user started (`~/`, relative or absolute), folders
 * ending in `/`. Hidden entries only when that start is a `.`; with `foldersOnly`, folders only.
 * An unreadable folder offers nothing. Reads the disk synchronously: readline's completer runs
 * between key presses, and one folder listing is quick.
 */
export function completeLocalPath(typed: string, where: LocalPaths, foldersOnly: boolean): string[] {
  if (typed === '~') return ['~/'];
  const slash = typed.lastIndexOf('/');
  const folderPart = typed.slice(0, slash + 1); // '' or ends in '/'
  const prefix = typed.slice(slash + 1);
  const folder = resolveLocalPath(folderPart === '' ? '.' : folderPart, where);
  let entries: Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const hits: string[] = [];
  for (const entry of entries) {
    if (!entry.name.startsWith(prefix) || (entry.name.startsWith('.') && !prefix.startsWith('.'))) continue;
    const isFolder = entry.isDirectory() || (entry.isSymbolicLink() && pointsToFolder(path.join(folder, entry.name)));
    if (foldersOnly && !isFolder) continue;
    hits.push(`${folderPart}${entry.name}${isFolder ? '/' : ''}`);
    if (hits.length >= MAX_CANDIDATES) break;
  }
  return hits.sort();
}

function pointsToFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
