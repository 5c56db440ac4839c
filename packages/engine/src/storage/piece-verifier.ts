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
 * The worker also keeps each download's whole-file SHA-1 going ({@link WholeFileHash}): SHA-1
 * is sequential, so it follows a cursor over the pieces in file order. A piece written at the
 * cursor is hashed from memory, as just verified and written; pieces written ahead of it are read
 * back from the file when the cursor reaches them. At completion only what the cursor has not
 * reached is left to hash, where hashing the whole file then took about 0.7 s per GiB between
 * the last piece and "complete". (What this gives up: a byte changed on disk by another program
 * after the cursor passed it is no longer noticed before the rename. Every piece was verified
 * against its SHA-1 when written, and a restart re-verifies every piece.)
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
  /** The download's whole-file hash to feed with this piece once written, and its index. */
  whole?: { session: number; index: number };
}

/** What the worker is sent, besides piece jobs. */
type SessionMessage =
  | { type: 'open'; session: number; fd: number; size: number; pieceLength: number; have: Uint8Array }
  | { type: 'finish'; id: number; session: number }
  | { type: 'close'; session: number };

type Reply =
  | { id: number; ok: boolean }
  | { id: number; digest: Uint8Array; bytesRead: number }
  | { id: number; error: { message: string; code?: string; errno?: number; syscall?: string } };

