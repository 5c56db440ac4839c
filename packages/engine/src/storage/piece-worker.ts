/**
 * The worker threads behind a download's pieces, two instances of one program:
 * - the piece worker writes each piece and checks its SHA-1 in the same pass (piece-verifier.ts);
 * - the whole-file worker keeps each download's whole-file SHA-1 up as pieces are written
 *   (whole-file-hash.ts), reading them back from the page cache in file order.
 * Two threads, because on one the two jobs were the slowest thread of a fast download (two
 * SHA-1 passes plus the writes: 2.5–3.8 CPU s per GiB, 64–73 % busy while the network waited for
 * it). A worker costs about 12 MiB of RSS; the leecher peaks near 150 MiB with both.
 *
 * Pieces are written in 16 KiB writes, not one write per piece. On the Linux 6.18 VMs we measure
 * on, one large write into new page cache costs 3–4 times the CPU of the same bytes in 16 KiB
 * writes (1 GiB: 1.6–2.3 s against 0.5 s; 32 and 64 KiB are as slow as large ones): the kernel
 * backs a large write with large folios, and fresh large folios are what this VM's memory is
 * slowest to provide (docs/benchmarks.md, "This machine"). The writes are synchronous on one
 * thread, one piece after another, so pieces never contend for the file's inode lock either
 * (four thread-pool writers spun on it for a tenth of a download's CPU).
 *
 * So that `finish` never waits long, the whole-file cursor hashes up to 8 pieces per `written`
 * message; it catches up over the next messages, and `finish` reads whatever is left.
 *
 * The worker program runs as source text (eval-worker.ts): it sees nothing of this module's
 * scope, so its constants are inside it. (A module constant used there once threw on every
 * `written` message, and the cursor silently never moved until `finish`; `hashedAtFinish` in the
 * reply now lets tests see that the hash kept up.)
 */
import { WorkerChannel } from './worker-channel.js';

export type PieceWorkerMessage =
  /** Write `data` at `offset` of `fd` and answer whether its SHA-1 is `expected`. */
  | { type: 'store'; data: Uint8Array; expected: Uint8Array; fd: number; offset: number }
  | { type: 'open'; session: number; fd: number; size: number; pieceLength: number; have: Uint8Array }
  | { type: 'written'; session: number; index: number }
  | { type: 'finish'; session: number }
  | { type: 'close'; session: number };

