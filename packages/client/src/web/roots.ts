/**
 * The folders the web interface may touch ("roots"): the downloads folder and each
 * `--web-root`. Every path the API is given goes through `resolve`, which follows every
 * symbolic link (for a path that does not exist yet, those of its nearest existing parent) and
 * refuses the result unless it lies inside a root, itself resolved the same way. So `../`,
 * absolute paths elsewhere and links that lead out are all refused in one place.
 */
import { mkdir, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { WebError } from './web-error.js';

export interface Root {
  /** `downloads`, then `root1`, `root2`, … in the order given. */
  id: string;
  /** Absolute, with links resolved. */
  path: string;
}

export interface BrowseEntry {
  name: string;
  kind: 'file' | 'dir';
  size: number;
}

export class Roots {
  private constructor(readonly list: readonly Root[]) {}

  /** Creates the downloads folder if needed and resolves every root; a root that is not a folder is an error. */
  static async create(downloadsDir: string, others: readonly string[]): Promise<Roots> {
    await mkdir(downloadsDir, { recursive: true });
    const list: Root[] = [];
    for (const [i, dir] of [downloadsDir, ...others].entries()) {
      const real = await realpath(dir).catch((err: NodeJS.ErrnoException) => {
        throw new Error(err.code === 'ENOENT' ? `${dir}: no such folder` : `${dir}: ${err.code ?? err.message}`);
      });
      if (!(await stat(real)).isDirectory()) throw new Error(`${dir} is not a folder`);
      list.push({ id: i === 0 ? 'downloads' : `root${i}`, path: real });
    }
    return new Roots(list);
  }

  get downloadsDir(): string {
    return (this.list[0] as Root).path;
  }

  /** The root containing the resolved absolute path `real`, if any. */
  private rootOf(real: string): Root | undefined {
    return this.list.find((r) => real === r.path || real.startsWith(r.path.endsWith(path.sep) ? r.path : r.path + path.sep));
  }

  /** Whether the resolved absolute path `real` lies inside a root. */
  contains(real: string): boolean {
    return this.rootOf(real) !== undefined;
  }

  /**
   * `typed` (absolute, or relative to the downloads folder) with every link resolved, if it lies
   * inside a root. It need not exist; what exists of it is resolved.
   *
   * @throws {WebError} ERR_OUTSIDE_ROOTS, or ERR_PATH for a path that is not a path (NUL, empty).
   */
  async resolve(typed: string, base = this.downloadsDir): Promise<string> {
    if (typed === '' || typed.includes('\0')) throw new WebError(400, 'ERR_PATH', 'give a path');
    const absolute = path.resolve(base, typed);
    const rest: string[] = [];
    let existing = absolute;
    let real: string | undefined;
    while (real === undefined) {
      try {
        real = await realpath(existing);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        const parent = path.dirname(existing);
        if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === existing) throw new WebError(403, 'ERR_OUTSIDE_ROOTS', `${typed} is outside the folders this peer may use`);
        rest.unshift(path.basename(existing));
        existing = parent;
      }
    }
    const full = path.join(real, ...rest);
    if (this.rootOf(full) === undefined) throw new WebError(403, 'ERR_OUTSIDE_ROOTS', `${typed} is outside the folders this peer may use`);
    return full;
  }

  /** An existing regular file inside a root (to share). */
  async file(typed: string): Promise<string> {
    const full = await this.resolve(typed);
    const stats = await stat(full).catch(() => undefined);
    if (stats === undefined) throw new WebError(404, 'ERR_PATH', `there is no file ${typed}`);
    if (!stats.isFile()) throw new WebError(400, 'ERR_PATH', `${typed} is not a file`);
    return full;
  }

  /** A folder inside a root, created (with its parents) when missing. */
  async folder(typed: string): Promise<string> {
    const full = await this.resolve(typed);
    const stats = await stat(full).catch(() => undefined);
    if (stats === undefined) await mkdir(full, { recursive: true });
    else if (!stats.isDirectory()) throw new WebError(409, 'ERR_PATH', `${typed} is a file, not a folder`);
    // Made through links that changed meanwhile? Resolve again before anything is written there.
    return this.resolve(full);
  }

  /** The entries of `relative` in root `rootId`, leaving out links that lead outside every root. */
  async browse(rootId: string, relative: string): Promise<{ path: string; entries: BrowseEntry[] }> {
    const root = this.list.find((r) => r.id === rootId);
    if (root === undefined) throw new WebError(404, 'ERR_NOT_FOUND', `there is no root ${rootId}`);
    const dir = await this.resolve(relative === '' ? '.' : relative, root.path);
    let names;
    try {
      names = await readdir(dir, { withFileTypes: true });
    } catch {
      throw new WebError(404, 'ERR_PATH', `${relative} is not a folder`);
    }
    const entries: BrowseEntry[] = [];
    for (const d of names) {
      const full = path.join(dir, d.name);
      let real: string;
      try {
        real = await realpath(full);
      } catch {
        continue; // a dangling link
      }
      if (this.rootOf(real) === undefined) continue;
      const stats = await stat(real).catch(() => undefined);
      if (stats === undefined || (!stats.isFile() && !stats.isDirectory())) continue;
      entries.push({ name: d.name, kind: stats.isDirectory() ? 'dir' : 'file', size: stats.isFile() ? stats.size : 0 });
    }
    entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
    return { path: dir, entries };
  }
}
