/**
 * Hashing a file for sharing (docs/client.md: upload_file): one streaming pass computes
 * the whole-file SHA-1 and every piece's SHA-1, so a file is read from disk once however large it
 * is, and never held in memory (one {@link READ_CHUNK_SIZE} buffer is reused).
 *
 * The result is what the tracker needs to register the file (BEP 3 info dictionary fields plus
 * the whole-file SHA-1), together with the size and mtime that {@link SeedSource} later compares
 * to notice that a shared file was modified.
 *
 * The two passes (whole-file SHA-1, piece SHA-1s) run at once on two worker threads
 * (hash-workers.ts), each reading the file itself: on two cores a share then runs near the
 * single-thread SHA-1 speed, and the event loop stays free for the peers being served.
 */
import { basename, resolve } from 'node:path';

import {
  assertValidGeometry,
  choosePieceLength,
  fileNameProblem,
  infoHash,
  pieceCount,
} from '@groupshare/protocol';

import { BadFileNameError, FileChangedError } from './errors.js';
import { READ_FLAGS, openRegular } from './file-io.js';
import { hashOnWorker } from './hash-workers.js';

/** Options for {@link hashFile}. */
export interface HashFileOptions {
  /** Bytes per piece; default `choosePieceLength(size)`. Must be valid for the protocol. */
  pieceLength?: number;
  /** Name for the info dictionary; default the path's base name, NFC-normalised. */
  name?: string;
  /** Called after each read (4 MiB) and once at the end, with bytes hashed so far (the slower pass). */
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
    // Progress is that of the slower pass (both must finish), reported when it moves.
    const done = [0, 0];
    let reported = -1;
    const report = (bytes: number): void => {
      if (bytes <= reported) return;
      reported = bytes;
      opts.onProgress?.(bytes, size);
    };
    const progress = (pass: number) => (bytes: number) => {
      done[pass] = bytes;
      if (Math.min(done[0]!, done[1]!) > 0) report(Math.min(done[0]!, done[1]!));
    };
    const job = { fd: handle.fd, start: 0, length: size };
    const passes = [
      hashOnWorker(job, { onProgress: progress(0), signal: opts.signal }),
      hashOnWorker({ ...job, segmentLength: pieceLength }, { onProgress: progress(1), signal: opts.signal }),
    ];
    // Both settle before the handle closes: a worker may still be reading from its descriptor.
    const settled = await Promise.allSettled(passes);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    const [whole, pieces] = settled.map((s) => (s as PromiseFulfilledResult<{ digests: Buffer; bytesRead: number }>).value);
    const read = Math.min(whole!.bytesRead, pieces!.bytesRead);
    opts.signal?.throwIfAborted(); // aborted after the workers' last read: still an abort
    // Three ways to notice a change: it ended early, it has bytes past the old end, or fstat
    // disagrees now. (A same-size rewrite within the mtime granularity cannot be seen.)
    const grew = (await handle.read(Buffer.alloc(1), 0, 1, size)).bytesRead > 0;
    const after = await handle.stat();
    if (read !== size || grew || after.size !== size || after.mtimeMs !== stats.mtimeMs) {
      throw new FileChangedError(
        `${absolute} changed while it was being hashed (${size} bytes before, ${after.size} after); try again once it is no longer being written`,
      );
    }
    report(size);
    return {
      path: absolute,
      name,
      size,
      mtimeMs: stats.mtimeMs,
      pieceLength,
      sha1: whole!.digests.toString('hex'),
      pieces: pieces!.digests,
      infoHash: infoHash({ name, length: size, pieceLength, pieces: pieces!.digests }),
    };
  } finally {
    await handle.close();
  }
}
