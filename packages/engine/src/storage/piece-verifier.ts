/**
 * Checking a downloaded piece's SHA-1, and writing it, on a worker thread (piece-worker.ts). SHA-1
 * of every piece was about a third of a fast download's main-thread time; on the worker it
 * overlaps with the main thread's socket reads and bookkeeping, on the second core
 * (docs/benchmarks.md, Transfer). The worker also writes the piece, in 16 KiB writes as it
 * hashes them: the thread pool's four writers of whole pieces cost several times the CPU on
 * this machine and contended for the file's lock (piece-worker.ts has the figures).
 *
 * A download's pieces are assembled in shared memory (download/swarm.ts), so they reach the
 * worker without a copy. Any other buffer is cloned by postMessage; a view is first cut to its
 * own bytes, since postMessage clones a view's entire ArrayBuffer (a pooled Buffer's 8 KiB, or a
 * whole file's `pieces`).
 */
import { pieceWorker, type PieceWorkerMessage } from './piece-worker.js';

/** `bytes` itself when postMessage can pass it cheaply, else a copy of just its bytes. */
function postable(bytes: Uint8Array): Uint8Array {
  return bytes.buffer instanceof SharedArrayBuffer || bytes.byteLength === bytes.buffer.byteLength ? bytes : Uint8Array.from(bytes);
}

/** A piece to write and check (see {@link storeOnWorker}). */
export interface StoreJob {
  data: Uint8Array;
  /** The piece's SHA-1 (20 bytes). */
  expected: Uint8Array;
  /** An open file descriptor; it must stay open until the returned promise settles. */
  fd: number;
  /** Byte offset of the piece in the file. */
  offset: number;
}

/**
 * Writes `job.data` at `job.offset` of `job.fd` and checks its SHA-1, both on the worker, in one
 * pass over the bytes (piece-worker.ts). Resolves whether it matched: a piece that did not is on
 * disk but must not be counted. Rejects with the fs error if the write fails.
 */
export async function storeOnWorker(job: StoreJob): Promise<boolean> {
  const message: PieceWorkerMessage = { type: 'store', ...job, data: postable(job.data), expected: postable(job.expected) };
  const reply = await pieceWorker.ask<{ ok: boolean }>(message);
  return reply.ok;
}
