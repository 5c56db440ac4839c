/**
 * Copying a received block into a piece assembled in shared memory (download/swarm.ts).
 *
 * V8 copies into a SharedArrayBuffer with relaxed atomic loads and stores: 8 bytes at a time
 * when source and destination are both 8-byte aligned, otherwise one byte at a time. A block
 * arrives as a view into the socket's read buffer, just after its 13-byte `piece` header, so
 * its start is almost never aligned, and the byte-wise copy was a quarter of the leecher's main
 * thread (0.6 CPU s per GiB, perf, docs/benchmarks.md). Copying it first into an aligned
 * scratch buffer, which is ordinary memory and so a plain memcpy, and from there into the piece
 * word by word costs 0.1 s per GiB.
 */

/** 8: V8's atomic word on 64-bit hosts, the alignment its word-wise shared-memory copy needs. */
const WORD = 8;

/** Grown to the largest block seen; ordinary memory with its own ArrayBuffer, so offset 0 is aligned. */
let scratch = Buffer.allocUnsafeSlow(16 * 1024);

/** Copies `block` into `piece` at `offset` (`piece.set(block, offset)`, fast for shared memory). */
export function copyIntoShared(piece: Uint8Array, offset: number, block: Uint8Array): void {
  if (block.byteOffset % WORD === 0 || !(piece.buffer instanceof SharedArrayBuffer)) {
    piece.set(block, offset);
    return;
  }
  if (scratch.length < block.length) scratch = Buffer.allocUnsafeSlow(block.length);
  scratch.set(block);
  piece.set(scratch.subarray(0, block.length), offset);
}
