/**
 * Small file-handle helpers shared by hashing, the piece store and seeding: open a path and
 * insist it is a regular file (mapping errno codes to the storage errors), read a byte range in
 * bounded chunks, hash a range, and read or write exactly N bytes at a position.
 *
 * Everything reads through one reusable buffer of {@link READ_CHUNK_SIZE}, so memory use does not
 * grow with the file: a 50 GiB file is hashed with the same 1 MiB as a 5 KiB one.
 */
import { createHash } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';

import { FileChangedError, FileNotFoundError, FileUnreadableError, NotAFileError, UnsafePathError } from './errors.js';

/**
 * Bytes per read. 1 MiB amortises the syscall and thread-pool hop per read (64 KiB, the stream
 * default, costs measurably more at SHA-1 speeds) while each SHA-1 update on it takes only about
 * a millisecond, so the event loop is never blocked for long.
 */
export const READ_CHUNK_SIZE = 1024 * 1024;

// O_NOFOLLOW makes open() fail with ELOOP when the last path component is a symlink, which closes
// the race between an lstat check and the open. O_NONBLOCK stops open() from hanging on a FIFO
// planted where a file was expected (it has no effect on regular files). Both are 0 on Windows,
// where the lstat pre-checks remain.
/** `open(2)` flag refusing a symlink as the last component (0 where unsupported). */
export const O_NOFOLLOW: number = constants.O_NOFOLLOW ?? 0;
/** Flags for reading a file the user named (symlinks followed: the user chose the path). */
export const READ_FLAGS: number = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
/** Flags for reading a file the store owns: never through a symlink. */
export const READ_NOFOLLOW_FLAGS: number = READ_FLAGS | O_NOFOLLOW;

/** The `code` of a Node.js system error, if `err` is one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Opens `path` with `flags` and checks it is a regular file. Errors become storage errors:
 * ENOENT → FileNotFoundError, ELOOP → UnsafePathError (a symlink under O_NOFOLLOW),
 * EISDIR / not a regular file → NotAFileError, EACCES / EPERM / EIO → FileUnreadableError.
 */
export async function openRegular(
  path: string,
  flags: number,
  mode?: number,
): Promise<{ handle: FileHandle; stats: Stats }> {
  let handle: FileHandle;
  try {
    handle = await fsp.open(path, flags, mode);
  } catch (err) {
    throw openError(path, err);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotAFileError(`${path} is not a regular file`);
    return { handle, stats };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function openError(path: string, err: unknown): unknown {
  const options = { cause: err };
  switch (errnoCode(err)) {
    case 'ENOENT':
      return new FileNotFoundError(`${path} does not exist`, options);
    case 'ENOTDIR':
      return new FileNotFoundError(`${path} does not exist (a parent is not a directory)`, options);
    case 'ELOOP':
      return new UnsafePathError(`${path} is a symbolic link; refusing to follow it`, options);
    case 'EISDIR':
      return new NotAFileError(`${path} is a directory, not a file`, options);
    case 'EACCES':
    case 'EPERM':
    case 'EIO':
      return new FileUnreadableError(`cannot open ${path}: ${(err as Error).message}`, options);
    default:
      return err;
  }
}

/**
 * Reads `length` bytes from `start` in chunks of at most `buffer.length`, handing each to
 * `onChunk`. The chunk is a view of the reused buffer, valid only during the call. Stops early at
 * end of file; returns the number of bytes read.
 */
export async function readChunks(
  handle: FileHandle,
  start: number,
  length: number,
  onChunk: (chunk: Buffer) => void,
  opts: { buffer?: Buffer; signal?: AbortSignal } = {},
): Promise<number> {
  const buffer = opts.buffer ?? Buffer.allocUnsafe(Math.max(1, Math.min(READ_CHUNK_SIZE, length)));
  let done = 0;
  while (done < length) {
    opts.signal?.throwIfAborted();
    const want = Math.min(buffer.length, length - done);
    const { bytesRead } = await handle.read(buffer, 0, want, start + done);
    if (bytesRead === 0) break;
    onChunk(buffer.subarray(0, bytesRead));
    done += bytesRead;
  }
  return done;
}

/** SHA-1 of `length` bytes at `start`, and how many bytes there actually were (fewer at EOF). */
export async function hashRange(
  handle: FileHandle,
  start: number,
  length: number,
): Promise<{ digest: Buffer; bytesRead: number }> {
  const hash = createHash('sha1');
  const bytesRead = await readChunks(handle, start, length, (chunk) => hash.update(chunk));
  return { digest: hash.digest(), bytesRead };
}

/**
 * Reads exactly `length` bytes at `position` into the start of `into` (at least `length` bytes),
 * or into a new buffer, and returns the filled bytes.
 *
 * @throws {FileChangedError} if the file ends first (it was truncated behind our back).
 */
export async function readExactly(handle: FileHandle, position: number, length: number, path: string, into?: Buffer): Promise<Buffer> {
  const out = into === undefined ? Buffer.allocUnsafe(length) : into.subarray(0, length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new FileChangedError(`${path} ended at byte ${position + done}, expected ${position + length}`);
    }
    done += bytesRead;
  }
  return out;
}

/** Writes all of `data` at `position` (pwrite may write less than asked, so loop). */
export async function writeFully(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * A small file's text, never through a symlink, or undefined if there is none. A file larger
 * than `maxBytes` reads as '' (garbage to its parser: ignored, never loaded whole).
 *
 * @throws {UnsafePathError} if `path` is a symlink; {@link NotAFileError} if not a regular file.
 */
export async function readSmallFile(path: string, maxBytes: number): Promise<string | undefined> {
  let opened;
  try {
    opened = await openRegular(path, READ_NOFOLLOW_FLAGS);
  } catch (err) {
    if (err instanceof FileNotFoundError) return undefined;
    throw err;
  }
  try {
    if (opened.stats.size > maxBytes) return '';
    return await opened.handle.readFile({ encoding: 'utf8' });
  } finally {
    await opened.handle.close();
  }
}
