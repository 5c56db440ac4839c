// Random benchmark files and their SHA-1s, streamed: a 1 GiB file never sits in memory whole.
//
// Random bytes (not zeros) because zeros can be compressed, deduplicated or sparse on disk and
// would flatter every client. crypto.randomFill runs on libuv's thread pool, so the next chunk is
// filled while the current one is being written (two buffers in turn).
import { createHash, randomFill } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const CHUNK = 4 * 2 ** 20; // large enough that per-write overhead vanishes, small enough for cache

const fill = (buf) => new Promise((resolve, reject) => randomFill(buf, (err, b) => (err ? reject(err) : resolve(b))));

/**
 * Cuts a byte stream into pieces of `pieceLength` and keeps each piece's SHA-1 (BEP 3 `pieces`)
 * and the whole stream's SHA-1. Chunks may straddle piece boundaries.
 */
export class StreamHasher {
  constructor(pieceLength) {
    this.pieceLength = pieceLength;
    this.whole = createHash('sha1');
    this.piece = pieceLength ? createHash('sha1') : undefined;
    this.inPiece = 0;
    this.digests = [];
  }

  update(chunk) {
    this.whole.update(chunk);
    if (!this.piece) return;
    for (let at = 0; at < chunk.length; ) {
      const take = Math.min(chunk.length - at, this.pieceLength - this.inPiece);
      this.piece.update(chunk.subarray(at, at + take));
      at += take;
      this.inPiece += take;
      if (this.inPiece === this.pieceLength) {
        this.digests.push(this.piece.digest());
        this.piece = createHash('sha1');
        this.inPiece = 0;
      }
    }
  }

  /** `{ sha1: hex, pieces: Buffer | undefined }`. */
  finish() {
    if (this.piece && this.inPiece > 0) this.digests.push(this.piece.digest());
    return { sha1: this.whole.digest('hex'), pieces: this.piece ? Buffer.concat(this.digests) : undefined };
  }
}

/**
 * Writes `size` random bytes to `file` (replacing it). With `pieceLength`, also returns the BEP 3
 * `pieces` string, so a .torrent can be made without reading the file again; the whole-file
 * SHA-1 is always returned (hashing costs ~0.5 s per GiB, writing dominates).
 * @returns `{ size, sha1, pieces? }`
 */
export async function createRandomFile(file, size, { pieceLength } = {}) {
  const hasher = new StreamHasher(pieceLength);
  const fh = await open(file, 'w');
  try {
    const bufs = [Buffer.allocUnsafe(Math.min(CHUNK, size)), Buffer.allocUnsafe(Math.min(CHUNK, size))];
    let next = fill(bufs[0]);
    for (let offset = 0, turn = 0; offset < size; turn ^= 1) {
      const len = Math.min(CHUNK, size - offset);
      const buf = (await next).subarray(0, len);
      // Start filling the other buffer while this one is hashed and written.
      next = offset + len < size ? fill(bufs[turn ^ 1]) : undefined;
      hasher.update(buf);
      for (let done = 0; done < len; ) done += (await fh.write(buf, done, len - done, offset + done)).bytesWritten;
      offset += len;
    }
  } finally {
    await fh.close();
  }
  return { size, ...hasher.finish() };
}

/**
 * Streams `file` once and returns `{ sha1, pieces? }` (pieces only with `pieceLength`). The
 * benchmarks verify downloads with this, not with groupshare's own hashing, so a bug there
 * cannot hide itself.
 */
export async function hashFile(file, { pieceLength } = {}) {
  const hasher = new StreamHasher(pieceLength);
  for await (const chunk of createReadStream(file, { highWaterMark: 2 ** 20 })) hasher.update(chunk);
  return hasher.finish();
}
