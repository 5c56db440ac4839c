/**
 * The resume state of a download: which pieces are verified, so a killed client resumes without
 * refetching them (docs/client.md: what a resumed download keeps).
 *
 * It is a small JSON file beside the partial file. Three properties matter:
 * - **Atomic**: written to a temporary file, fsync'd, then renamed over the old one (and the
 *   directory fsync'd), so a crash leaves either the old or the new state, never half of each.
 * - **Self-checking**: a SHA-1 over the other fields detects a garbled or hand-edited file, which
 *   is then ignored (the download starts over) instead of trusted or crashed on.
 * - **Bound to one download**: it records the file's SHA-1, size, piece length and a hash of the
 *   piece list, so a state left by a different file of the same name is not applied.
 * The state is only a hint: the store re-hashes every piece it claims on open.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';

import { Bitfield, pieceCount } from '@groupshare/protocol';

import { O_NOFOLLOW, readSmallFile } from './file-io.js';
import { TEMP_INFIX, fsyncDir } from './safe-path.js';

/** Marks the file as ours and its layout version; another value means "not a state we know". */
export const STATE_FORMAT = 'groupshare-resume/1';

/**
 * Largest state file read (1 MiB). A real one is under 50 KiB (a bitfield for the protocol's
 * 262,144 pieces is 32 KiB, 44 KiB as base64); anything bigger is not ours.
 */
export const MAX_STATE_BYTES = 1024 * 1024;

/** What a state must match to apply to a download. */
export interface DownloadIdentity {
  /** Whole-file SHA-1, lowercase hex. */
  sha1: string;
  size: number;
  pieceLength: number;
  /** Concatenated piece SHA-1s. */
  pieces: Uint8Array;
}

/** Result of {@link decodeState}: the verified pieces, or why the state was ignored. */
export type DecodedState = { ok: true; have: Bitfield } | { ok: false; reason: string };

function identityFields(id: DownloadIdentity): [string, number, number, string] {
  return [id.sha1, id.size, id.pieceLength, createHash('sha1').update(id.pieces).digest('hex')];
}

/** A 20-byte digest of the download's identity, binding the piece journal to one download. */
export function identityDigest(id: DownloadIdentity): Buffer {
  return createHash('sha1').update(JSON.stringify([STATE_FORMAT, ...identityFields(id)])).digest();
}

function checksum(fields: unknown[]): string {
  return createHash('sha1').update(JSON.stringify(fields)).digest('hex');
}

/** Serialises the verified pieces of the download `id` as a self-checking JSON document. */
export function encodeState(id: DownloadIdentity, have: Bitfield): string {
  const [sha1, size, pieceLength, piecesSha1] = identityFields(id);
  const fields = [STATE_FORMAT, sha1, size, pieceLength, piecesSha1, have.toBase64()];
  const body = { format: STATE_FORMAT, sha1, size, pieceLength, piecesSha1, have: have.toBase64() };
  return `${JSON.stringify({ ...body, checksum: checksum(fields) })}\n`;
}

/**
 * Parses a state written by {@link encodeState}. Never throws: anything malformed, garbled or
 * belonging to another download yields `{ ok: false, reason }`.
 */
export function decodeState(text: string, id: DownloadIdentity): DecodedState {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'state file is not valid JSON' };
  }
  if (typeof doc !== 'object' || doc === null) return { ok: false, reason: 'state file is not an object' };
  const d = doc as Record<string, unknown>;
  const fields = [d.format, d.sha1, d.size, d.pieceLength, d.piecesSha1, d.have];
  if (d.format !== STATE_FORMAT) return { ok: false, reason: 'state file has an unknown format' };
  if (typeof d.checksum !== 'string' || d.checksum !== checksum(fields)) {
    return { ok: false, reason: 'state file checksum does not match (garbled)' };
  }
  if (JSON.stringify(fields.slice(1, 5)) !== JSON.stringify(identityFields(id))) {
    return { ok: false, reason: 'state file belongs to a different file' };
  }
  try {
    return { ok: true, have: Bitfield.fromBase64(d.have as string, pieceCount(id.size, id.pieceLength)) };
  } catch {
    return { ok: false, reason: 'state file has a malformed piece list' };
  }
}

/**
 * Reads the state file at `path` without following a symlink, or undefined if there is none.
 * A file larger than {@link MAX_STATE_BYTES} reads as garbage (so it is ignored, not loaded).
 *
 * @throws {UnsafePathError} if `path` is a symlink; {@link NotAFileError} if not a regular file.
 */
export async function readStateFile(path: string): Promise<string | undefined> {
  return readSmallFile(path, MAX_STATE_BYTES);
}

/**
 * Replaces the state file at `path` with `text` atomically and durably: temporary file created
 * with O_EXCL (never through a symlink), written, fsync'd, renamed over `path` (rename replaces a
 * symlink itself rather than following it), then the directory fsync'd.
 */
export async function writeStateFile(dir: string, path: string, text: string): Promise<void> {
  const temp = `${path}${TEMP_INFIX}${randomBytes(8).toString('hex')}`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;
  const handle = await fsp.open(temp, flags, 0o644);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, path);
  } catch (err) {
    await fsp.rm(temp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}
