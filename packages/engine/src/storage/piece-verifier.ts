/**
 * Checking a downloaded piece's SHA-1 on a worker thread (piece-worker.ts). SHA-1 of every piece was about a third
 * of a fast download's main-thread time; on the worker it overlaps with the main thread's socket
 * reads and bookkeeping, on the second core (docs/benchmarks.md, Transfer). The write stays on
 * the main thread's file handle: libuv runs several writes at once, where one worker writing
 * synchronously became the bottleneck (measured: 175–260 MB/s against 370–410 MB/s).
 *
 * `data` reaches the worker through a SharedArrayBuffer: a plain buffer would be cloned by
 * postMessage into a fresh allocation per piece (page faults, garbage, a larger RSS: measured at
 * 0.5 ms per 256 KiB piece). So a piece not already shared is copied into a recycled shared
 * buffer (one memcpy, tens of microseconds), which goes back to the pool when the check is done.
 */
import { pieceWorker, type PieceWorkerMessage } from './piece-worker.js';

/** Shared buffers kept for reuse, per length (pieces of a download all have one length). */
const spare = new Map<number, Uint8Array[]>();
/**
 * At most this many spare buffers per length. A download's own piece buffers are shared already
 * (download/swarm.ts), so this pool serves other callers and tests: a few suffice.
 */
const MAX_SPARE = 4;

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

/** Whether the SHA-1 of `data` is `expected` (20 bytes), computed on the verifier worker. */
export async function verifyOnWorker(data: Uint8Array, expected: Uint8Array): Promise<boolean> {
  const shared = sharedCopy(data);
  try {
    // `expected` is usually a view of the whole `pieces` buffer (or of a pooled one), and
    // postMessage clones a view's entire ArrayBuffer: send 20 bytes of its own.
    const message: PieceWorkerMessage = { type: 'verify', data: shared, expected: Uint8Array.from(expected) };
    const reply = await pieceWorker.ask<{ ok: boolean }>(message);
    return reply.ok;
  } finally {
    recycle(data, shared);
  }
}
