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
 *
 * Piece buffers are recycled. A fresh buffer per piece read (512 KiB, every few milliseconds while
 * seeding) is memory V8 counts as external, and it answered that churn with a full mark-compact
 * every ~170 ms in each seeder: a third of a seeder's CPU during a transfer (docs/benchmarks.md).
 * A block handed out is a view into its piece's buffer, so a buffer may be reused only when its
 * piece has left the cache and every block handed out from it has been given back with
 * {@link PieceCache.release} (the server does so once the socket has taken the bytes). A block
 * that is never given back only keeps its buffer from being reused: it is then collected as any
 * other memory, so forgetting a release costs speed, never correctness.
 */

/** Default bytes of pieces kept per source (e.g. 16 pieces of 1 MiB). */
export const DEFAULT_PIECE_CACHE_BYTES = 16 * 1024 * 1024;

/** One piece buffer and who still uses it. */
interface Slot {
  readonly buffer: Buffer;
  /** In the cache (not evicted). */
  cached: boolean;
  /** Callers waiting for the read, who will each get a block. */
  waiting: number;
  /** Blocks handed out and not given back. */
  readonly lent: Set<Uint8Array>;
  /** Its buffer went back to the spares (once only: two slots must never share a buffer). */
  recycled: boolean;
}

interface Entry {
  readonly slot: Slot;
  /** The piece's bytes (a view of the slot's buffer), or the read in flight. */
  readonly piece: Promise<Buffer>;
}

export class PieceCache {
  /** index → entry; Map order is least recently used first. */
  private readonly entries = new Map<number, Entry>();
  /** Which slot a lent block belongs to. */
  private readonly owners = new WeakMap<Uint8Array, Slot>();
  private readonly spare: Buffer[] = [];
  private bytes = 0;

  constructor(
    /** Reads piece `index` whole from disk into `into` and returns the filled view of it. */
    private readonly readPiece: (index: number, into: Buffer) => Promise<Buffer>,
    /** Length of piece `index` (the last one may be short; none is longer than piece 0). */
    private readonly pieceLength: (index: number) => number,
    private readonly maxBytes = DEFAULT_PIECE_CACHE_BYTES,
  ) {}

  /**
   * `length` bytes at `begin` of piece `index`: a view into the cached piece, not a copy. Give it
   * back with {@link release} once it is no longer read, so its buffer can be reused.
   */
  async block(index: number, begin: number, length: number): Promise<Buffer> {
    let entry = this.entries.get(index);
    if (entry !== undefined) {
      this.entries.delete(index); // re-inserted below as most recently used
    } else {
      entry = this.load(index);
      this.bytes += this.pieceLength(index);
      this.evict(index);
    }
    this.entries.set(index, entry);
    const { slot } = entry;
    slot.waiting++;
    let piece: Buffer;
    try {
      piece = await entry.piece;
    } catch (err) {
      slot.waiting--;
      this.recycle(slot);
      throw err;
    }
    const block = piece.subarray(begin, begin + length);
    slot.lent.add(block); // lent before no longer waiting: the slot is never idle in between
    this.owners.set(block, slot);
    slot.waiting--;
    return block;
  }

  /** Gives back a block from {@link block}: its buffer may be reused. Idempotent; others are ignored. */
  release(block: Uint8Array): void {
    const slot = this.owners.get(block);
    if (slot === undefined || !slot.lent.delete(block)) return;
    this.owners.delete(block);
    this.recycle(slot);
  }

  /** Drops every cached piece (the file changed or is closing). */
  clear(): void {
    for (const { slot } of this.entries.values()) this.drop(slot);
    this.entries.clear();
    this.bytes = 0;
  }

  private load(index: number): Entry {
    const slot: Slot = { buffer: this.spare.pop() ?? Buffer.allocUnsafeSlow(this.pieceLength(0)), cached: true, waiting: 0, lent: new Set(), recycled: false };
    const piece = this.readPiece(index, slot.buffer);
    const entry = { slot, piece };
    piece.catch(() => this.forget(index, entry));
    return entry;
  }

  private evict(keep: number): void {
    for (const [index, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) return;
      if (index === keep) continue;
      this.entries.delete(index);
      this.bytes -= this.pieceLength(index);
      this.drop(entry.slot);
    }
  }

  private forget(index: number, entry: Entry): void {
    if (this.entries.get(index) !== entry) return;
    this.entries.delete(index);
    this.bytes -= this.pieceLength(index);
    this.drop(entry.slot);
  }

  private drop(slot: Slot): void {
    slot.cached = false;
    this.recycle(slot);
  }

  /** Keeps the slot's buffer for the next read once nothing uses it any more. */
  private recycle(slot: Slot): void {
    if (slot.recycled || slot.cached || slot.waiting > 0 || slot.lent.size > 0) return;
    slot.recycled = true;
    // Enough spares to refill the whole cache; beyond that, leave buffers to the collector.
    if (this.spare.length * this.pieceLength(0) < this.maxBytes) this.spare.push(slot.buffer);
  }
}
