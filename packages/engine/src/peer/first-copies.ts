/**
 * The sharer's side of "each piece leaves the original seed about once": which connection a
 * piece was last uploaded to, and when, so a second downloader asking for the same piece at
 * the same time is told no (BEP 6 `reject_request`) and takes another one.
 *
 * Why the seed has to help: a downloader asks a seed only for pieces none of its partial peers
 * has announced (picker.ts), but a piece is announced only once it has arrived and verified,
 * a few hundred milliseconds on a loaded machine. Downloaders that start together and draw
 * from the same shrinking set of unannounced pieces then often fetch the same piece from the
 * sharer at once: 8 downloaders of a 128 MiB file took 1.3–1.7 copies of it from the sharer
 * that way. Only the sharer sees those requests side by side.
 *
 * The rule is BEP 16's idea (super-seeding: hand each piece out once) without its cost: the
 * sharer still advertises every piece and serves a lone downloader at full speed. A piece
 * uploaded to another connection that is still open less than `windowMs` ago is refused (one
 * that closed may have taken the piece away with it); the asker picks
 * another piece and gets this one from the first downloader once that one announces it. After
 * the window the piece is served to anyone who still asks (say a downloader not connected to
 * the first one), so a refusal delays a piece, it never withholds it. One instance per shared
 * file, used by all of its connections. O(1) per request; 12 bytes per piece.
 */

/** How long a piece uploaded to one connection is refused to others (see the module comment). */
export const FIRST_COPY_WINDOW_MS = 2_000;

/**
 * Files up to this size are served without first copies: sent whole to each asker at once, a
 * small file costs the sharer little, while a refusal costs its asker a second (the refused
 * piece is not asked again for REJECT_DECLINE_MS). Two members fetching a 1 MiB file saved in
 * a synced folder took 1.4 s (median) to have it, most of it that second.
 */
export const FIRST_COPIES_MIN_BYTES = 4 * 1024 * 1024;

/** What {@link FirstCopies} is built from. */
export interface FirstCopiesInit {
  pieceCount: number;
  /** Monotonic clock, ms. */
  now: () => number;
  /** Default {@link FIRST_COPY_WINDOW_MS}. */
  windowMs?: number;
}

/** Per shared file: the last connection each piece was uploaded to, and when. */
export class FirstCopies {
  readonly windowMs: number;
  readonly pieceCount: number;
  /** Connection each piece was last uploaded to (an id from {@link FirstCopies.connection}); 0: none. */
  readonly #to: Uint32Array;
  readonly #at: Float64Array;
  readonly #now: () => number;
  #next = 1;
  /** Ids of connections not yet {@link FirstCopies.closed}. */
  readonly #open = new Set<number>();

  /** @throws {RangeError} if `pieceCount` or `windowMs` is negative or not an integer. */
  constructor(init: FirstCopiesInit) {
    const windowMs = init.windowMs ?? FIRST_COPY_WINDOW_MS;
    if (!Number.isSafeInteger(init.pieceCount) || init.pieceCount < 0 || !Number.isSafeInteger(windowMs) || windowMs < 0) {
      throw new RangeError(`invalid pieceCount ${String(init.pieceCount)} or windowMs ${String(windowMs)}`);
    }
    this.#to = new Uint32Array(init.pieceCount);
    this.#at = new Float64Array(init.pieceCount);
    this.#now = init.now;
    this.windowMs = windowMs;
    this.pieceCount = init.pieceCount;
  }

  /** A new id for one connection, open until {@link FirstCopies.closed}. Ids are never reused. */
  connection(): number {
    const id = this.#next++;
    this.#open.add(id);
    return id;
  }

  /** Connection `conn` closed: the pieces it was sent no longer hold anyone else back. */
  closed(conn: number): void {
    this.#open.delete(conn);
  }

  /** False if piece `index` went to another, still open, connection less than the window ago. */
  allows(conn: number, index: number): boolean {
    const to = this.#to[index];
    if (to === undefined || to === 0 || to === conn || !this.#open.has(to)) return true;
    return this.#now() - (this.#at[index] as number) >= this.windowMs;
  }

  /** A block of piece `index` was uploaded to `conn`. */
  uploaded(conn: number, index: number): void {
    if (index < 0 || index >= this.#to.length) return;
    this.#to[index] = conn;
    this.#at[index] = this.#now();
  }
}
