/**
 * SHA-1 of file ranges on worker threads, so hashing a shared file uses both cores and leaves
 * the event loop free (docs/benchmarks.md, Share).
 *
 * Sharing needs two full passes over the file: the whole-file SHA-1 and one SHA-1 per piece.
 * SHA-1 is sequential, so each pass runs on one thread; running the two on two workers at once
 * brings a share close to the single-thread SHA-1 limit, where the main thread doing both reached
 * about a quarter of it. Each worker reads the bytes itself (`readSync` on the caller's file
 * descriptor, positional, so the two never disturb each other): a second read of a file that is
 * in the page cache costs far less than handing buffers between threads.
 *
 * The workers are started on first use and kept (starting one costs tens of milliseconds); they
 * are unref'd, so an idle pool never keeps the process alive.
 */
import type { Worker } from 'node:worker_threads';

import { startEvalWorker } from './eval-worker.js';
import { FileUnreadableError } from './errors.js';

/**
 * Bytes per read in a worker. Small enough that the buffer stays in the core's L2 cache: the
 * kernel's copy from the page cache then writes into cache, and SHA-1 reads it back from there.
 * Measured on this machine, one thread reading and hashing 1 GiB from the page cache: 0.74 s
 * with 64–128 KiB reads, 1.07 s with 256 KiB–4 MiB (the copy alone: 0.10 s against 0.43 s).
 */
export const WORKER_READ_SIZE = 128 * 1024;
/** The worker reports progress once per this many bytes, and at the end (1,024 small messages per GiB). */
const PROGRESS_BYTES = 1024 * 1024;
/** Two passes (whole file, pieces) run at once; more workers would only queue on two cores. */
const POOL_SIZE = 2;

/** One range to hash, cut into segments of `segmentLength` (the whole range when omitted). */
export interface HashJob {
  /** An open file descriptor; it must stay open until the job settles. */
  fd: number;
  start: number;
  length: number;
  /** One SHA-1 per this many bytes (pieces); omit for one SHA-1 of the whole range. */
  segmentLength?: number;
}

/** What a worker found: the digests (20 bytes each, in order) and the bytes it could read. */
export interface HashJobResult {
  digests: Buffer;
  bytesRead: number;
}

type WorkerReply =
  | { type: 'progress'; bytesRead: number }
  | { type: 'done'; digests: Uint8Array; bytesRead: number }
  | { type: 'aborted' }
  | { type: 'error'; code?: string; message: string };

/** The worker's whole program (see eval-worker.ts for why it is written this way). */
function workerMain(require: (id: string) => unknown): void {
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const { readSync } = require('node:fs') as typeof import('node:fs');
  let buffer: Buffer | undefined;
  parentPort!.on('message', (msg: { job: HashJob; abort: Int32Array; readSize: number; progressBytes: number }) => {
    const { job, abort } = msg;
    if (buffer === undefined || buffer.length !== msg.readSize) buffer = Buffer.allocUnsafe(msg.readSize);
    const segment = job.segmentLength ?? Math.max(1, job.length);
    const digests: Buffer[] = [];
    let hash = createHash('sha1');
    let filled = 0; // bytes of the current segment hashed so far
    let done = 0;
    try {
      while (done < job.length) {
        if (Atomics.load(abort, 0) !== 0) {
          parentPort!.postMessage({ type: 'aborted' });
          return;
        }
        const n = readSync(job.fd, buffer, 0, Math.min(buffer.length, job.length - done), job.start + done);
        if (n === 0) break; // end of file: the caller compares bytesRead with what it expected
        let offset = 0;
        while (offset < n) {
          const take = Math.min(segment - filled, n - offset);
          hash.update(buffer.subarray(offset, offset + take));
          offset += take;
          filled += take;
          if (filled === segment) {
            digests.push(hash.digest());
            hash = createHash('sha1');
            filled = 0;
          }
        }
        done += n;
        if (done % msg.progressBytes < n || done === job.length) parentPort!.postMessage({ type: 'progress', bytesRead: done });
      }
      // The last, shorter segment; an empty range still has one digest when it is one segment.
      if (filled > 0 || (job.segmentLength === undefined && digests.length === 0)) digests.push(hash.digest());
      const all = Buffer.concat(digests);
      parentPort!.postMessage({ type: 'done', digests: all, bytesRead: done }, [all.buffer]);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      parentPort!.postMessage({ type: 'error', code: e.code, message: String(e.message ?? err) });
    }
  });
}

const idle: Worker[] = [];
let busy = 0;
const waiting: Array<(w: Worker) => void> = [];

function acquire(): Promise<Worker> {
  const w = idle.pop();
  if (w !== undefined) {
    busy++;
    w.ref();
    return Promise.resolve(w);
  }
  if (busy < POOL_SIZE) {
    busy++;
    return Promise.resolve(startEvalWorker(workerMain));
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function release(w: Worker, healthy: boolean): void {
  const next = waiting.shift();
  if (healthy && next !== undefined) return next(w);
  busy--;
  if (!healthy) {
    void w.terminate();
    if (next !== undefined) {
      busy++;
      next(startEvalWorker(workerMain));
    }
    return;
  }
  w.unref();
  idle.push(w);
}

/**
 * Hashes `job` on a pool worker. `onProgress(bytesRead)` is called every few MiB read. Aborting stops
 * the worker at its next read and rejects with `signal.reason`.
 *
 * @throws {FileUnreadableError} when a read fails (EIO, a file that became unreadable).
 */
export async function hashOnWorker(
  job: HashJob,
  opts: { onProgress?: (bytesRead: number) => void; signal?: AbortSignal } = {},
): Promise<HashJobResult> {
  opts.signal?.throwIfAborted();
  const worker = await acquire();
  const abort = new Int32Array(new SharedArrayBuffer(4));
  let healthy = true;
  try {
    return await new Promise<HashJobResult>((resolve, reject) => {
      const onAbort = (): void => void Atomics.store(abort, 0, 1);
      const finish = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const onMessage = (reply: WorkerReply): void => {
        if (reply.type === 'progress') return opts.onProgress?.(reply.bytesRead);
        finish();
        if (reply.type === 'done') {
          const digests = Buffer.from(reply.digests.buffer, reply.digests.byteOffset, reply.digests.byteLength);
          resolve({ digests, bytesRead: reply.bytesRead });
        } else if (reply.type === 'aborted') {
          reject(opts.signal?.reason ?? new Error('hashing aborted'));
        } else {
          reject(new FileUnreadableError(`cannot read the file being hashed: ${reply.message}`, { cause: reply }));
        }
      };
      const onError = (err: Error): void => {
        healthy = false;
        finish();
        reject(err);
      };
      const onExit = (code: number): void => onError(new Error(`hash worker exited (code ${code})`));
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.signal?.aborted) onAbort(); // aborted while we waited for a worker
      worker.postMessage({ job, abort, readSize: WORKER_READ_SIZE, progressBytes: PROGRESS_BYTES });
    });
  } finally {
    release(worker, healthy);
  }
}
