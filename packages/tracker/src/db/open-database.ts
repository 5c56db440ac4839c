// Opens the tracker's SQLite database: migrate with a short-lived better-sqlite3 handle, then hand
// the file to PrismaClient through the better-sqlite3 driver adapter.
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database, { type Database as SqliteConnection } from 'better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.js';
import { Checkpointer } from './checkpointer.js';
import { prepareDataDir, privateFile, tightenIfExists } from './data-dir.js';
import { defaultMigrationsDir, migrate } from './migrate.js';

export interface TrackerDatabase {
  /** The writer: every transaction goes through this connection. */
  prisma: PrismaClient;
  /**
   * A second, read-only connection for queries outside transactions. The adapter runs plain
   * queries on its one connection even while a transaction is open there, so reads through
   * `prisma` could see a half-applied (or later rolled-back) transaction; on this connection
   * WAL gives every read a committed snapshot, and reads never wait for the writer.
   */
  reader: PrismaClient;
  /**
   * The better-sqlite3 connections under `prisma` and `reader`, for the store's hot paths
   * (state/sql/: state-rows.ts, log-table.ts), where Prisma's per-query cost (query interpreter,
   * a statement prepared per query) would bound the write rate. Statements on `sqlite.writer`
   * run inside whatever transaction is open on `prisma`'s connection, and the other way round:
   * it is one connection.
   */
  sqlite: { writer: SqliteConnection; reader: SqliteConnection };
  /** Absolute path of the database file. */
  file: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  file: string;
  /**
   * Checkpoint the WAL on a thread of its own instead of inside the writer's commits
   * (checkpointer.ts): what a running tracker wants; tests that only open a file need not.
   */
  backgroundCheckpoints?: boolean;
  /** A background checkpoint failed (logged by the tracker). */
  onCheckpointError?: (message: string) => void;
  /** Defaults to this package's prisma/migrations. */
  migrationsDir?: string;
}

/** How long a writer waits for another connection's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Per-connection settings, so they must be applied on Prisma's own connection, not only on the
 * migration handle. better-sqlite3's bundled SQLite already defaults foreign_keys to ON (the
 * schema's ON DELETE CASCADE depends on it), but a build against a system SQLite would not.
 * WAL already defaults synchronous to NORMAL there; said here for the same reason.
 */
const CONNECTION_PRAGMAS = 'PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;';

/**
 * The writer's page cache: up to 64 MiB instead of SQLite's 2 MiB (filled only as pages are
 * used). Ops insert rows under random keys (info-hashes), so a batch touches pages all over the
 * tables; with the small cache each was read back from the OS again and again (applying a
 * 100,000-op catch-up took 20-30% more CPU).
 */
const WRITER_PRAGMAS = ' PRAGMA cache_size = -65536;';

/**
 * With the checkpointer (checkpointer.ts): no checkpoint inside the writer's commits, and no
 * waiting on its locks: a busy database fails at once, and the store's write queue retries
 * asynchronously. The WAL file is cut back to 64 MiB when it is rewound.
 */
const BACKGROUND_CHECKPOINT_PRAGMAS = ' PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = 0; PRAGMA journal_size_limit = 67108864;';

/**
 * The adapter opens one better-sqlite3 connection per connect(); configure each one, and hand
 * it to `onConnect`. The adapter keeps the connection in its `client` field (adapter 7.10, pinned
 * in package.json); if a later version moves it, opening fails here rather than later.
 */
class ConfiguredSqliteAdapter extends PrismaBetterSqlite3 {
  constructor(
    config: ConstructorParameters<typeof PrismaBetterSqlite3>[0],
    private readonly onConnect: (connection: SqliteConnection) => void,
    private readonly extraPragmas = '',
  ) {
    super(config);
  }

  override async connect(): ReturnType<PrismaBetterSqlite3['connect']> {
    const adapter = await super.connect();
    await adapter.executeScript(CONNECTION_PRAGMAS + this.extraPragmas);
    const connection = (adapter as unknown as { client?: unknown }).client;
    if (!(connection instanceof Database)) throw new Error('@prisma/adapter-better-sqlite3 no longer exposes its connection as `client`');
    this.onConnect(connection);
    return adapter;
  }
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<TrackerDatabase> {
  const file = path.resolve(opts.file);
  // The database holds password and token hashes: a private directory, private files. SQLite
  // gives the -wal and -shm files the database file's mode; older ones are tightened here.
  prepareDataDir(path.dirname(file));
  privateFile(file);
  for (const suffix of ['-wal', '-shm']) tightenIfExists(file + suffix);

  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    // WAL is stored in the file, so setting it once here covers Prisma's connection too:
    // readers never block the writer, and a crash cannot corrupt the database.
    db.pragma('journal_mode = WAL');
    migrate(db, opts.migrationsDir ?? defaultMigrationsDir());
  } finally {
    db.close();
  }

  const config = { url: `file:${file}`, timeout: BUSY_TIMEOUT_MS };
  const sqlite: Partial<TrackerDatabase['sqlite']> = {};
  const writerPragmas = WRITER_PRAGMAS + (opts.backgroundCheckpoints ? BACKGROUND_CHECKPOINT_PRAGMAS : '');
  const prisma = new PrismaClient({ adapter: new ConfiguredSqliteAdapter(config, (c) => (sqlite.writer = c), writerPragmas) });
  const reader = new PrismaClient({ adapter: new ConfiguredSqliteAdapter(config, (c) => (sqlite.reader = c), ' PRAGMA query_only = ON;') });
  // Fail here, not at the first query, if the file cannot be opened.
  await prisma.$connect();
  await reader.$connect();
  if (!sqlite.writer || !sqlite.reader) throw new Error('Prisma connected without opening its better-sqlite3 connections');
  const checkpointer = opts.backgroundCheckpoints ? new Checkpointer({ file, ...(opts.onCheckpointError ? { onError: opts.onCheckpointError } : {}) }) : undefined;
  checkpointer?.start();
  return {
    prisma,
    reader,
    sqlite: { writer: sqlite.writer, reader: sqlite.reader },
    file,
    close: async () => {
      // Its connection first: the last one to close checkpoints and removes the WAL file.
      await checkpointer?.stop();
      await reader.$disconnect();
      await prisma.$disconnect();
    },
  };
}
