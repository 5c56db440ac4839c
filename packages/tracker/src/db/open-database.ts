// Opens the tracker's SQLite database: migrate with a short-lived better-sqlite3 handle, then hand
// the file to PrismaClient through the better-sqlite3 driver adapter.
import fs from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.js';
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
  /** Absolute path of the database file. */
  file: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  file: string;
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

/** The adapter opens one better-sqlite3 connection per connect(); configure each one. */
class ConfiguredSqliteAdapter extends PrismaBetterSqlite3 {
  constructor(
    config: ConstructorParameters<typeof PrismaBetterSqlite3>[0],
    private readonly extraPragmas = '',
  ) {
    super(config);
  }

  override async connect(): ReturnType<PrismaBetterSqlite3['connect']> {
    const adapter = await super.connect();
    await adapter.executeScript(CONNECTION_PRAGMAS + this.extraPragmas);
    return adapter;
  }
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<TrackerDatabase> {
  const file = path.resolve(opts.file);
  fs.mkdirSync(path.dirname(file), { recursive: true });

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
  const prisma = new PrismaClient({ adapter: new ConfiguredSqliteAdapter(config) });
  const reader = new PrismaClient({ adapter: new ConfiguredSqliteAdapter(config, ' PRAGMA query_only = ON;') });
  // Fail here, not at the first query, if the file cannot be opened.
  await prisma.$connect();
  await reader.$connect();
  return {
    prisma,
    reader,
    file,
    close: async () => {
      await reader.$disconnect();
      await prisma.$disconnect();
    },
  };
}
