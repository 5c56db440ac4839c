/**
 * The hot reads (membership checks, list_files, get_file, get_peers) as prepared statements on a
 * read-only better-sqlite3 connection of their own, with their results cached until the next
 * commit.
 *
 * Why not Prisma: through Prisma 7's query interpreter and driver adapter each query costs about
 * a millisecond of the tracker's one event-loop thread (building the plan, preparing the SQL
 * again, converting every value and row), while SQLite answers these indexed lookups in
 * microseconds; a list_files took four such queries, so the tracker topped out near 200
 * requests/s (docs/benchmarks.md, "Tracker"). Writes go through the store (store.ts,
 * state-rows.ts).
 *
 * Why a cache: even here, turning rows into JavaScript objects costs a few microseconds a row,
 * and list_files reads every share of the group (250 rows for 25 files with 10 peers each), so
 * reading the same unchanged rows for every client's poll would bound the tracker again. SQLite's
 * `PRAGMA data_version` changes whenever another connection commits; the caches are dropped
 * whenever it has, so a read never returns rows older than the last commit. Reads that follow a
 * commit read the database again. Callers must not modify what these methods return.
 *
 * The Prisma schema stays the source of truth: the tables and columns below are declared in
 * schema.ts, which schema.test.ts holds to schema.prisma, and reads.test.ts checks every
 * statement against Prisma's own reading of the same rows. Like Prisma's reader connection, this
 * one is `query_only`, and under WAL every read sees committed data and never waits for the
 * writer.
 */
import Database from 'better-sqlite3';
import { columnList, rowDecoder, type Row } from './schema.js';

const FILE_COLUMNS = ['infoHash', 'name', 'size', 'sha1', 'pieceLength', 'sharedBy', 'createdAt'] as const;
const SHARE_COLUMNS = ['infoHash', 'userId', 'peerAddress', 'bitfield', 'complete', 'serving'] as const;

/** A shared file without its piece hashes (what a summary needs); `size` (≤ 2^44) is exact. */
export type FileRow = Row<'SharedFile', (typeof FILE_COLUMNS)[number]>;

export type FileRowWithPieces = Row<'SharedFile', (typeof FILE_COLUMNS)[number] | 'pieces'>;

/** A share; one that is not `serving` is a holder only (file_info), never advertised. */
export type ShareRow = Row<'Share', (typeof SHARE_COLUMNS)[number]>;

/** The group's owner and whether the user is a member. */
export interface MembershipRow {
  ownerId: string;
  member: boolean;
}

/** A group's files by name, and every share of them (by info-hash, then user). */
export interface GroupFiles {
  readonly files: readonly FileRow[];
  readonly shares: readonly ShareRow[];
}

type Raw = Record<string, unknown>;

/**
 * Entries per cache before it is emptied and refilled: bounds memory however many groups, files
 * and members are read between two commits. Far above what a tracker's clients poll at once.
 */
const MAX_CACHED = 10_000;

const toFile = rowDecoder('SharedFile', FILE_COLUMNS);
const toFileWithPieces = rowDecoder('SharedFile', [...FILE_COLUMNS, 'pieces']);
const toShare = rowDecoder('Share', SHARE_COLUMNS);

export class SqlReads {
  private readonly db: Database.Database;
  private readonly dataVersionStmt: Database.Statement<[], number>;
  private readonly membershipStmt: Database.Statement<[string, string], Raw>;
  private readonly filesStmt: Database.Statement<[string], Raw>;
  private readonly groupSharesStmt: Database.Statement<[string], Raw>;
  private readonly fileByNameStmt: Database.Statement<[string, string], Raw>;
  private readonly fileExistsStmt: Database.Statement<[string, string], Raw>;
  private readonly fileSharesStmt: Database.Statement<[string, string], Raw>;
  /** list_files reads two tables: one read transaction, so both come from the same commit. */
  private readonly groupFilesTx: (groupId: string) => GroupFiles;
  private readonly fileTx: (groupId: string, name: string) => { file: FileRowWithPieces; shares: ShareRow[] } | undefined;
  private readonly peersTx: (groupId: string, infoHash: string) => ShareRow[] | undefined;

  /** `data_version` when the caches were filled; NaN: never. */
  private version = NaN;
  private readonly memberships = new Map<string, MembershipRow | null>();
  private readonly groups = new Map<string, GroupFiles>();
  private readonly fileShareLists = new Map<string, readonly ShareRow[] | null>();

