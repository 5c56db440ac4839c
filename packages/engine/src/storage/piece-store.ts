/**
 * The on-disk store of one download (docs/client.md: what a resumed download keeps, and why).
 *
 * Blocks are written at their offset in a sparse partial file (`<dir>/.<name>.groupshare-part`),
 * never buffered whole. A piece counts only once its SHA-1 matches, and only verified pieces are
 * served to others. Which pieces are verified is persisted (batched, fsync'd) in a resume state
 * file, and each piece is appended to a journal before it counts, so a client killed with kill -9
 * resumes without refetching any piece it had verified. When every piece is verified, `finish()`
 * checks the whole-file SHA-1 and moves the file into place, never over an existing different file.
 *
 * Resume trusts nothing: every piece the state or journal claims is re-hashed on open. That costs
 * one read of the verified part of the file (about as long as hashing it for sharing), and in
 * exchange a truncated partial file, bytes changed on disk, or writes lost in a crash before the
 * data reached the disk all show up as pieces to fetch again instead of a corrupt file at the end.
 * Without a usable state (garbled, deleted) an existing partial file is scanned piece by piece,
 * as libtorrent checks files without resume data: only what is damaged or missing is fetched.
 *
 * Operations on one piece (writes, verification) run one after another, so a block arriving
 * while its piece is being verified cannot slip in after the check; blocks for a piece that is
 * already verified (endgame duplicates) are dropped. Path safety: see safe-path.ts.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

import { Bitfield, SHA1_LENGTH, pieceCount, pieceSize } from '@groupshare/protocol';

import { blockOffset } from './block-range.js';
import {
  BlockRangeError,
  DownloadIncompleteError,
  FileHashMismatchError,
  PieceNotVerifiedError,
  StoreClosedError,
} from './errors.js';
import { hashRange, readExactly, writeFully } from './file-io.js';
import { hashOnWorker } from './hash-workers.js';
import { checkDestination, placeFile } from './place-file.js';
import { KeyedQueue } from './keyed-queue.js';
import { PieceCache } from './piece-cache.js';
import { normaliseInit, openPartFile, type PieceStoreInit, type ResumeReport } from './piece-store-init.js';
import { PieceJournal, removeJournal } from './piece-journal.js';
import { storeOnWorker } from './piece-verifier.js';
import { decodeState, encodeState, identityDigest, readStateFile } from './resume-state.js';
import { downloadPaths, fsyncDir, refuseUnsafe, type DownloadPaths } from './safe-path.js';
import { StateSaver } from './state-saver.js';
import { WholeFileHash } from './whole-file-hash.js';

/** The partial file, resume state and verified-piece set of one download. */
export class PieceStore {
  /** Pieces verified so far. Live: read it, do not modify it. */
  readonly have: Bitfield;
  /** Number of pieces in the file. */
  readonly pieceCount: number;
  /** How the previous state was found on open. */
  readonly resume: ResumeReport;
  private readonly queue = new KeyedQueue<number>();
  /**
   * Pieces set in `have`, kept by {@link PieceStore.mark} and {@link PieceStore.unmark}:
   * `complete()` is asked on every request round, and counting the bitfield's bits each time
   * was a scan of up to 32 KiB.
   */
  private verified: number;
  /** Verified pieces recently served, for serving their blocks without a disk read each. */
  private readonly cache: PieceCache;
  private readonly saver: StateSaver;
  private closed = false;
  private closing: Promise<void> | undefined;
  private finishing: Promise<string> | undefined;
  /** The whole-file SHA-1, kept up as pieces are written (whole-file-hash.ts); from the first write. */
  private whole: WholeFileHash | undefined;
  /**
   * Bytes the whole-file SHA-1 still had to read when `finish()` checked it: 0 when the hash kept
   * up with the pieces, the file's size when it was hashed whole. Undefined before a finish.
   */
  hashedAtFinish: number | undefined;

