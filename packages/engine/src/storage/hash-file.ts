/**
 * Hashing a file for sharing (DESIGN.md, Client engine → Sharing): one streaming pass computes
 * the whole-file SHA-1 and every piece's SHA-1, so a file is read from disk once however large it
 * is, and never held in memory (one {@link READ_CHUNK_SIZE} buffer is reused).
 *
 * The result is what the tracker needs to register the file (BEP 3 info dictionary fields plus
 * the whole-file SHA-1), together with the size and mtime that {@link SeedSource} later compares
 * to notice that a shared file was modified.
 *
 * Hashing runs on the main thread: each 1 MiB chunk costs about 2 ms of SHA-1 (whole-file and
 * piece hash both see every byte) between awaits, so the event loop stays responsive, but the
 * CPU time is shared with the rest of the engine. Moving it into a worker_thread is left for the
 * hashing benchmark issue, where the gain can be measured.
 */
import { createHash, type Hash } from 'node:crypto';
import { basename, resolve } from 'node:path';

import {
  SHA1_LENGTH,
  assertValidGeometry,
  choosePieceLength,
  fileNameProblem,
  infoHash,
  pieceCount,
} from '@groupshare/protocol';

import { BadFileNameError, FileChangedError } from './errors.js';
import { READ_CHUNK_SIZE, READ_FLAGS, openRegular, readChunks } from './file-io.js';

/** Options for {@link hashFile}. */
export interface HashFileOptions {
  /** Bytes per piece; default `choosePieceLength(size)`. Must be valid for the protocol. */
  pieceLength?: number;
  /** Name for the info dictionary; default the path's base name, NFC-normalised. */
  name?: string;
  /** Called after each chunk (about every MiB) and once at the end, with bytes hashed so far. */
  onProgress?: (bytesDone: number, total: number) => void;
  /** Aborts the hashing; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** What {@link hashFile} learned about a file: its share metadata and identity. */
export interface HashedFile {
  /** Absolute path that was hashed. */
  path: string;
  /** File name as shared (`name` in the info dictionary). */
  name: string;
  /** Size in bytes. */
  size: number;
  /** Modification time when hashed (ms since the epoch), for {@link SeedSource} change checks. */
  mtimeMs: number;
  /** Bytes per piece. */
  pieceLength: number;
  /** Whole-file SHA-1, lowercase hex. */
  sha1: string;
  /** Concatenated 20-byte SHA-1 of each piece (BEP 3 `pieces`). */
  pieces: Buffer;
  /** BEP 3 info-hash of `{ name, length, piece length, pieces }`, lowercase hex. */
  infoHash: string;
}

/**
 * Hashes the file at `path` in one streaming pass: whole-file SHA-1, per-piece SHA-1s and the
 * info-hash. Symlinks are followed (the user chose the path); only regular files are accepted.
 *
 * @throws {FileNotFoundError} if `path` does not exist.
 * @throws {NotAFileError} if it is a directory, FIFO, device or socket.
 * @throws {FileUnreadableError} if it cannot be opened for reading.
 * @throws {FileChangedError} if its size or mtime changed while it was being hashed.
 * @throws {BadFileNameError} if the name cannot be shared (see protocol's `fileNameProblem`).
 * @throws {FileSizeError | PieceLengthError | TooManyPiecesError} (protocol) if the size or the
 *   given piece length is outside the protocol limits.
 */
export async function hashFile(path: string, opts: HashFileOptions = {}): Promise<HashedFile> {
  opts.signal?.throwIfAborted();
  const absolute = resolve(path);
  const name = opts.name ?? basename(absolute).normalize('NFC');
  const problem = fileNameProblem(name);
  if (problem !== undefined) throw new BadFileNameError(`file name ${JSON.stringify(name)} ${problem}`);

  const { handle, stats } = await openRegular(absolute, READ_FLAGS);
  try {
    const size = stats.size;
    const pieceLength = opts.pieceLength ?? choosePieceLength(size);
    assertValidGeometry(size, pieceLength); // before reading: a 20 TiB file is refused at once
    const hasher = new PieceHasher(pieceLength, pieceCount(size, pieceLength));
    const whole = createHash('sha1');
    let done = 0;
    const read = await readChunks(
      handle,
      0,
      size,
      (chunk) => {
        whole.update(chunk);
        hasher.update(chunk);
        done += chunk.length;
        opts.onProgress?.(done, size);
      },
      { buffer: Buffer.allocUnsafe(READ_CHUNK_SIZE), signal: opts.signal },
    );
    // Three ways to notice a change: it ended early, it has bytes past the old end, or fstat
    // disagrees now. (A same-size rewrite within the mtime granularity cannot be seen.)
    const grew = (await handle.read(Buffer.alloc(1), 0, 1, size)).bytesRead > 0;
    const after = await handle.stat();
    if (read !== size || grew || after.size !== size || after.mtimeMs !== stats.mtimeMs) {
      throw new FileChangedError(
        `${absolute} changed while it was being hashed (${size} bytes before, ${after.size} after); try again once it is no longer being written`,
      );
    }
    if (size === 0) opts.onProgress?.(0, 0);
    const pieces = hasher.finish();
    return {
      path: absolute,
      name,
      size,
      mtimeMs: stats.mtimeMs,
      pieceLength,
      sha1: whole.digest('hex'),
      pieces,
      infoHash: infoHash({ name, length: size, pieceLength, pieces }),
    };
  } finally {
    await handle.close();
  }
}

/** Cuts a byte stream into pieces of `pieceLength` and collects each piece's SHA-1. */
class PieceHasher {
  private readonly out: Buffer;
  private current: Hash = createHash('sha1');
  private filled = 0; // bytes of the current piece seen so far
  private index = 0;

  constructor(
    private readonly pieceLength: number,
    count: number,
  ) {
    this.out = Buffer.alloc(count * SHA1_LENGTH);
  }

  update(chunk: Buffer): void {
    // A chunk may end mid-piece or span several pieces (when pieces are smaller than a chunk).
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.pieceLength - this.filled, chunk.length - offset);
      this.current.update(chunk.subarray(offset, offset + take));
      offset += take;
      this.filled += take;
      if (this.filled === this.pieceLength) this.endPiece();
    }
  }

  /** The `pieces` string; the last, shorter piece is closed here. */
  finish(): Buffer {
    if (this.filled > 0) this.endPiece();
    return this.out;
  }

  private endPiece(): void {
    this.current.digest().copy(this.out, this.index * SHA1_LENGTH);
    this.index++;
    this.current = createHash('sha1');
    this.filled = 0;
  }
}
