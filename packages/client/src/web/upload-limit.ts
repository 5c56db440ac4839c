/**
 * How big a browser upload may be, and how one that is too big is refused. The body is counted
 * as it streams to disk (ByteLimit), never buffered; a declared Content-Length over the limit,
 * or over the free space of the folder's disk, is refused before a byte is written. After the
 * refusal, the rest of the body is read and thrown away for a little while (drainRefused): a
 * connection closed on a client that is still sending may reach it as a reset before it reads
 * the answer; past that allowance the connection is closed anyway.
 */
import { statfs } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { humanSize } from '../render.js';
import { WebError } from './web-error.js';

const GiB = 1024 ** 3;

/** `--web-max-upload`'s default: 4 GiB, a disc image or a long video, not a whole disk. */
export const DEFAULT_MAX_UPLOAD_BYTES = 4 * GiB;

/** A refused upload is read and discarded up to this many more bytes, or for this long, before the connection is cut. */
export const DRAIN_LIMIT = { bytes: 64 * 1024 * 1024, ms: 10_000 };

const UNIT: Record<string, number> = { '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: GiB, gib: GiB, t: 1024 ** 4, tib: 1024 ** 4 };

/**
 * `4GiB`, `4G`, `500MiB`, `500m`, `1048576`: bytes, in powers of 1024 (K, M, G, T, with or
 * without `iB`); at least 1 byte. Undefined when `text` is none of these.
 */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = UNIT[(m[2] as string).toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * unit);
  return bytes >= 1 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** 413 ERR_TOO_LARGE for an upload over `limit` bytes. */
export function tooLarge(limit: number): WebError {
  return new WebError(413, 'ERR_TOO_LARGE', `the file is larger than this peer accepts from the web page (${humanSize(limit)}; see --web-max-upload)`);
}

/** 507 ERR_NO_SPACE: the folder's disk cannot hold the upload. */
export function noSpace(detail: string): WebError {
  return new WebError(507, 'ERR_NO_SPACE', `not enough free disk space for the file: ${detail}`);
}

/** Passes bytes through until more than `limit` have come, then fails with 413 (tooLarge). */
export class ByteLimit extends Transform {
  private seen = 0;
  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) done(tooLarge(this.limit));
    else done(null, chunk);
  }
}

/** Bytes free for this user on the disk holding `dir`, or undefined when the system cannot say. */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/**
 * Reads and discards what is left of a refused request's body; resolves true when it ended within
 * DRAIN_LIMIT (the connection may live on), false when it did not (it is to be closed).
 */
export function drainRefused(raw: IncomingMessage, limit = DRAIN_LIMIT): Promise<boolean> {
  if (raw.complete || raw.destroyed) return Promise.resolve(raw.complete);
  return new Promise((resolve) => {
    let bytes = 0;
    const finish = (ended: boolean): void => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', onEnd).off('error', onEnd).off('close', onEnd);
      if (!ended) raw.pause();
      resolve(ended);
    };
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > limit.bytes) finish(false);
    };
    const onEnd = (): void => finish(raw.complete);
    const timer = setTimeout(() => finish(false), limit.ms);
    raw.on('data', onData).on('end', onEnd).on('error', onEnd).on('close', onEnd);
    raw.resume();
  });
}
