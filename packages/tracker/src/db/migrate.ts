// Applies prisma/migrations at tracker start, without the Prisma CLI (a devDependency that would
// also try to download a native engine). It keeps `_prisma_migrations` exactly as
// `prisma migrate deploy` does, so the Prisma tooling can still inspect a tracker database; the
// tracker tests check this against the real engine (src/db/migrate.test.ts).
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';

/** The DDL Prisma's schema engine uses for SQLite (compared verbatim by the tests). */
const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

interface MigrationRow {
  checksum: string;
  finished_at: string | null;
  migration_name: string;
}

/** prisma/migrations of this package; src/db and dist/db are both two levels below it. */
export function defaultMigrationsDir(): string {
  return fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
}

/** sha256 hex of the file's bytes, as Prisma records it. */
export function migrationChecksum(sql: Buffer): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** Prisma also accepts a checksum taken before git turned LF into CRLF (or back) on checkout. */
function checksumMatches(recorded: string, sql: Buffer): boolean {
  const text = sql.toString('utf8');
  const lf = text.replace(/\r\n/g, '\n');
  return [sql, Buffer.from(lf), Buffer.from(lf.replace(/\n/g, '\r\n'))].some((b) => migrationChecksum(b) === recorded);
}

/** Prisma stores timestamps through the driver adapter as ISO 8601 with an explicit offset. */
function timestamp(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

/**
 * Brings `db` up to date with the migration folders in `migrationsDir` (each holding
 * migration.sql, applied in name order). Throws, naming the migration, when the recorded history
 * does not match the files: an edited migration (checksum), a failed one (needs a person), or
 * one this build does not have (the database was written by a newer tracker).
 */
export function migrate(
  db: BetterSqlite3.Database,
  migrationsDir: string,
  now: () => Date = () => new Date(),
): { applied: string[] } {
  const names = fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const scripts = new Map(names.map((name) => [name, fs.readFileSync(path.join(migrationsDir, name, 'migration.sql'))]));

  db.exec(MIGRATIONS_TABLE_DDL);
  // Rows marked rolled back (`prisma migrate resolve --rolled-back`) are history only.
  const rows = db
    .prepare('SELECT checksum, finished_at, migration_name FROM _prisma_migrations WHERE rolled_back_at IS NULL')
    .all() as MigrationRow[];
  for (const row of rows) {
    const name = row.migration_name;
    const sql = scripts.get(name);
    if (row.finished_at === null) {
      throw new Error(
        `database migration ${name} is recorded as failed (by the Prisma CLI); repair the database by hand, ` +
          'then set rolled_back_at on its _prisma_migrations row',
      );
    }
    if (sql === undefined) {
      throw new Error(`database has migration ${name}, which ${migrationsDir} lacks (written by a newer tracker?)`);
    }
    if (!checksumMatches(row.checksum, sql)) {
      throw new Error(`migration ${name} was edited after it was applied (checksum differs); restore the file`);
    }
  }

  const done = new Set(rows.map((r) => r.migration_name));
  const applied: string[] = [];
  for (const [name, sql] of scripts) {
    if (done.has(name)) continue;
    if (applyOne(db, name, sql, now)) applied.push(name);
  }
  return { applied };
}

/** Applies one migration atomically; false if another process applied it first. */
function applyOne(db: BetterSqlite3.Database, name: string, sql: Buffer, now: () => Date): boolean {
  // SQLite's procedure for schema changes (sqlite.org/lang_altertable.html): foreign keys off
  // OUTSIDE the transaction (the pragma is a no-op inside one, so the `PRAGMA foreign_keys=OFF`
  // Prisma writes around table redefinitions would not work, and `DROP TABLE` of a redefined
  // parent would cascade-delete its children), then foreign_key_check before committing.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    return db
      .transaction(() => {
        // Re-checked under the write lock: two trackers may start on one file at once.
        const finished = db
          .prepare('SELECT 1 FROM _prisma_migrations WHERE migration_name = ? AND rolled_back_at IS NULL')
          .get(name);
        if (finished !== undefined) return false;
        const startedAt = timestamp(now());
        db.exec(sql.toString('utf8'));
        const broken = db.pragma('foreign_key_check') as { table: string }[];
        if (broken.length > 0) {
          throw new Error(`leaves ${broken.length} rows with dangling foreign keys (first in ${broken[0]?.table})`);
        }
        db.prepare(
          `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
           VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`,
        ).run(randomUUID(), migrationChecksum(sql), timestamp(now()), name, startedAt);
        return true;
      })
      .immediate();
  } catch (err) {
    // Nothing was changed (the transaction rolled back), so unlike `prisma migrate deploy` no
    // failed row is recorded: fix the file and restart.
    throw new Error(`database migration ${name} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    if (foreignKeys) db.pragma('foreign_keys = ON');
  }
}
