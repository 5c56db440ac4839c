/**
 * Serving a complete file that the user shares (docs/client.md, "What stays shared"; "login
 * resumes every share ..., checking the files are still there and unchanged").
 *
 * The original file is read in place, never copied. It is opened once, read-only; blocks are read
 * by position on request. The user may edit or delete the file at any time, so the source
 * remembers the size and mtime it was hashed with: `open` refuses a file that no longer matches,
 * and `checkUnchanged` lets the share manager stop a share whose file changed. Between checks a
 * modified file would serve wrong bytes; peers verify every piece, so that costs them a re-request,
 * not corruption. Checking on every block would double the syscalls for no such gain. Blocks are
 * answered from a small cache of whole pieces (piece-cache.ts): one disk read per piece.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { resolve } from 'node:path';

import { pieceCount, pieceSize } from '@groupshare/protocol';

import { blockOffset } from './block-range.js';
import { FileChangedError, StoreClosedError } from './errors.js';
import { READ_FLAGS, openRegular, readExactly } from './file-io.js';
import { PieceCache } from './piece-cache.js';

/** What a seed source needs: the file and what it looked like when hashed (see {@link HashedFile}). */
export interface SeedSourceInit {
  /** Path of the shared file. */
  path: string;
  /** Size when hashed. */
  size: number;
  /** Piece length it was hashed with. */
  pieceLength: number;
  /** Modification time when hashed, ms since the epoch. */
  mtimeMs: number;
}

/**
 * Result of {@link SeedSource.checkUnchanged}: `unchanged`; `missing` (deleted, moved or no
 * longer accessible); `changed` (size or mtime differ, or another file now has the path).
 */
export type SeedCheck = 'unchanged' | 'missing' | 'changed';

/** Read-only access to the blocks of a complete, shared file. */
export class SeedSource {
  /** Number of pieces in the file. */
  readonly pieceCount: number;
  private closing: Promise<void> | undefined;
  private readonly cache: PieceCache;

  private constructor(
    private readonly init: SeedSourceInit,
    private readonly handle: FileHandle,
    private readonly opened: Stats,
  ) {
    this.pieceCount = pieceCount(init.size, init.pieceLength);
    const length = (index: number): number => pieceSize(index, init.size, init.pieceLength);
    this.cache = new PieceCache((index, into) => readExactly(handle, index * init.pieceLength, length(index), init.path, into), length);
  }

  /**
   * Opens the shared file read-only, checking it is still what was hashed.
   *
   * @throws {FileNotFoundError | NotAFileError | FileUnreadableError} if it cannot be opened.
   * @throws {FileChangedError} if its size or mtime differ from `init`.
   */
  static async open(init: SeedSourceInit): Promise<SeedSource> {
    const path = resolve(init.path);
    const { handle, stats } = await openRegular(path, READ_FLAGS);
    if (!matches(stats, init)) {
      await handle.close();
      throw new FileChangedError(`${path} changed since it was shared (size or modification time differ); share it again`);
    }
    return new SeedSource({ ...init, path }, handle, stats);
  }

  /**
   * Reads `length` bytes at `begin` of piece `index`.
   *
   * @throws {BlockRangeError} if the block is not inside the file's pieces.
   * @throws {FileChangedError} if the file has become shorter.
   * @throws {StoreClosedError} after `close()`.
   */
  async readBlock(index: number, begin: number, length: number): Promise<Buffer> {
    if (this.closing) throw new StoreClosedError(`the seed source for ${this.init.path} is closed`);
    blockOffset(index, begin, length, this.init.size, this.init.pieceLength); // validates the block
    return this.cache.block(index, begin, length);
  }

  /** Gives back a block from {@link readBlock} that is no longer read (piece-cache.ts). */
  releaseBlock(block: Uint8Array): void {
    this.cache.release(block);
  }

  /**
   * Checks that the path still holds the file that was hashed: same size and mtime, both at the
   * path (catches a replacement, e.g. an editor saving via rename) and on the open handle
   * (catches an in-place write). Never throws for a missing file.
   */
  async checkUnchanged(): Promise<SeedCheck> {
    let atPath: Stats;
    try {
      atPath = await fsp.stat(this.init.path);
    } catch {
      return 'missing';
    }
    if (atPath.dev !== this.opened.dev || atPath.ino !== this.opened.ino) return 'changed';
    if (!matches(atPath, this.init)) return 'changed';
    if (this.closing === undefined && !matches(await this.handle.stat(), this.init)) return 'changed';
    return 'unchanged';
  }

  /** Closes the file. Idempotent. */
  close(): Promise<void> {
    this.cache.clear();
    this.closing ??= this.handle.close();
    return this.closing;
  }
}

function matches(stats: Stats, init: SeedSourceInit): boolean {
  return stats.isFile() && stats.size === init.size && stats.mtimeMs === init.mtimeMs;
}