function pieceWorkerMain(require: (id: string) => unknown): void {
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const { readSync, writeSync } = require('node:fs') as typeof import('node:fs');
  /** Pieces the whole-file cursor may hash per message (a few milliseconds). */
  const SWEEP_PIECES = 8;
  /** Bytes per write(2) when storing a piece (see the module comment). */
  const WRITE_SLICE = 16 * 1024;
  /** Bytes per read(2) when reading a piece back for the whole-file hash. */
  const READ_SLICE = 128 * 1024;
  interface Session {
    fd: number;
    size: number;
    pieceLength: number;
    count: number;
    /** 1 for each piece verified on disk: the cursor may read it. */
    written: Uint8Array;
    cursor: number;
    hashed: number;
    hash: import('node:crypto').Hash;
    buffer?: Buffer;
    /** A read failed part-way through a piece: the running hash is wrong, `finish` must say so. */
    broken?: unknown;
  }
  const sessions = new Map<number, Session>();
  /** Hashes piece `s.cursor` from the file; false at a short read (the file shrank). */
  const hashAtCursor = (s: Session): boolean => {
    const length = Math.min(s.pieceLength, s.size - s.cursor * s.pieceLength);
    // Read in slices that stay in the core's cache (see hash-workers.ts, WORKER_READ_SIZE).
    s.buffer ??= Buffer.allocUnsafe(READ_SLICE);
    let got = 0;
    while (got < length) {
      const n = readSync(s.fd, s.buffer, 0, Math.min(READ_SLICE, length - got), s.cursor * s.pieceLength + got);
      if (n === 0) break;
      s.hash.update(s.buffer.subarray(0, n));
      got += n;
    }
    s.hashed += got;
    s.cursor++;
    return got === length;
  };
  /** Piece `index` is on disk: the cursor moves over it and what follows, a few pieces at most. */
  const sweep = (s: Session, index: number): void => {
    s.written[index] = 1;
    if (s.broken !== undefined) return;
    try {
      for (let n = 0; n < SWEEP_PIECES && s.cursor < s.count && s.written[s.cursor] === 1; n++) if (!hashAtCursor(s)) break;
    } catch (err) {
      // Part of a piece may be in the hash already: `finish` fails, and the store hashes the file whole.
      s.broken = err;
    }
  };
  const reply = (id: number | undefined, body: object): void => {
    if (id !== undefined) parentPort!.postMessage({ id, ...body });
  };
  parentPort!.on('message', (msg: PieceWorkerMessage & { id?: number }) => {
    try {
      switch (msg.type) {
        case 'store': {
          // Each slice is hashed and written while it is in this core's cache: checking the
          // whole piece first and then writing it read it twice from memory (the write then
          // cost 1.0–1.7 CPU s per GiB here, against 0.25 s). So the bytes reach the file
          // before the verdict; a piece that does not match is written but never marked, and
          // its next copy overwrites it (the store never stores over a verified piece).
          const h = createHash('sha1');
          const { data, fd, offset } = msg;
          for (let at = 0; at < data.length; ) {
            const n = Math.min(WRITE_SLICE, data.length - at);
            const slice = data.subarray(at, at + n);
            h.update(slice);
            let w = 0;
            while (w < n) w += writeSync(fd, slice, w, n - w, offset + at + w);
            at += n;
          }
          return reply(msg.id, { ok: h.digest().equals(msg.expected) });
        }
        case 'written': {
          const s = sessions.get(msg.session);
          if (s !== undefined) sweep(s, msg.index);
          return;
        }
        case 'open': {
          const count = Math.ceil(msg.size / msg.pieceLength);
          const written = new Uint8Array(count);
          for (let i = 0; i < count; i++) written[i] = (msg.have[i >> 3]! >> (7 - (i & 7))) & 1;
          sessions.set(msg.session, { fd: msg.fd, size: msg.size, pieceLength: msg.pieceLength, count, written, cursor: 0, hashed: 0, hash: createHash('sha1') });
          return;
        }
        case 'close':
          sessions.delete(msg.session);
          return reply(msg.id, {});
        case 'finish': {
          const s = sessions.get(msg.session);
          sessions.delete(msg.session);
          if (s === undefined) throw new Error('no such whole-file hash session (its worker restarted)');
          if (s.broken !== undefined) throw s.broken;
          // Every piece is on disk now: read what the cursor has not reached, whatever `written`
          // says. A read failing here rejects `finish`: the store then hashes the file whole.
          const before = s.hashed;
          while (s.cursor < s.count) if (!hashAtCursor(s)) break;
          return reply(msg.id, { digest: s.hash.digest(), bytesRead: s.hashed, hashedAtFinish: s.hashed - before });
        }
      }
    } catch (err) {
      // A `tell` (`open`, `written`) has no id and gets no reply.
      const e = err as { message?: string; code?: string; errno?: number; syscall?: string };
      reply(msg.id, { error: { message: String(e.message ?? err), code: e.code, errno: e.errno, syscall: e.syscall } });
    }
  });
}

/**
 * The process's piece worker, started on first use. A small young generation: the worker
 * allocates little, but each message it drops holds a reference to a piece's shared buffer
 * until its next garbage collection, and the default (16 MiB semi-spaces) let dropped piece
 * buffers outlive the download's own recycling.
 */
export const pieceWorker = new WorkerChannel(pieceWorkerMain, 'piece', { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 });
/** The process's whole-file hash worker, started on first use (it gets no piece buffers). */
export const wholeFileWorker = new WorkerChannel(pieceWorkerMain, 'whole-file', { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 });
