// Opens the tracker's SQLite database: migrate with a short-lived better-sqlite3 handle, then hand
// the file to PrismaClient through the better-sqlite3 driver adapter.
import fs from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.js';
import { defaultMigrationsDir, migrate } from './migrate.js';

export interface TrackerDatabase {
  prisma: PrismaClient;
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
  override async connect(): ReturnType<PrismaBetterSqlite3['connect']> {
    const adapter = await super.connect();
    await adapter.executeScript(CONNECTION_PRAGMAS);
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

  const prisma = new PrismaClient({
    adapter: new ConfiguredSqliteAdapter({ url: `file:${file}`, timeout: BUSY_TIMEOUT_MS }),
  });
  await prisma.$connect(); // fail here, not at the first query, if the file cannot be opened
  return {
    prisma,
    file,
    close: () => prisma.$disconnect(),
  };
}
