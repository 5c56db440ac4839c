/**
 * Checking a downloaded piece's SHA-1 on a worker thread (piece-worker.ts). SHA-1 of every piece
 * was about a third of a fast download's main-thread time; on the worker it overlaps with the
 * main thread's socket reads and bookkeeping, on the second core (docs/benchmarks.md, Transfer). The write stays on
 * the main thread's file handle: libuv runs several writes at once, where one worker writing
 * synchronously became the bottleneck (measured: 175–260 MB/s against 370–410 MB/s).
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

/** Whether the SHA-1 of `data` is `expected` (20 bytes), computed on the verifier worker. */
export async function verifyOnWorker(data: Uint8Array, expected: Uint8Array): Promise<boolean> {
  const message: PieceWorkerMessage = { type: 'verify', data: postable(data), expected: postable(expected) };
  const reply = await pieceWorker.ask<{ ok: boolean }>(message);
  return reply.ok;
}
