/**
 * A deletion's tracker file (`sync_folder --mirror-deletes`). A tombstone must be shared like
 * any version for the group to list it, so it has a small content, derived from the path alone:
 * every member holding a tombstone of the same version writes the very same bytes (one info-hash,
 * however many share it). They live in `.groupshare/tombstones/` inside the folder and are shared
 * as long as the folder is synced, so the deletion is never forgotten.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

/** What a tombstone of `path` holds. */
export function tombstoneContent(path: string): { text: string; sha1: string; size: number } {
  const text = `deleted from the synced folder: ${path}\n`;
  return { text, sha1: createHash('sha1').update(text).digest('hex'), size: Buffer.byteLength(text) };
}

/** Writes the tombstone file of version `name` (of `path`) under `dir`; returns its path. */
export async function writeTombstone(dir: string, name: string, path: string): Promise<string> {
  const file = join(dir, createHash('sha1').update(name).digest('hex'));
  const tmp = `${file}.tmp`;
  await fsp.writeFile(tmp, tombstoneContent(path).text, { flag: 'w' });
  await fsp.rename(tmp, file);
  return file;
}