  private constructor(
    private readonly init: Required<PieceStoreInit>,
    /** Absolute paths of the destination, partial and state files. */
    readonly paths: DownloadPaths,
    private readonly handle: FileHandle,
    private readonly journal: PieceJournal,
    have: Bitfield,
    resume: ResumeReport,
  ) {
    this.have = have;
    this.pieceCount = have.pieceCount;
    this.verified = have.count();
    this.resume = resume;
    const length = (index: number): number => pieceSize(index, init.size, init.pieceLength);
    this.cache = new PieceCache((index, into) => readExactly(handle, index * init.pieceLength, length(index), paths.part, into), length);
    this.saver = new StateSaver({
      dir: paths.dir,
      path: paths.state,
      encode: () => encodeState(init, have),
      beforeWrite: () => handle.datasync(), // the pieces must be on disk before the state claims them
      delayMs: init.stateFlushMs,
    });
  }

  /**
   * Opens (creating or resuming) the store for a download, re-hashing every piece the resume
   * state claims. A missing or unusable state means starting over, never an error.
   *
   * @throws {BadFileNameError | UnsafePathError} for an unsafe name or a symlink, hard link or
   *   non-regular file at the partial, state or destination path.
   * @throws {DestinationExistsError} if a file of another size or a directory is at the destination.
   * @throws {FileNotFoundError} if `dir` does not exist.
   * @throws protocol's geometry errors or {@link PiecesMismatchError} for inconsistent metadata.
   */
  static async open(init: PieceStoreInit): Promise<PieceStore> {
    const full = normaliseInit(init);
    const { size, pieceLength } = full;
    const paths = await downloadPaths(init.dir, init.name);
    await checkDestination(paths.dest, size);
    await refuseUnsafe(paths.state, 'resume state');
    await refuseUnsafe(paths.journal, 'piece journal');
    const text = await readStateFile(paths.state);
    const { handle, stats } = await openPartFile(paths.part);
    let journal: PieceJournal;
    let claimed: number[];
    try {
      ({ journal, claimed } = await PieceJournal.open(paths.journal, identityDigest(full), pieceCount(size, pieceLength)));
    } catch (err) {
      await handle.close();
      throw err;
    }
    const decoded = text === undefined ? undefined : decodeState(text, full);
    const have = decoded?.ok ? decoded.have : new Bitfield(pieceCount(size, pieceLength));
    const stateBits = have.count();
    for (const index of claimed) have.set(index);
    const scan = !decoded?.ok && stats.size > 0;
    const store = new PieceStore(full, paths, handle, journal, have, {
      state: decoded === undefined ? 'none' : decoded.ok ? 'loaded' : 'ignored',
      ...(decoded?.ok === false ? { reason: decoded.reason } : {}),
      journaled: have.count() - stateBits,
      scanned: scan,
      kept: 0,
      dropped: [],
    });
    try {
      store.resume.dropped = await store.recheck();
      if (scan) await store.scanUnclaimed();
      store.resume.kept = have.count();
      if (stats.size !== size) await handle.truncate(size); // sparse: unwritten ranges read as 0
      // The journal was emptied on open: the state must now hold every piece found. It is also
      // rewritten when it was wrong (pieces dropped) or garbage (replaced with a valid one).
      if (store.resume.journaled > 0 || scan || store.resume.dropped.length > 0 || decoded?.ok === false) {
        store.saver.markDirty();
        await store.flush();
      }
    } catch (err) {
      await journal.close().catch(() => undefined);
      await handle.close();
      throw err;
    }
    return store;
  }

  /**
   * Writes `data` at byte `begin` of piece `index`. Returns false, writing nothing, if the piece
   * is already verified (a duplicate from another peer must not touch served data).
   *
   * @throws {BlockRangeError} if the block is empty or does not lie inside the piece.
   * @throws {StoreClosedError} after `close()`.
   */
  async writeBlock(index: number, begin: number, data: Uint8Array): Promise<boolean> {
    const offset = this.blockOffset(index, begin, data.length);
    return this.queue.run(index, async () => {
      if (this.have.has(index)) return false;
      await writeFully(this.handle, data, offset);
      return true;
    });
  }

