/**
 * A download's whole-file SHA-1, kept up on a worker thread while the download runs, so that
 * completing does not hash the whole file between the last piece and "complete" (about 0.7 s
 * per GiB, on the main thread as it was).
 *
 * SHA-1 is sequential, so the worker follows a cursor over the pieces in file order. The store
 * tells it each piece it has written and verified; when the cursor reaches such pieces the worker
 * reads them back from the file (the page cache, just written) and hashes them. `finish()` hashes
 * whatever the cursor has not reached yet, then the digest. What this gives up: a byte changed
 * on disk by another program after the cursor passed it is no longer noticed before the rename.
 * Every piece was verified against its SHA-1 when written, and a restart re-verifies every piece.
 *
 * The file descriptor must stay open until `finish()` or `close()` settles; the worker reads it
 * while handling this session's messages, in order.
 */
import { WorkerChannel } from './worker-channel.js';

type Message =
  | { type: 'open'; session: number; fd: number; size: number; pieceLength: number; have: Uint8Array }
  | { type: 'written'; session: number; index: number }
  | { type: 'finish'; id: number; session: number }
  | { type: 'close'; id: number; session: number };

function wholeFileMain(require: (id: string) => unknown): void {
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
  parentPort!.on('message', (msg: Message) => {
    switch (msg.type) {
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
        try {
          while (s.cursor < s.count && s.written[s.cursor] === 1) if (!hashAtCursor(s)) break;
        } catch {
          // a read failed: finish() reads again and reports it
        }
        return;
      }
      case 'close':
        sessions.delete(msg.session);
        parentPort!.postMessage({ id: msg.id });
        return;
      case 'finish': {
        const s = sessions.get(msg.session);
        sessions.delete(msg.session);
        try {
          if (s === undefined) throw new Error('no such whole-file hash session (its worker restarted)');
          // Every piece is on disk now: read what the cursor has not reached, whatever `written` says.
          while (s.cursor < s.count) if (!hashAtCursor(s)) break;
          parentPort!.postMessage({ id: msg.id, digest: s.hash.digest(), bytesRead: s.hashed });
        } catch (err) {
          const e = err as { message?: string; code?: string; errno?: number; syscall?: string };
          parentPort!.postMessage({ id: msg.id, error: { message: String(e.message ?? err), code: e.code, errno: e.errno, syscall: e.syscall } });
        }
      }
    }
  });
}

const channel = new WorkerChannel(wholeFileMain, 'whole-file hash');
let nextSession = 0;

export class WholeFileHash {
  private readonly session = nextSession++;
  private done = false;

  /** Starts hashing the file at `fd`; `have` (a BEP 3 bitfield) marks the pieces already on disk. */
  constructor(fd: number, size: number, pieceLength: number, have: Uint8Array) {
    channel.tell({ type: 'open', session: this.session, fd, size, pieceLength, have: Uint8Array.from(have) } satisfies Message);
  }

  /** Piece `index` is verified and on disk. */
  written(index: number): void {
    if (!this.done) channel.tell({ type: 'written', session: this.session, index } satisfies Message);
  }

  /** Hashes what the cursor has not reached and returns the digest and the bytes hashed. */
  async finish(): Promise<{ digest: Buffer; bytesRead: number }> {
    this.done = true;
    const reply = await channel.ask<{ digest: Uint8Array; bytesRead: number }>({ type: 'finish', session: this.session });
    return { digest: Buffer.from(reply.digest.buffer, reply.digest.byteOffset, reply.digest.byteLength), bytesRead: reply.bytesRead };
  }

  /**
   * Forgets the session (the store closes). Resolves once the worker is past every message of
   * this session, so the file descriptor may be closed: a read on a closed descriptor whose
   * number was reused could block the worker (a pipe) or read another file.
   */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (channel.running) await channel.ask({ type: 'close', session: this.session }).catch(() => undefined);
  }
}
