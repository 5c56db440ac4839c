/**
 * A small read cache of whole pieces, for serving.
 *
 * Peers request 16 KiB blocks, and usually the blocks of one piece one after another. Reading
 * each block from disk is a thread-pool round trip (about 20–30 µs of overhead each, measured),
 * which made serving, not the network, the limit of a transfer. Reading the whole piece once and
 * answering its blocks from memory costs one round trip per piece instead of one per block.
 *
 * Bounded by bytes (least recently used piece evicted first), so memory does not grow with the
 * file or the number of peers. Concurrent requests for one piece share its single read; a failed
 * read is not cached, so the next request tries the disk again.
 */

/** Default bytes of pieces kept per source (e.g. 16 pieces of 1 MiB). */
export const DEFAULT_PIECE_CACHE_BYTES = 16 * 1024 * 1024;

export class PieceCache {
  /** index → the piece's bytes (or the read in flight); Map order is least recently used first. */
  private readonly pieces = new Map<number, Promise<Buffer>>();
  private bytes = 0;

  constructor(
    /** Reads piece `index` whole from disk. */
    private readonly readPiece: (index: number) => Promise<Buffer>,
    /** Length of piece `index` (the last one may be short). */
    private readonly pieceLength: (index: number) => number,
    private readonly maxBytes = DEFAULT_PIECE_CACHE_BYTES,
  ) {}

  /** `length` bytes at `begin` of piece `index`: a view into the cached piece, not a copy. */
  async block(index: number, begin: number, length: number): Promise<Buffer> {
    let piece = this.pieces.get(index);
    if (piece !== undefined) {
      this.pieces.delete(index); // re-inserted below as most recently used
    } else {
      piece = this.readPiece(index);
      this.bytes += this.pieceLength(index);
      piece.catch(() => this.forget(index, piece as Promise<Buffer>));
      this.evict(index);
    }
    this.pieces.set(index, piece);
    const bytes = await piece;
    return bytes.subarray(begin, begin + length);
  }

  /** Drops every cached piece (the file changed or is closing). */
  clear(): void {
    this.pieces.clear();
    this.bytes = 0;
  }

  private evict(keep: number): void {
    for (const index of this.pieces.keys()) {
      if (this.bytes <= this.maxBytes) return;
      if (index === keep) continue;
      this.pieces.delete(index);
      this.bytes -= this.pieceLength(index);
    }
  }

  private forget(index: number, piece: Promise<Buffer>): void {
    if (this.pieces.get(index) !== piece) return;
    this.pieces.delete(index);
    this.bytes -= this.pieceLength(index);
  }
}