  /**
   * Reads piece `index` back from disk and checks its SHA-1. On a match the piece is journaled,
   * then marked in `have`, and the state is persisted soon (see `flush`); on a mismatch nothing
   * is marked and the caller fetches the piece again. True at once for an already verified piece.
   */
  async verifyPiece(index: number): Promise<boolean> {
    this.blockOffset(index, 0, 1); // validates the index
    return this.queue.run(index, async () => {
      if (this.have.has(index)) return true;
      if (!(await this.pieceMatches(index))) return false;
      // Journaled before anyone hears of it, so a kill cannot lose a piece peers were told of.
      // A failed append (disk full) costs at most a refetch after a crash; the state still has it.
      await this.journal.append(index).catch(() => undefined);
      this.mark(index);
      this.saver.changed();
      return true;
    });
  }

  /**
   * Reads `length` bytes at `begin` of a verified piece, for serving it to other peers.
   *
   * @throws {PieceNotVerifiedError} if the piece is not verified.
   * @throws {BlockRangeError} if the block is not inside the piece.
   */
  async readBlock(index: number, begin: number, length: number): Promise<Buffer> {
    this.blockOffset(index, begin, length); // validates the block
    if (!this.have.has(index)) throw new PieceNotVerifiedError(`piece ${index} is not verified yet`);
    return this.cache.block(index, begin, length);
  }

  /** Gives back a block from {@link readBlock} that is no longer read (piece-cache.ts). */
  releaseBlock(block: Uint8Array): void {
    this.cache.release(block);
  }

  /**
   * Writes a whole piece assembled in memory and checks it against its SHA-1 (one pass, on the
   * worker); on a match journals it and marks it verified, like {@link verifyPiece}. `data` is
   * not kept: the caller may reuse it once the returned promise settles. On a mismatch false is
   * returned and nothing is marked: the bytes are in the partial file but never counted, as an
   * unverified block is after {@link writeBlock}, until a good copy overwrites them. True at
   * once, writing nothing, for a piece that is already verified (a duplicate must not touch
   * served data).
   *
   * @throws {BlockRangeError} if `data` is not exactly the piece's length.
   */
  async writePiece(index: number, data: Uint8Array): Promise<boolean> {
    const offset = this.blockOffset(index, 0, data.length);
    const length = pieceSize(index, this.init.size, this.init.pieceLength);
    if (data.length !== length) throw new BlockRangeError(`piece ${index} is ${length} bytes, not ${data.length}`);
    const expected = this.init.pieces.subarray(index * SHA1_LENGTH, (index + 1) * SHA1_LENGTH);
    return this.queue.run(index, async () => {
      if (this.have.has(index)) return true;
      // Opened at the first write, once resume checks are done: `have` holds what is on disk.
      this.whole ??= new WholeFileHash(this.handle.fd, this.init.size, this.init.pieceLength, this.have.bytes);
      // Checked and written on the worker (piece-verifier.ts); in the queue, so close() waits for it.
      if (!(await storeOnWorker({ data, expected, fd: this.handle.fd, offset }))) return false;
      await this.journal.append(index).catch(() => undefined); // see verifyPiece
      this.mark(index);
      this.whole.written(index);
      this.saver.changed();
      return true;
    });
  }

  /** True when every piece is verified (at once for an empty file). */
  complete(): boolean {
    return this.verified === this.pieceCount;
  }

  /**
   * Re-hashes every verified piece and unmarks those that no longer match (the partial file was
   * truncated or altered). Returns the unmarked indices.
   */
  async recheck(): Promise<number[]> {
    const dropped: number[] = [];
    for (const index of this.have.indices()) {
      await this.queue.run(index, async () => {
        if (await this.pieceMatches(index)) return;
        this.unmark(index);
        dropped.push(index);
        this.saver.markDirty();
      });
    }
    return dropped;
  }

  /** Hashes every piece not yet marked and marks those that match (a partial file without state). */
  private async scanUnclaimed(): Promise<void> {
    for (let index = 0; index < this.pieceCount; index++) {
      if (!this.have.has(index) && (await this.pieceMatches(index))) this.mark(index);
    }
  }

  private mark(index: number): void {
    if (this.have.has(index)) return;
    this.have.set(index);
    this.verified++;
  }

  private unmark(index: number): void {
    if (!this.have.has(index)) return;
    this.have.clear(index);
    this.verified--;
  }

  /** Persists the verified pieces now (data fsync'd first). A no-op if nothing changed. */
  flush(): Promise<void> {
    return this.saver.flush();
  }

