/**
 * A download's whole-file SHA-1, kept up on a worker of its own (piece-worker.ts) while the
 * download runs, so that completing does not hash the whole file between the last piece and
 * "complete" (about 0.7 s per GiB, on the main thread as it was).
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
import { wholeFileWorker as worker, type PieceWorkerMessage as Message } from './piece-worker.js';

let nextSession = 0;

export class WholeFileHash {
  private readonly id = nextSession++;
  private done = false;

  /** Starts hashing the file at `fd`; `have` (a BEP 3 bitfield) marks the pieces already on disk. */
  constructor(fd: number, size: number, pieceLength: number, have: Uint8Array) {
    worker.tell({ type: 'open', session: this.id, fd, size, pieceLength, have: Uint8Array.from(have) } satisfies Message);
  }

  /** Piece `index` is verified and on disk. */
  written(index: number): void {
    if (!this.done) worker.tell({ type: 'written', session: this.id, index } satisfies Message);
  }

  /**
   * Hashes what the cursor has not reached and returns the digest, the bytes hashed, and how many
   * of them were left for this call (0 when the hash kept up with the pieces).
   */
  async finish(): Promise<{ digest: Buffer; bytesRead: number; hashedAtFinish: number }> {
    this.done = true;
    const reply = await worker.ask<{ digest: Uint8Array; bytesRead: number; hashedAtFinish: number }>({ type: 'finish', session: this.id });
    return {
      digest: Buffer.from(reply.digest.buffer, reply.digest.byteOffset, reply.digest.byteLength),
      bytesRead: reply.bytesRead,
      hashedAtFinish: reply.hashedAtFinish,
    };
  }

  /**
   * Forgets the session (the store closes). Resolves once the worker is past every message of
   * this session, so the file descriptor may be closed: a read on a closed descriptor whose
   * number was reused could block the worker (a pipe) or read another file.
   */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (worker.running) await worker.ask({ type: 'close', session: this.id }).catch(() => undefined);
  }
}
