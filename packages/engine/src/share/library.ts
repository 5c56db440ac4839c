/**
 * The share library: what a user shares, remembered across logout, restart and login so that
 * login can resume every share (docs/client.md, "What stays shared": "login resumes every share the user
 * had"). One JSON file per user, `<dataDir>/shares-<userId>.json`, so two accounts used on one
 * machine never see (or serve) each other's files.
 *
 * Each entry keeps the whole share metadata (the hashes included), not just the path: resuming
 * then costs a `stat`, not a re-hash of possibly gigabytes, and sharing an unchanged file again
 * (same path, size and mtime) reuses the stored hashes. The size and mtime are the same evidence
 * {@link SeedSource} uses to notice a changed file.
 *
 * Robustness: the file is written atomically (temporary file, fsync, rename: a crash leaves the
 * old or the new library, never half of each). Reading never throws: a file that is not JSON,
 * not ours or not this user's is moved aside to `<file>.corrupt` (kept for a human to look at,
 * never trusted) and the library starts empty; a single malformed entry is skipped, so one bad
 * line does not cost the user every other share. Entries are checked as strictly as the tracker
 * checks `share_file` (ids, name, hex, geometry) and their info-hash is recomputed, so a
 * hand-edited entry cannot make the peer server announce one file and serve another.
 */
import { promises as fsp } from 'node:fs';
import { isAbsolute, join } from 'node:path';

import { assertValidGeometry, fileNameProblem, fromHex, idProblem, infoHash, pieceCount } from '@groupshare/protocol';

import { readSmallFile } from '../storage/file-io.js';
import { writeStateFile } from '../storage/resume-state.js';
import type { SharedFileInfo } from './types.js';

/** Marks a library file and its layout version; any other value is "not a library we know". */
export const LIBRARY_FORMAT = 'groupshare-shares/1';

/**
 * Largest library file read (256 MiB). An entry is about 200 bytes plus 40 hex digits per piece;
 * with the usual 2,048 pieces that is ~80 KiB, and even the protocol's largest file (262,144
 * pieces, 10 MiB of hex) fits two dozen times. Anything bigger is not ours and is not parsed.
 */
export const MAX_LIBRARY_BYTES = 256 * 1024 * 1024;

const SHA1_HEX = /^[0-9a-f]{40}$/;
const HEX = /^(?:[0-9a-f]{40})*$/;

/** One shared file in one group: everything needed to serve it and to register it again. */
export interface ShareRecord extends Omit<SharedFileInfo, 'pieceCount'> {
  /** Concatenated piece SHA-1s, lowercase hex (as `share_file` sends them). */
  pieces: string;
}

/** A library entry: a share record, flagged when its file was found modified at login. */
export interface LibraryEntry extends ShareRecord {
  /** Set when the file changed since it was hashed: not served until the user shares it again. */
  changed?: true;
}

/** Result of {@link decodeLibrary}: the entries (and why some were skipped), or why it was refused. */
export type DecodedLibrary =
  | { ok: true; entries: LibraryEntry[]; skipped: string[] }
  | { ok: false; reason: string };

/** The key of an entry: a group holds at most one file of a given name (the tracker enforces it). */
export function entryKey(groupId: string, name: string): string {
  return `${groupId}\n${name}`; // neither may contain a newline
}

/** Path of `userId`'s library in `dataDir`; `userId` must already be a valid, normalised id. */
export function libraryPath(dataDir: string, userId: string): string {
  return join(dataDir, `shares-${userId}.json`);
}

/** Serialises a user's library. */
export function encodeLibrary(userId: string, entries: Iterable<LibraryEntry>): string {
  return `${JSON.stringify({ format: LIBRARY_FORMAT, userId, shares: [...entries] }, null, 1)}\n`;
}

/** Parses a library written by {@link encodeLibrary} for `userId`. Never throws. */
export function decodeLibrary(text: string, userId: string): DecodedLibrary {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the library file is not valid JSON' };
  }
  if (!isObject(doc) || doc.format !== LIBRARY_FORMAT) return { ok: false, reason: 'the library file has an unknown format' };
  if (doc.userId !== userId) {
    // Any JSON may be here: only a string is named (String() throws on some objects).
    const owner = typeof doc.userId === 'string' ? JSON.stringify(doc.userId) : `a ${typeof doc.userId} for a user id`;
    return { ok: false, reason: `the library file belongs to another user (${owner})` };
  }
  if (!Array.isArray(doc.shares)) return { ok: false, reason: 'the library file has no list of shares' };
  const entries: LibraryEntry[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  doc.shares.forEach((raw: unknown, i) => {
    const checked = checkEntry(raw);
    if (typeof checked === 'string') {
      skipped.push(`entry ${i} skipped: ${checked}`);
    } else if (seen.has(entryKey(checked.groupId, checked.name))) {
      skipped.push(`entry ${i} skipped: a second entry for "${checked.name}" in group "${checked.groupId}"`);
    } else {
      seen.add(entryKey(checked.groupId, checked.name));
      entries.push(checked);
    }
  });
  return { ok: true, entries, skipped };
}

