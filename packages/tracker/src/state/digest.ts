/**
 * A digest of the replicated state: SHA-256 over every state row in a canonical order and form.
 * Two trackers with the same digest hold the same users, sessions, groups (and their LAN key epochs), memberships, join
 * requests, files, shares, conflicts and settings; `status` and `GET /digest` expose it so "in
 * sync" can be checked. Local bookkeeping (the op log's positions, apply times) is left out on purpose.
 */
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';

type Reader = Pick<PrismaClient, 'user' | 'session' | 'group' | 'groupKeyEpoch' | 'membership' | 'joinRequest' | 'sharedFile' | 'share' | 'conflict' | 'setting'>;

function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

/** Rows as JSON lines with keys in a fixed order, so the text is the same on every tracker. */
function lines(table: string, rows: Array<Record<string, unknown>>, columns: string[]): string {
  return rows.map((row) => JSON.stringify([table, ...columns.map((c) => canonical(row[c]))])).join('\n');
}

export async function stateDigest(db: Reader): Promise<string> {
  const hash = createHash('sha256');
  const parts: Array<[string, Promise<Array<Record<string, unknown>>>, string[]]> = [
    ['user', db.user.findMany({ orderBy: { id: 'asc' } }), ['id', 'passwordHash', 'createdAt', 'createdHlc', 'lastLoginAt']],
    ['session', db.session.findMany({ orderBy: { tokenHash: 'asc' } }), ['tokenHash', 'userId', 'peerAddress', 'createdAt', 'expiresAt']],
    ['group', db.group.findMany({ orderBy: { id: 'asc' } }), ['id', 'ownerId', 'createdAt']],
    ['groupKeyEpoch', db.groupKeyEpoch.findMany({ orderBy: { groupId: 'asc' } }), ['groupId', 'epoch']],
    ['membership', db.membership.findMany({ orderBy: [{ groupId: 'asc' }, { userId: 'asc' }] }), ['groupId', 'userId', 'joinedAt']],
    ['request', db.joinRequest.findMany({ orderBy: [{ groupId: 'asc' }, { userId: 'asc' }] }), ['groupId', 'userId', 'requestedAt']],
    ['file', db.sharedFile.findMany({ orderBy: [{ groupId: 'asc' }, { infoHash: 'asc' }] }), ['groupId', 'infoHash', 'name', 'size', 'sha1', 'pieceLength', 'pieces', 'sharedBy', 'createdAt']],
    ['share', db.share.findMany({ orderBy: [{ groupId: 'asc' }, { infoHash: 'asc' }, { userId: 'asc' }] }), ['groupId', 'infoHash', 'userId', 'peerAddress', 'bitfield', 'complete', 'serving', 'updatedAt']],
    ['conflict', db.conflict.findMany({ orderBy: { hlc: 'asc' } }), ['hlc', 'kind', 'userId', 'subject', 'losingHash', 'at']],
    ['setting', db.setting.findMany({ orderBy: { key: 'asc' } }), ['key', 'value']],
  ];
  for (const [table, rows, columns] of parts) hash.update(`${lines(table, await rows, columns)}\n`);
  return hash.digest('hex');
}

/**
 * The digest and vector as of the last write, recomputed only when the database has changed
 * since (SQLite's `data_version`), by one computation shared by every caller waiting for it,
 * and at most once every `minIntervalMs`.
 *
 * Why: a digest hashes every row (with six maximum-size files, 330–770 ms of the tracker's one
 * thread), and `/digest`, `/status` and the console all ask for it; 20 parallel calls cost 7 s
 * and held other clients' pings for up to a second. Answers are never stale: a caller gets a
 * digest computed after its call began if anything was written meanwhile.
 */
export class DigestCache<T> {
  private cached: { version: number; generation: number; value: T } | undefined;
  private pending: Promise<void> | undefined;
  private lastDoneAt = 0;
  /** Computations started so far. */
  private started = 0;

  constructor(
    /** Changes whenever the state may have (SQLite's `PRAGMA data_version`). */
    private readonly version: () => number,
    private readonly compute: () => Promise<T>,
    private readonly minIntervalMs = 100,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value for the state as of this call, or later. */
  async get(): Promise<T> {
    if (this.cached && this.cached.version === this.version()) return this.cached.value;
    // A computation already running may have read the state before this call: wait for one
    // that starts after it.
    const calledAfter = this.started;
    for (;;) {
      if (this.cached && this.cached.generation > calledAfter) return this.cached.value;
      this.pending ??= this.refresh().finally(() => (this.pending = undefined));
      await this.pending;
    }
  }

  private async refresh(): Promise<void> {
    const wait = this.lastDoneAt + this.minIntervalMs - this.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const generation = ++this.started;
    // Read before computing: a write during the computation leaves the result marked older.
    const version = this.version();
    try {
      this.cached = { version, generation, value: await this.compute() };
    } finally {
      this.lastDoneAt = this.now();
    }
  }
}