function verifierMain(require: (id: string) => unknown): void {
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const { readSync, writeSync } = require('node:fs') as typeof import('node:fs');
  interface Session {
    fd: number;
    size: number;
    pieceLength: number;
    count: number;
    /** 1 for each piece on disk and verified: the cursor may read it back. */
    written: Uint8Array;
    cursor: number;
    hashed: number;
    hash: import('node:crypto').Hash;
    buffer?: Buffer;
  }
  const sessions = new Map<number, Session>();
  const pieceLength = (s: Session, index: number): number => Math.min(s.pieceLength, s.size - index * s.pieceLength);
  /** Hashes piece `s.cursor` from the file; false at a short read (the file shrank). */
  const readAtCursor = (s: Session): boolean => {
    const length = pieceLength(s, s.cursor);
    s.buffer ??= Buffer.allocUnsafe(s.pieceLength);
    let got = 0;
    while (got < length) {
      const n = readSync(s.fd, s.buffer, got, length - got, s.cursor * s.pieceLength + got);
      if (n === 0) break;
      got += n;
    }
    s.hash.update(s.buffer.subarray(0, got));
    s.hashed += got;
    s.cursor++;
    return got === length;
  };
  const advance = (s: Session): void => {
    while (s.cursor < s.count && s.written[s.cursor] === 1) if (!readAtCursor(s)) return;
  };
  const fail = (id: number, err: unknown): void => {
    const e = err as { message?: string; code?: string; errno?: number; syscall?: string };
    parentPort!.postMessage({ id, error: { message: String(e.message ?? err), code: e.code, errno: e.errno, syscall: e.syscall } });
  };
  parentPort!.on('message', (msg: (PieceJob & { id: number; type?: undefined }) | SessionMessage) => {
    if (msg.type === 'open') {
      const count = Math.ceil(msg.size / msg.pieceLength);
      const written = new Uint8Array(count);
      for (let i = 0; i < count; i++) written[i] = (msg.have[i >> 3]! >> (7 - (i & 7))) & 1;
      const s: Session = { fd: msg.fd, size: msg.size, pieceLength: msg.pieceLength, count, written, cursor: 0, hashed: 0, hash: createHash('sha1') };
      sessions.set(msg.session, s);
      return;
    }
    if (msg.type === 'close') return void sessions.delete(msg.session);
    if (msg.type === 'finish') {
      const s = sessions.get(msg.session);
      sessions.delete(msg.session);
      if (s === undefined) return fail(msg.id, new Error('no such whole-file hash session'));
      try {
        // Everything is on disk now: read what the cursor has not reached, whatever `written` says.
        while (s.cursor < s.count) if (!readAtCursor(s)) break;
        const digest = s.hash.digest();
        parentPort!.postMessage({ id: msg.id, digest, bytesRead: s.hashed });
      } catch (err) {
        fail(msg.id, err);
      }
      return;
    }
    const job = msg;
    try {
      const ok = createHash('sha1').update(job.data).digest().equals(job.expected);
      if (ok && job.write) {
        let done = 0;
        while (done < job.data.length) done += writeSync(job.fd, job.data, done, job.data.length - done, job.position + done);
        const s = job.whole === undefined ? undefined : sessions.get(job.whole.session);
        if (s !== undefined && s.written[job.whole!.index] === 0) {
          s.written[job.whole!.index] = 1;
          if (job.whole!.index === s.cursor) {
            s.hash.update(job.data); // just verified and written: no need to read it back
            s.hashed += job.data.length;
            s.cursor++;
          }
          advance(s);
        }
      }
      parentPort!.postMessage({ id: job.id, ok });
    } catch (err) {
      fail(job.id, err);
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
let nextSession = 0;
const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (err: Error) => void }>();

function theWorker(): Worker {
  if (worker !== undefined) return worker;
  const w = startEvalWorker(verifierMain);
  w.on('message', (reply: Reply) => {
    const job = pending.get(reply.id);
    if (job === undefined) return;
    pending.delete(reply.id);
    if (pending.size === 0) w.unref();
    if ('error' in reply) job.reject(Object.assign(new Error(reply.error.message), reply.error)); // an fs error, as the write gave it
    else job.resolve(reply);
  });
  const fail = (err: Error): void => {
    if (worker === w) worker = undefined; // the next job starts a new one
    for (const job of pending.values()) job.reject(err);
    pending.clear();
  };
  w.unref(); // referenced only while a job is pending (ask)
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the piece verifier worker exited (code ${code})`)));
  worker = w;
  return w;
}

function ask(message: object): Promise<Reply> {
  const w = theWorker();
  const id = nextId++;
  return new Promise<Reply>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    w.postMessage({ ...message, id });
  });
}

/** Resolves true when `data` matches `expected` (and, with `write`, has been written), else false. */
export async function verifyAndWrite(job: PieceJob): Promise<boolean> {
  const data = sharedCopy(job.data);
  try {
    // `expected` is usually a view of the whole `pieces` buffer (or of a pooled one), and
    // postMessage clones a view's entire ArrayBuffer: send 20 bytes of its own.
    const reply = await ask({ ...job, data, expected: Uint8Array.from(job.expected) });
    return (reply as { ok: boolean }).ok;
  } finally {
    recycle(job.data, data);
  }
}

/**
 * The whole-file SHA-1 of one download, kept up on the worker as pieces are written through
 * {@link verifyAndWrite} with `whole: { session, index }`. Open it once the pieces already on
 * disk are known (`have`); `finish()` once every piece is on disk.
 */
export class WholeFileHash {
  readonly session = nextSession++;
  private done = false;

  constructor(fd: number, size: number, pieceLength: number, have: Uint8Array) {
    const message: SessionMessage = { type: 'open', session: this.session, fd, size, pieceLength, have: Uint8Array.from(have) };
    theWorker().postMessage(message);
  }

  /** Hashes what the cursor has not reached and returns the digest and the bytes hashed. */
  async finish(): Promise<{ digest: Buffer; bytesRead: number }> {
    this.done = true;
    const reply = (await ask({ type: 'finish', session: this.session })) as { digest: Uint8Array; bytesRead: number };
    return { digest: Buffer.from(reply.digest.buffer, reply.digest.byteOffset, reply.digest.byteLength), bytesRead: reply.bytesRead };
  }

  /** Forgets the session (the store closes, or the file changed and must be hashed afresh). */
  close(): void {
    if (this.done) return;
    this.done = true;
    worker?.postMessage({ type: 'close', session: this.session } satisfies SessionMessage);
  }
}
