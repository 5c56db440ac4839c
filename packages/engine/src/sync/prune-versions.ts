/**
 * How long replaced versions are kept (`.groupshare/versions/`): Syncthing's simple versioning
 * keeps them a fixed time too. The age is the one in the name (`name~YYYYMMDD-HHMMSS.ext`, when
 * it was replaced, UTC), not the file's mtime, which is the old version's own. Files there that
 * do not carry a stamp are the user's business and are left alone; links are never followed.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

/** Keep replaced versions this long by default: 30 days. */
export const KEEP_VERSIONS_MS = 30 * 86_400_000;

const STAMP = /~(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:\.[^/]*)?$/;

/** When the version file `name` was replaced, from its stamp, or undefined. */
export function replacedAt(name: string): number | undefined {
  const m = STAMP.exec(name);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** Deletes the versions under `<root>/.groupshare/versions` replaced more than `keepMs` before `now`; returns how many. */
export async function pruneVersions(root: string, now: number, keepMs = KEEP_VERSIONS_MS): Promise<number> {
  let removed = 0;
  const pending = [join(root, '.groupshare', 'versions')];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) pending.push(path);
      else if (e.isFile()) {
        const at = replacedAt(e.name);
        if (at !== undefined && now - at > keepMs) {
          await fsp.rm(path, { force: true });
          removed++;
        }
      }
    }
  }
  return removed;
}
