/**
 * The one worker thread behind a download's hashing: it checks each piece's SHA-1
 * (piece-verifier.ts) and keeps each download's whole-file SHA-1 up as pieces are written
 * (whole-file-hash.ts). One thread, not one per job kind: a worker costs about 12 MiB of RSS,
 * and the leecher's memory target is tight (docs/benchmarks.md); both jobs together use a
 * quarter of a core at this machine's download rates.
 *
 * So that a piece check never waits long behind the whole-file hash, the cursor reads at most
 * {@link SWEEP_PIECES} pieces per `written` message; it catches up over the next messages, and
 * `finish` reads whatever is left.
 */
import { WorkerChannel } from './worker-channel.js';

/** Pieces the whole-file cursor may read back per `written` message (a few milliseconds). */
const SWEEP_PIECES = 8;

export type PieceWorkerMessage =
  | { type: 'verify'; data: Uint8Array; expected: Uint8Array }
  | { type: 'open'; session: number; fd: number; size: number; pieceLength: number; have: Uint8Array }
  | { type: 'written'; session: number; index: number }
  | { type: 'finish'; session: number }
  | { type: 'close'; session: number };

function pieceWorkerMain(require: (id: string) => unknown): void {
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const { readSync } = require('node:fs') as typeof import('node:fs');
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
  }
  const sessions = new Map<number, Session>();
  /** Hashes piece `s.cursor` from the file; false at a short read (the file shrank). */
  const hashAtCursor = (s: Session): boolean => {
    const length = Math.min(s.pieceLength, s.size - s.cursor * s.pieceLength);
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
  const reply = (id: number | undefined, body: object): void => {
    if (id !== undefined) parentPort!.postMessage({ id, ...body });
  };
  parentPort!.on('message', (msg: PieceWorkerMessage & { id?: number }) => {
    try {
      switch (msg.type) {
        case 'verify':
          return reply(msg.id, { ok: createHash('sha1').update(msg.data).digest().equals(msg.expected) });
        case 'open': {
          const count = Math.ceil(msg.size / msg.pieceLength);
          const written = new Uint8Array(count);
          for (let i = 0; i < count; i++) written[i] = (msg.have[i >> 3]! >> (7 - (i & 7))) & 1;
          sessions.set(msg.session, { fd: msg.fd, size: msg.size, pieceLength: msg.pieceLength, count, written, cursor: 0, hashed: 0, hash: createHash('sha1') });
          return;
        }
        case 'written': {
          const s = sessions.get(msg.session);
          if (s === undefined) return;
          s.written[msg.index] = 1;
          for (let n = 0; n < SWEEP_PIECES && s.cursor < s.count && s.written[s.cursor] === 1; n++) if (!hashAtCursor(s)) break;
          return;
        }
        case 'close':
          sessions.delete(msg.session);
          return reply(msg.id, {});
        case 'finish': {
          const s = sessions.get(msg.session);
          sessions.delete(msg.session);
          if (s === undefined) throw new Error('no such whole-file hash session (its worker restarted)');
          // Every piece is on disk now: read what the cursor has not reached, whatever `written` says.
          while (s.cursor < s.count) if (!hashAtCursor(s)) break;
          return reply(msg.id, { digest: s.hash.digest(), bytesRead: s.hashed });
        }
      }
    } catch (err) {
      // A failed read in `written` is not answered: `finish` reads again and reports it.
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
