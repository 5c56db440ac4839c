/**
 * What folder sync remembers in the client's data directory, per user, so that it survives
 * restarts (and a kill -9): the bindings (`sync-<user>.json`: group, folder, options) and, per
 * binding, what each path of the folder holds (`sync-<user>-<id>.json`: the version its file
 * is, and the size, mtime and inode it had when hashed, so an unchanged
 * file is not hashed again). Written atomically like the download list; a garbled file reads
 * as empty (the folder is then hashed again and nothing is lost: its files are still there).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promises as fsp } from 'node:fs';

import { idProblem } from '@groupshare/protocol';

import { readSmallFile } from '../storage/file-io.js';
import { writeStateFile } from '../storage/resume-state.js';
import type { HeldPath, Version } from './decide.js';
import { parseVersionName } from './version-name.js';

/** One folder bound to a group. */
export interface SyncBinding {
  groupId: string;
  /** Absolute, symlinks resolved. */
  dir: string;
  /** Propagate deletions (tombstones) instead of letting the union bring deleted files back. */
  mirrorDeletes: boolean;
}

/** A held path and the file's stat when it was hashed. */
export interface HeldFile extends HeldPath {
  mtimeMs: number;
  ino: number;
}

const MAX_BYTES = 64 * 1024 * 1024;

function userFile(dataDir: string, userId: string, suffix: string): string {
  if (idProblem(userId)) throw new RangeError(`not a user id: ${JSON.stringify(userId)}`);
  return path.join(dataDir, `sync-${userId}${suffix}.json`);
}

/** The state file of `binding`: named by a digest of the group and folder. */
export function stateFile(dataDir: string, userId: string, b: Pick<SyncBinding, 'groupId' | 'dir'>): string {
  const id = createHash('sha1').update(`${b.groupId}\n${b.dir}`).digest('hex').slice(0, 16);
  return userFile(dataDir, userId, `-${id}`);
}

async function readJson(file: string): Promise<unknown> {
  try {
    const text = await readSmallFile(file, MAX_BYTES);
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

export async function readBindings(dataDir: string, userId: string): Promise<SyncBinding[]> {
  const parsed = (await readJson(userFile(dataDir, userId, ''))) as { bindings?: unknown } | undefined;
  if (!Array.isArray(parsed?.bindings)) return [];
  return parsed.bindings.filter(
    (b): b is SyncBinding =>
      typeof b === 'object' && b !== null && typeof b.groupId === 'string' && idProblem(b.groupId) === undefined &&
      typeof b.dir === 'string' && path.isAbsolute(b.dir) && typeof b.mirrorDeletes === 'boolean',
  );
}

export async function writeBindings(dataDir: string, userId: string, bindings: readonly SyncBinding[]): Promise<void> {
  await fsp.mkdir(dataDir, { recursive: true });
  await writeStateFile(dataDir, userFile(dataDir, userId, ''), JSON.stringify({ format: 'groupshare-sync/1', bindings }, null, 1));
}

function versionOf(o: { name?: unknown; sha1?: unknown; size?: unknown }): Version | undefined {
  if (typeof o.name !== 'string' || typeof o.sha1 !== 'string' || !Number.isSafeInteger(o.size)) return undefined;
  const v = parseVersionName(o.name);
  return v === undefined ? undefined : { ...v, name: o.name, sha1: o.sha1, size: o.size as number };
}

export async function readFolderState(file: string): Promise<Map<string, HeldFile>> {
  const out = new Map<string, HeldFile>();
  const parsed = (await readJson(file)) as { paths?: unknown } | undefined;
  if (parsed?.paths === null || typeof parsed?.paths !== 'object') return out;
  for (const [p, raw] of Object.entries(parsed.paths as Record<string, unknown>)) {
    const e = raw as { held?: { name?: unknown; sha1?: unknown; size?: unknown }; mtimeMs?: unknown; ino?: unknown };
    const held = e?.held === undefined ? undefined : versionOf(e.held);
    if (held === undefined || held.path !== p || typeof e.mtimeMs !== 'number' || typeof e.ino !== 'number') continue;
    out.set(p, { held, mtimeMs: e.mtimeMs, ino: e.ino });
  }
  return out;
}

/**
 * Writes the folder's state: what each path holds and, as `saves`, this member's own saves
 * ({@link saveKey}s), by which it recognises versions other members computed in its name
 * (listed-versions.ts).
 */
export async function writeFolderState(dataDir: string, file: string, held: ReadonlyMap<string, HeldFile>, saves: Iterable<string> = []): Promise<void> {
  const paths = Object.fromEntries(
    [...held].map(([p, h]) => [p, { held: { name: h.held.name, sha1: h.held.sha1, size: h.held.size }, mtimeMs: h.mtimeMs, ino: h.ino }]),
  );
  await writeStateFile(dataDir, file, JSON.stringify({ format: 'groupshare-sync-state/1', paths, saves: [...saves] }));
}

/** A save of one's own, as remembered: its time and content (a conflict copy or a resolution of it keeps both). */
export function saveKey(v: Pick<Version, 'time' | 'sha1'>): string {
  return `${v.time.toString(36)}:${v.sha1}`;
}

/** The member's own saves remembered in the state file (none in a state written before they were). */
export async function readFolderSaves(file: string): Promise<Set<string>> {
  const parsed = (await readJson(file)) as { saves?: unknown } | undefined;
  const saves = Array.isArray(parsed?.saves) ? parsed.saves : [];
  return new Set(saves.filter((k): k is string => typeof k === 'string'));
}