  /**
   * Checks the whole-file SHA-1 and moves the file to `<dir>/<name>`, then removes the state and
   * closes the store. If an identical file is already there the partial is simply removed.
   * Returns the destination path. On failure the store stays open and finish can be retried.
   *
   * @throws {DownloadIncompleteError} if a piece is missing.
   * @throws {FileHashMismatchError} if the pieces verify but the file hash does not (after
   *   a recheck, so pieces changed on disk are unmarked and can be fetched again).
   * @throws {DestinationExistsError | UnsafePathError} if a different file, a directory or a
   *   symlink is at the destination; nothing there is ever overwritten.
   */
  async finish(): Promise<string> {
    this.assertOpen();
    this.finishing ??= this.doFinish().finally(() => {
      this.finishing = undefined;
    });
    return this.finishing;
  }

  /** Persists the state and closes the partial file. Idempotent; later calls wait for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await this.finishing?.catch(() => undefined);
      await this.queue.idle();
      await this.whole?.close();
      try {
        await this.flush();
      } finally {
        await this.journal.close().catch(() => undefined);
        await this.handle.close();
      }
    })();
    return this.closing;
  }

  private async doFinish(): Promise<string> {
    if (!this.complete()) {
      throw new DownloadIncompleteError(`${this.have.count()} of ${this.pieceCount} pieces verified; cannot finish yet`);
    }
    const { size, sha1 } = this.init;
    await this.queue.idle(); // reads queued for a piece (evidence) finish before the file moves
    await this.handle.datasync();
    const { digest, bytesRead } = await this.wholeFileHash();
    if (bytesRead !== size || digest.toString('hex') !== sha1) {
      const dropped = await this.recheck();
      await this.flush();
      throw new FileHashMismatchError(
        dropped.length > 0
          ? `${this.paths.part} changed on disk; ${dropped.length} piece(s) must be fetched again`
          : `every piece verifies but the file's SHA-1 is ${digest.toString('hex')}, not ${sha1}: the shared metadata is inconsistent`,
      );
    }
    await this.saver.flush(); // no state write may still be in flight when the file is removed
    await placeFile(this.paths.part, this.paths.dest, size, sha1);
    this.closed = true;
    this.closing = Promise.resolve();
    this.saver.cancel();
    await this.journal.close().catch(() => undefined);
    await this.handle.close();
    await fsp.rm(this.paths.state, { force: true });
    await removeJournal(this.paths.journal);
    await fsyncDir(this.paths.dir);
    return this.paths.dest;
  }

  /**
   * The file's SHA-1: what the incremental hash has not covered yet, or (no pieces written in
   * this session, or its worker was lost) the whole file, on a worker either way, so the main
   * thread keeps serving this file's pieces to other peers meanwhile.
   */
  private async wholeFileHash(): Promise<{ digest: Buffer; bytesRead: number }> {
    const whole = this.whole;
    this.whole = undefined; // consumed: after a mismatch the next write starts afresh
    if (whole !== undefined) {
      try {
        const { digest, bytesRead, hashedAtFinish } = await whole.finish();
        this.hashedAtFinish = hashedAtFinish;
        return { digest, bytesRead };
      } catch {
        // fall through: hash it all
      }
    }
    const { digests, bytesRead } = await hashOnWorker({ fd: this.handle.fd, start: 0, length: this.init.size });
    this.hashedAtFinish = bytesRead;
    return { digest: digests, bytesRead };
  }

  private async pieceMatches(index: number): Promise<boolean> {
    const { size, pieceLength, pieces } = this.init;
    const length = pieceSize(index, size, pieceLength);
    const { digest, bytesRead } = await hashRange(this.handle, index * pieceLength, length);
    const expected = pieces.subarray(index * SHA1_LENGTH, (index + 1) * SHA1_LENGTH);
    return bytesRead === length && digest.equals(expected);
  }

  /** Validates a block (see block-range.ts) and returns its byte offset in the file. */
  private blockOffset(index: number, begin: number, length: number): number {
    this.assertOpen();
    return blockOffset(index, begin, length, this.init.size, this.init.pieceLength);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(`the store for ${this.paths.dest} is closed`);
  }
}
