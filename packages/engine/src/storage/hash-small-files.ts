/**
 * Hashing many small files at once, for a synced folder's first hash (docs/sync.md): a batch of
 * paths goes to a worker thread, which opens, reads and hashes each file itself (whole-file
 * SHA-1, piece SHA-1s and the info-hash, in one read) and answers for the whole batch at once.
 *
 * Why not {@link hashFile} per file: for a 100 KiB file its fixed costs (an open, two fstats
 * and a read on the event loop, two worker messages) were most of the work, and ten thousand of
 * them kept the main thread busy for seconds; here the main thread sends one message per batch.
 * Large files still go through `hashFile`, which reads on two threads and reports progress.
 *
 * The same checks as `hashFile`: only regular files (symbolic links are not followed: folder
 * sync never follows one), and a file whose size or mtime changed while it was read, or that has
 * bytes past its old end, fails (the caller hashes it again later).
 */
import { fileNameProblem } from '@groupshare/protocol';

import { startEvalWorker } from './eval-worker.js';
import type { HashedFile } from './hash-file.js';
import type { Worker } from 'node:worker_threads';

/** Files up to this size are hashed in batches; larger ones through `hashFile` (with progress). */
export const SMALL_FILE_BYTES = 4 * 1024 * 1024;

/** One file to hash: its path, the name to put in the info dictionary, and its piece length. */
export interface SmallFileJob {
  path: string;
  name: string;
  pieceLength: number;
}

/** A hashed small file, with the inode it had (for the caller's change checks). */
export type SmallFileHash = HashedFile & { ino: number };

type Reply = Array<
  | { ok: true; size: number; mtimeMs: number; ino: number; sha1: Uint8Array; pieces: Uint8Array; infoHash: Uint8Array }
  | { ok: false; message: string }
>;

/** The worker's whole program (eval-worker.ts says why it is written this way). */
function workerMain(require: (id: string) => unknown): void {
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const fs = require('node:fs') as typeof import('node:fs');
  const buffer = Buffer.allocUnsafe(128 * 1024); // stays in L2: see hash-workers.ts
  const one = Buffer.allocUnsafe(1);
  const hashOne = (job: SmallFileJob) => {
    const fd = fs.openSync(job.path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const before = fs.fstatSync(fd);
      if (!before.isFile()) throw new Error('not a regular file');
      const whole = createHash('sha1');
      const digests: Buffer[] = [];
      let piece = createHash('sha1');
      let filled = 0;
      let done = 0;
      for (;;) {
        const n = fs.readSync(fd, buffer, 0, buffer.length, done);
        if (n === 0) break;
        whole.update(buffer.subarray(0, n));
        let offset = 0;
        while (offset < n) {
          const take = Math.min(job.pieceLength - filled, n - offset);
          piece.update(buffer.subarray(offset, offset + take));
          offset += take;
          filled += take;
          if (filled === job.pieceLength) {
            digests.push(piece.digest());
            piece = createHash('sha1');
            filled = 0;
          }
        }
        done += n;
      }
      if (filled > 0) digests.push(piece.digest());
      const after = fs.fstatSync(fd);
      const grew = fs.readSync(fd, one, 0, 1, before.size) > 0;
      if (done !== before.size || grew || after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw new Error('changed while it was hashed');
      const pieces = Buffer.concat(digests);
      // The BEP 3 info dictionary, keys in order: length, name, piece length, pieces.
      const name = Buffer.from(job.name, 'utf8');
      const info = createHash('sha1')
        .update(`d6:lengthi${done}e4:name${name.length}:`)
        .update(name)
        .update(`12:piece lengthi${job.pieceLength}e6:pieces${pieces.length}:`)
        .update(pieces)
        .update('e');
      return { ok: true, size: done, mtimeMs: before.mtimeMs, ino: before.ino, sha1: whole.digest(), pieces, infoHash: info.digest() };
    } finally {
      fs.closeSync(fd);
    }
  };
  parentPort!.on('message', (jobs: SmallFileJob[]) => {
    parentPort!.postMessage(
      jobs.map((job) => {
        try {
          return hashOne(job);
        } catch (err) {
          return { ok: false, message: String((err as Error).message ?? err) };
        }
      }),
    );
  });
}

/** Two workers: a batch per core. They are kept (unref'd) once started. */
const POOL_SIZE = 2;
const idle: Worker[] = [];
let started = 0;
const waiting: Array<(w: Worker) => void> = [];

function acquire(): Promise<Worker> {
  const w = idle.pop();
  if (w !== undefined) {
    w.ref();
    return Promise.resolve(w);
  }
  if (started < POOL_SIZE) {
    started++;
    return Promise.resolve(startEvalWorker(workerMain));
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function release(w: Worker, healthy: boolean): void {
  if (!healthy) {
    started--;
    void w.terminate();
    const next = waiting.shift();
    if (next !== undefined) void acquire().then(next);
    return;
  }
  const next = waiting.shift();
  if (next !== undefined) return next(w);
  w.unref();
  idle.push(w);
}

/**
 * Hashes `jobs` on a worker thread; each result is the file's hashes, or undefined when it could
 * not be hashed (gone, not a regular file, a name that cannot be shared, changed while read).
 */
export async function hashSmallFiles(jobs: readonly SmallFileJob[]): Promise<Array<SmallFileHash | undefined>> {
  const sendable = jobs.filter((j) => fileNameProblem(j.name) === undefined);
  const worker = await acquire();
  let healthy = true;
  let reply: Reply;
  try {
    reply = await new Promise<Reply>((resolve, reject) => {
      const onError = (err: Error): void => {
        healthy = false;
        worker.off('message', onMessage);
        reject(err);
      };
      const onMessage = (r: Reply): void => {
        worker.off('error', onError);
        resolve(r);
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.postMessage(sendable);
    });
  } finally {
    release(worker, healthy);
  }
  const byJob = new Map(sendable.map((j, i) => [j, reply[i]]));
  return jobs.map((job) => {
    const r = byJob.get(job);
    if (r === undefined || !r.ok) return undefined;
    const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
    return {
      path: job.path,
      name: job.name,
      size: r.size,
      mtimeMs: r.mtimeMs,
      ino: r.ino,
      pieceLength: job.pieceLength,
      sha1: hex(r.sha1),
      pieces: Buffer.from(r.pieces.buffer, r.pieces.byteOffset, r.pieces.byteLength),
      infoHash: hex(r.infoHash),
    };
  });
}
