// Our hand-rolled migrator (migrate.ts) against Prisma's own schema engine (WASM build).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  diffScript,
  liveDatabaseTarget,
  openSchemaEngine,
  readMigrationsList,
  readSchemas,
} from '../../scripts/schema-engine.mjs';
import { defaultMigrationsDir, migrate } from './migrate.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'groupshare-conformance-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function migrateWithOurs(file: string): void {
  const db = new Database(file);
  try {
    migrate(db, defaultMigrationsDir());
  } finally {
    db.close();
  }
}

/** Everything about `_prisma_migrations` that must not depend on who applied the migrations. */
function migrationsTableFacts(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      ddl: db.prepare(`SELECT sql FROM sqlite_master WHERE name = '_prisma_migrations'`).pluck().get(),
      columns: db.pragma('table_info(_prisma_migrations)'),
      rows: db
        .prepare(
          `SELECT migration_name, checksum, logs, rolled_back_at, applied_steps_count,
                  typeof(id) AS id_type, length(id) AS id_length,
                  typeof(started_at) AS started_type, typeof(finished_at) AS finished_type,
                  started_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*+00:00' AS started_iso,
                  finished_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*+00:00' AS finished_iso,
                  length(started_at) AS started_length, length(finished_at) AS finished_length
           FROM _prisma_migrations ORDER BY migration_name`,
        )
        .all(),
    };
  } finally {
    db.close();
  }
}

describe('migrate.ts conforms to prisma migrate', () => {
  // Fails when schema.prisma was changed without `pnpm db:diff <name>`.
  it('migrations produce exactly schema.prisma', async () => {
    const file = path.join(tmp, 'ours.db');
    migrateWithOurs(file);
    const { engine, close } = await openSchemaEngine({ dbFile: file });
    try {
      const schemas = await readSchemas();
      const drift = await diffScript(engine, liveDatabaseTarget(schemas), { tag: 'schemaDatamodel', ...schemas });
      expect(drift, 'schema.prisma differs from prisma/migrations: run `pnpm db:diff <name>`').toBeNull();
    } finally {
      await close();
    }
  });

  it('records _prisma_migrations like the engine, and the engine accepts our history', async () => {
    const ours = path.join(tmp, 'history-ours.db');
    const theirs = path.join(tmp, 'history-theirs.db');
    migrateWithOurs(ours);
    const list = await readMigrationsList();

    const engineOnTheirs = await openSchemaEngine({ dbFile: theirs });
    try {
      expect(await applyMigrations(engineOnTheirs.engine, list)).toHaveLength(list.migrationDirectories.length);
    } finally {
      await engineOnTheirs.close();
    }
    expect(migrationsTableFacts(ours)).toEqual(migrationsTableFacts(theirs));

    // The engine sees our rows as a clean, complete history and has nothing left to apply.
    const engineOnOurs = await openSchemaEngine({ dbFile: ours });
    try {
      const diagnosis = await engineOnOurs.engine.diagnoseMigrationHistory({
        migrationsList: list,
        optInToShadowDatabase: false,
        filters: { externalTables: [], externalEnums: [] },
      });
      expect(diagnosis).toMatchObject({ editedMigrationNames: [], failedMigrationNames: [], history: null });
      expect(await applyMigrations(engineOnOurs.engine, list)).toEqual([]);
    } finally {
      await engineOnOurs.close();
    }

    // And ours accepts the engine's rows.
    const db = new Database(theirs);
    try {
      expect(migrate(db, defaultMigrationsDir()).applied).toEqual([]);
    } finally {
      db.close();
    }
  });
});