  /** Opens `file` (a migrated tracker database, in WAL mode) for reading. */
  constructor(file: string, { timeoutMs = 5_000 }: { timeoutMs?: number } = {}) {
    this.db = new Database(file, { fileMustExist: true, timeout: timeoutMs });
    this.db.pragma('query_only = ON');
    this.dataVersionStmt = this.db.prepare<[], number>('PRAGMA data_version').pluck();
    this.membershipStmt = this.db.prepare(
      'SELECT g."ownerId" AS "ownerId", EXISTS (SELECT 1 FROM "Membership" m WHERE m."groupId" = g."id" AND m."userId" = ?) AS "member" FROM "Group" g WHERE g."id" = ?',
    );
    // Prisma's `orderBy: { name: 'asc' }`: SQLite's BINARY collation, i.e. by UTF-8 bytes.
    const files = columnList('SharedFile', FILE_COLUMNS);
    const shares = columnList('Share', SHARE_COLUMNS);
    this.filesStmt = this.db.prepare(`SELECT ${files} FROM "SharedFile" WHERE "groupId" = ? ORDER BY "name"`);
    this.groupSharesStmt = this.db.prepare(`SELECT ${shares} FROM "Share" WHERE "groupId" = ? ORDER BY "infoHash", "userId"`);
    this.fileByNameStmt = this.db.prepare(`SELECT ${files}, "pieces" FROM "SharedFile" WHERE "groupId" = ? AND "name" = ?`);
    this.fileExistsStmt = this.db.prepare('SELECT 1 AS "found" FROM "SharedFile" WHERE "groupId" = ? AND "infoHash" = ?');
    this.fileSharesStmt = this.db.prepare(`SELECT ${shares} FROM "Share" WHERE "groupId" = ? AND "infoHash" = ? ORDER BY "userId"`);

    this.groupFilesTx = this.db.transaction((groupId: string) => ({
      files: this.filesStmt.all(groupId).map(toFile),
      shares: this.groupSharesStmt.all(groupId).map(toShare),
    }));
    this.fileTx = this.db.transaction((groupId: string, name: string) => {
      const row = this.fileByNameStmt.get(groupId, name);
      if (!row) return undefined;
      const file = toFileWithPieces(row);
      return { file, shares: this.fileSharesStmt.all(groupId, file.infoHash).map(toShare) };
    });
    this.peersTx = this.db.transaction((groupId: string, infoHash: string) => {
      if (!this.fileExistsStmt.get(groupId, infoHash)) return undefined;
      return this.fileSharesStmt.all(groupId, infoHash).map(toShare);
    });
  }

  /** The group's owner and whether `userId` is a member; undefined if there is no such group. */
  membership(groupId: string, userId: string): MembershipRow | undefined {
    this.dropIfChanged();
    const key = `${groupId}\u0000${userId}`;
    let found = this.memberships.get(key);
    if (found === undefined) {
      const row = this.membershipStmt.get(userId, groupId);
      found = row ? { ownerId: row.ownerId as string, member: Boolean(row.member) } : null;
      remember(this.memberships, key, found);
    }
    return found ?? undefined;
  }

  /**
   * The group's files and their shares. Until the next commit, every call returns the same
   * object, so callers may memoise what they derive from it (queries.ts does, in a WeakMap).
   */
  groupFiles(groupId: string): GroupFiles {
    this.dropIfChanged();
    let found = this.groups.get(groupId);
    if (!found) remember(this.groups, groupId, (found = this.groupFilesTx(groupId)));
    return found;
  }

  /** One file by name, with its piece hashes and its shares; undefined if there is none. */
  file(groupId: string, name: string): { file: FileRowWithPieces; shares: ShareRow[] } | undefined {
    return this.fileTx(groupId, name);
  }

  /** The shares of a file (by user); undefined if the group has no such file. */
  fileShares(groupId: string, infoHash: string): readonly ShareRow[] | undefined {
    this.dropIfChanged();
    const key = `${groupId}\u0000${infoHash}`;
    let found = this.fileShareLists.get(key);
    if (found === undefined) remember(this.fileShareLists, key, (found = this.peersTx(groupId, infoHash) ?? null));
    return found ?? undefined;
  }

  /** Idempotent. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Empties the caches if another connection has committed since they were filled. Every read
   * of the database happens on this process's one thread, synchronously, so no commit can land
   * between this check and the statements that follow it.
   */
  private dropIfChanged(): void {
    const version = this.dataVersionStmt.get();
    if (version === this.version) return;
    this.version = version!;
    this.memberships.clear();
    this.groups.clear();
    this.fileShareLists.clear();
  }
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, value);
}