/** The entry with only the known fields, or why it is malformed. */
function checkEntry(raw: unknown): LibraryEntry | string {
  if (!isObject(raw)) return 'not an object';
  const { groupId, name, infoHash: hash, path, size, mtimeMs, pieceLength, sha1, pieces, changed } = raw;
  if (typeof groupId !== 'string' || idProblem(groupId) !== undefined || groupId !== groupId.toLowerCase()) {
    return 'bad group id';
  }
  if (typeof name !== 'string' || fileNameProblem(name) !== undefined || name !== name.normalize('NFC')) return 'bad file name';
  if (typeof path !== 'string' || !isAbsolute(path)) return 'path is not absolute';
  if (typeof size !== 'number' || typeof pieceLength !== 'number') return 'bad size or piece length';
  if (typeof mtimeMs !== 'number' || !Number.isFinite(mtimeMs)) return 'bad modification time';
  if (typeof sha1 !== 'string' || !SHA1_HEX.test(sha1) || typeof hash !== 'string' || !SHA1_HEX.test(hash)) {
    return 'bad SHA-1 or info-hash';
  }
  if (changed !== undefined && changed !== true) return 'bad "changed" flag';
  try {
    assertValidGeometry(size, pieceLength);
    if (typeof pieces !== 'string' || !HEX.test(pieces) || pieces.length !== 40 * pieceCount(size, pieceLength)) {
      return 'piece hashes do not match the size';
    }
    if (infoHash({ name, length: size, pieceLength, pieces: fromHex(pieces) }) !== hash) return 'info-hash does not match';
  } catch (err) {
    return (err as Error).message;
  }
  const entry: LibraryEntry = { groupId, name, infoHash: hash, path, size, mtimeMs, pieceLength, sha1, pieces };
  if (changed) entry.changed = true;
  return entry;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reports a problem with the library file; it never stops the share manager. */
export type LibraryProblemHandler = (problem: { path: string; reason: string }) => void;

/**
 * One user's library: entries in memory (the truth while running) and their file on disk.
 * Saves are ordered and coalesced: a save started while another runs writes the newest entries
 * once the running one is done.
 */
export class ShareLibrary {
  /** Entries by {@link entryKey}. */
  readonly entries = new Map<string, LibraryEntry>();
  /** Path of the library file. */
  readonly path: string;
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  private constructor(
    private readonly dataDir: string,
    readonly userId: string,
    private readonly onProblem: LibraryProblemHandler,
  ) {
    this.path = libraryPath(dataDir, userId);
  }

  /** Loads `userId`'s library (empty if there is none or it is unusable). Never throws. */
  static async load(dataDir: string, userId: string, onProblem: LibraryProblemHandler): Promise<ShareLibrary> {
    const lib = new ShareLibrary(dataDir, userId, onProblem);
    let text: string | undefined;
    try {
      text = await readSmallFile(lib.path, MAX_LIBRARY_BYTES);
    } catch (err) {
      onProblem({ path: lib.path, reason: `the library file cannot be read (${(err as Error).message}); starting empty` });
      return lib;
    }
    if (text === undefined) return lib;
    const decoded = decodeLibrary(text, userId);
    if (!decoded.ok) {
      const aside = `${lib.path}.corrupt`;
      const moved = await fsp.rename(lib.path, aside).then(
        () => `; moved to ${aside}`,
        () => '',
      );
      onProblem({ path: lib.path, reason: `${decoded.reason}; starting with an empty library${moved}` });
      return lib;
    }
    for (const reason of decoded.skipped) onProblem({ path: lib.path, reason });
    for (const e of decoded.entries) lib.entries.set(entryKey(e.groupId, e.name), e);
    return lib;
  }

  /**
   * An entry for the file at `path` (any group) whose size and mtime still match the file on
   * disk, so its hashes can be reused instead of hashing the file again.
   */
  async findUnchanged(path: string): Promise<LibraryEntry | undefined> {
    const stats = await fsp.stat(path).catch(() => undefined);
    if (!stats?.isFile()) return undefined;
    for (const e of this.entries.values()) {
      if (e.path === path && e.size === stats.size && e.mtimeMs === stats.mtimeMs) return e;
    }
    return undefined;
  }

  /** Writes the current entries. Failures are reported to `onProblem`, never thrown. */
  save(): Promise<void> {
    // One write may wait behind the running one; it encodes when it starts, so it has every
    // change made until then, and later callers can share it.
    this.queued ??= this.chain.then(async () => {
      this.queued = undefined;
      try {
        await fsp.mkdir(this.dataDir, { recursive: true });
        await writeStateFile(this.dataDir, this.path, encodeLibrary(this.userId, this.entries.values()));
      } catch (err) {
        this.onProblem({ path: this.path, reason: `the library file could not be saved: ${(err as Error).message}` });
      }
    });
    this.chain = this.queued;
    return this.queued;
  }
}

