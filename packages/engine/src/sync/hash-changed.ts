/**
 * Hashing a round's changed files (folder-sync.ts): small files in batches on worker threads
 * (hash-small-files.ts), a few at once; larger ones through the file hasher, with progress, two
 * at once. Each file is hashed under the name its new version will have, so its info-hash is
 * computed once. Results are handed over one by one as they come, in no particular order.
 */
import { join } from 'node:path';

import { choosePieceLength } from '@groupshare/protocol';

import { hashFile, type HashedFile } from '../storage/hash-file.js';
import { SMALL_FILE_BYTES, hashSmallFiles } from '../storage/hash-small-files.js';
import type { FolderSyncInit } from './types.js';

/** Small files per worker message: enough to make a message's cost vanish, few enough to spread over both workers. */
const SMALL_BATCH_FILES = 64;
/** Bytes of small files per worker message. */
const SMALL_BATCH_BYTES = 16 * 1024 * 1024;
/** Small-file batches in flight (one per worker). */
const SMALL_BATCHES_AT_ONCE = 2;
/** Large files hashed at once (each already reads on two threads). */
const LARGE_AT_ONCE = 2;

/** A changed file: its path in the folder and the size the scan saw. */
export interface ChangedFile {
  path: string;
  size: number;
}

export interface HashChangedOptions {
  root: string;
  /** A hasher to use for every file instead (tests watch hashing through it). */
  hasher: FolderSyncInit['hashFile'];
  /** The name the new version of `path` saved at `now` would have. */
  nameOf(path: string, now: number): string;
  now(): number;
  /** How far the large file being hashed is. */
  onProgress(path: string, done: number, total: number): void;
  /** One file done: its hashes (with the inode when known) and the `now` its name was made at, or undefined when it could not be hashed. */
  onHashed(path: string, result: { hashed: HashedFile; ino?: number; now: number } | undefined): Promise<void>;
  stopped(): boolean;
}

/** Hashes `files` (see the module comment); resolves once every one is handed over or the sync stopped. */
export async function hashChanged(files: readonly ChangedFile[], o: HashChangedOptions): Promise<void> {
  const small = o.hasher === undefined ? files.filter((f) => f.size <= SMALL_FILE_BYTES) : [];
  const large = o.hasher === undefined ? files.filter((f) => f.size > SMALL_FILE_BYTES) : files;
  const batches: ChangedFile[][] = [];
  let bytes = Infinity;
  for (const f of small) {
    if (bytes + f.size > SMALL_BATCH_BYTES || (batches.at(-1)?.length ?? 0) >= SMALL_BATCH_FILES) {
      batches.push([]);
      bytes = 0;
    }
    batches.at(-1)?.push(f);
    bytes += f.size;
  }
  const hasher = o.hasher ?? hashFile;
  const smallOnes = async (): Promise<void> => {
    while (batches.length > 0 && !o.stopped()) {
      const batch = batches.shift() as ChangedFile[];
      const now = o.now();
      const jobs = batch.map((f) => ({ path: join(o.root, f.path), name: o.nameOf(f.path, now), pieceLength: choosePieceLength(f.size) }));
      const hashed = await hashSmallFiles(jobs).catch(() => jobs.map(() => undefined));
      for (const [i, f] of batch.entries()) {
        const h = hashed[i];
        await o.onHashed(f.path, h === undefined ? undefined : { hashed: h, ino: h.ino, now });
      }
    }
  };
  let next = 0;
  const largeOnes = async (): Promise<void> => {
    while (next < large.length && !o.stopped()) {
      const f = large[next++] as ChangedFile;
      const now = o.now();
      const onProgress = (done: number, total: number): void => o.onProgress(f.path, done, total);
      const hashed = await hasher(join(o.root, f.path), { name: o.nameOf(f.path, now), onProgress }).catch(() => undefined);
      await o.onHashed(f.path, hashed === undefined ? undefined : { hashed, now });
    }
  };
  await Promise.all([
    ...Array.from({ length: SMALL_BATCHES_AT_ONCE }, smallOnes),
    ...Array.from({ length: Math.min(LARGE_AT_ONCE, large.length) }, largeOnes),
  ]);
}
