/**
 * The verified-piece journal of a download: the tail of the resume state that a kill cannot lose.
 *
 * The resume state (resume-state.ts) is rewritten atomically at most about once a second, because
 * each write costs an fsync of the data and of the state. A client killed with kill -9 between
 * two writes would therefore forget the pieces verified since the last one and fetch them again.
 * So each piece is also appended here, as one 4-byte record, before the store reports it
 * verified (and so before it is announced to peers or the tracker). An append is a single
 * write(2) into the page cache: it survives the process being killed, just not the machine
 * losing power, which is what the fsync'd state is for.
 *
 * Like the state, the journal is only a hint: every piece it names is re-hashed on open. A
 * header binds it to one download (the state's identity digest), so a journal left by another
 * file of the same name is ignored. The store empties it on open, once the state it writes
 * covers the pieces, so it never holds more than one session's pieces (4 bytes each).
 */
import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

import { FileNotFoundError, UnsafePathError } from './errors.js';
import { O_NOFOLLOW, READ_NOFOLLOW_FLAGS, openRegular } from './file-io.js';

/** Marks the file as ours and its layout version, followed by the 20-byte identity digest. */
const MAGIC = Buffer.from('GSJRNL1\n', 'latin1');
const HEADER_BYTES = MAGIC.length + 20;
const RECORD_BYTES = 4;

// Appends only, created if missing, never through a symlink, never hanging on a FIFO.
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | O_NOFOLLOW | (constants.O_NONBLOCK ?? 0);

/** Append-only record of pieces verified since the store was opened. */
export class PieceJournal {
  private chain: Promise<void> = Promise.resolve();
  /** Records waiting for the write in flight to finish; written together as one write(2). */
  private batch: Buffer[] = [];
  private batchWritten: Promise<void> | undefined;

  private constructor(private readonly handle: FileHandle) {}

  /**
   * Reads the pieces a journal at `path` claims for the download `identity` (an empty list for
   * a missing, foreign or garbled journal), and returns the journal emptied and ready to append.
   * Indices at or above `pieceCount` and a torn last record are skipped.
   *
   * @throws {UnsafePathError | NotAFileError} for a symlink, a hard-linked or a non-regular file at `path`.
   */
  static async open(path: string, identity: Buffer, pieceCount: number): Promise<{ journal: PieceJournal; claimed: number[] }> {
    const claimed = await readClaims(path, identity, pieceCount);
    const { handle, stats } = await openRegular(path, APPEND_FLAGS, 0o644);
    try {
      if (stats.nlink > 1) throw new UnsafePathError(`piece journal ${path} has other hard links; remove it to continue`);
      await handle.truncate(0);
      await handle.write(Buffer.concat([MAGIC, identity]));
    } catch (err) {
      await handle.close();
      throw err;
    }
    return { journal: new PieceJournal(handle), claimed };
  }

  /**
   * Appends `index`; resolves once the record is in the file (page cache). Appends keep their
   * order. Records appended while a write is in flight go out together in the next one, so a
   * fast download makes a few writes per batch of pieces rather than a system call per piece.
   */
  append(index: number): Promise<void> {
    const record = Buffer.alloc(RECORD_BYTES);
    record.writeUInt32BE(index);
    this.batch.push(record);
    this.batchWritten ??= this.scheduleBatch();
    return this.batchWritten;
  }

  private scheduleBatch(): Promise<void> {
    const run = this.chain.then(async () => {
      const records = Buffer.concat(this.batch);
      this.batch = [];
      this.batchWritten = undefined; // appends from here on join the next batch
      await this.handle.write(records);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }
}

/** Deletes the journal at `path` (the download finished); a missing journal is fine. */
export async function removeJournal(path: string): Promise<void> {
  await fsp.rm(path, { force: true });
}

async function readClaims(path: string, identity: Buffer, pieceCount: number): Promise<number[]> {
  let opened;
  try {
    opened = await openRegular(path, READ_NOFOLLOW_FLAGS);
  } catch (err) {
    if (err instanceof FileNotFoundError) return [];
    throw err;
  }
  try {
    // One session appends each piece about once; allow re-verifications, never read unbounded.
    const limit = HEADER_BYTES + RECORD_BYTES * pieceCount * 4;
    if (opened.stats.size < HEADER_BYTES || opened.stats.size > limit) return [];
    const bytes = await opened.handle.readFile();
    if (!bytes.subarray(0, MAGIC.length).equals(MAGIC) || !bytes.subarray(MAGIC.length, HEADER_BYTES).equals(identity)) return [];
    const claimed = new Set<number>();
    for (let at = HEADER_BYTES; at + RECORD_BYTES <= bytes.length; at += RECORD_BYTES) {
      const index = bytes.readUInt32BE(at);
      if (index < pieceCount) claimed.add(index);
    }
    return [...claimed];
  } finally {
    await opened.handle.close();
  }
}
