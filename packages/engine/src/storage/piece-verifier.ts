/**
 * Checking a downloaded piece's SHA-1 and writing it, on a worker thread. A download at a few
 * hundred MB/s spent over half of its main-thread time in these two steps (SHA-1 of every
 * piece, and handing each write to the file system); on the worker they overlap with the main
 * thread's socket reads and bookkeeping, using the second core (docs/benchmarks.md, Transfer).
 *
 * One worker serves every piece store of the process, started on first use and unref'd while it
 * has nothing to do. Jobs are numbered and answered in any order. The caller keeps the file
 * descriptor open until its job settles (PieceStore runs each job in its per-piece queue, which
 * `close()` waits for).
 *
 * `data` reaches the worker through a SharedArrayBuffer: a plain buffer would be cloned by
 * postMessage into a fresh allocation per piece (page faults, garbage, a larger RSS: measured at
 * 0.5 ms per 256 KiB piece). So a piece not already shared is copied into a recycled shared
 * buffer (one memcpy, tens of microseconds), which is returned to the pool when the job settles.
 */
import type { Worker } from 'node:worker_threads';

import { startEvalWorker } from './eval-worker.js';

export interface PieceJob {
  fd: number;
  data: Uint8Array;
  /** Byte offset of the piece in the file. */
  position: number;
  /** The piece's expected SHA-1 (20 bytes). */
  expected: Uint8Array;
  /** Write the piece when it matches (false: only check, e.g. a piece already on disk). */
  write: boolean;
}

type Reply = { id: number; ok: boolean } | { id: number; error: { message: string; code?: string; errno?: number; syscall?: string } };

function verifierMain(require: (id: string) => unknown): void {
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const { writeSync } = require('node:fs') as typeof import('node:fs');
  parentPort!.on('message', (job: PieceJob & { id: number }) => {
    try {
      const digest = createHash('sha1').update(job.data).digest();
      const ok = digest.equals(job.expected);
      if (ok && job.write) {
        let done = 0;
        while (done < job.data.length) done += writeSync(job.fd, job.data, done, job.data.length - done, job.position + done);
      }
      parentPort!.postMessage({ id: job.id, ok });
    } catch (err) {
      const e = err as { message?: string; code?: string; errno?: number; syscall?: string };
      parentPort!.postMessage({ id: job.id, error: { message: String(e.message ?? err), code: e.code, errno: e.errno, syscall: e.syscall } });
    }
  });
}

/** Shared buffers kept for reuse, per length (pieces of a download all have one length). */
const spare = new Map<number, Uint8Array[]>();
/** At most this many spare buffers per length: as many as pieces may wait to be written. */
const MAX_SPARE = 32;

function sharedCopy(data: Uint8Array): Uint8Array {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  const copy = spare.get(data.length)?.pop() ?? new Uint8Array(new SharedArrayBuffer(data.length));
  copy.set(data);
  return copy;
}

function recycle(original: Uint8Array, shared: Uint8Array): void {
  if (shared === original) return;
  let list = spare.get(shared.length);
  if (list === undefined) spare.set(shared.length, (list = []));
  if (list.length < MAX_SPARE) list.push(shared);
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (ok: boolean) => void; reject: (err: Error) => void }>();

function theWorker(): Worker {
  if (worker !== undefined) return worker;
  const w = startEvalWorker(verifierMain);
  w.on('message', (reply: Reply) => {
    const job = pending.get(reply.id);
    if (job === undefined) return;
    pending.delete(reply.id);
    if (pending.size === 0) w.unref();
    if ('ok' in reply) job.resolve(reply.ok);
    else job.reject(Object.assign(new Error(reply.error.message), reply.error)); // an fs error, as the write gave it
  });
  const fail = (err: Error): void => {
    if (worker === w) worker = undefined; // the next job starts a new one
    for (const job of pending.values()) job.reject(err);
    pending.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the piece verifier worker exited (code ${code})`)));
  worker = w;
  return w;
}

/** Resolves true when `data` matches `expected` (and, with `write`, has been written), else false. */
export async function verifyAndWrite(job: PieceJob): Promise<boolean> {
  const w = theWorker();
  const id = nextId++;
  const data = sharedCopy(job.data);
  try {
    return await new Promise<boolean>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      w.ref();
      // `expected` is usually a view of the whole `pieces` buffer (or of a pooled one), and
      // postMessage clones a view's entire ArrayBuffer: send 20 bytes of its own.
      w.postMessage({ ...job, id, data, expected: Uint8Array.from(job.expected) });
    });
  } finally {
    recycle(job.data, data);
  }
}
