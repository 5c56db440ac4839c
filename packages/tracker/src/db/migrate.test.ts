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
  schemaPath,
} from '../../scripts/schema-engine.mjs';
import { defaultMigrationsDir, migrate } from './migrate.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'groupshare-migrate-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
const tmpPath = (name: string) => path.join(tmp, `${++counter}-${name}`);

/** A copy of the committed migrations that a test may edit or extend. */
function copyMigrations(): string {
  const dir = tmpPath('migrations');
  fs.cpSync(defaultMigrationsDir(), dir, { recursive: true });
  return dir;
}

const committed = fs
  .readdirSync(defaultMigrationsDir(), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe('migrate', () => {
  it('applies every committed migration once, then nothing', () => {
    expect(committed.length).toBeGreaterThan(0);
    const db = new Database(tmpPath('fresh.db'));
    try {
      expect(migrate(db, defaultMigrationsDir()).applied).toEqual(committed);
      expect(migrate(db, defaultMigrationsDir()).applied).toEqual([]);
      const rows = db.prepare('SELECT migration_name FROM _prisma_migrations ORDER BY migration_name').all();
      expect(rows).toEqual(committed.map((migration_name) => ({ migration_name })));
    } finally {
      db.close();
    }
  });

  it('refuses a migration edited after it was applied', () => {
    const dir = copyMigrations();
    const db = new Database(tmpPath('edited.db'));
    try {
      migrate(db, dir);
      const first = committed[0]!;
      fs.appendFileSync(path.join(dir, first, 'migration.sql'), '\n-- edited\n');
      expect(() => migrate(db, dir)).toThrow(new RegExp(`migration ${first} was edited.*checksum`));
    } finally {
      db.close();
    }
  });

  it('accepts a migration whose line endings git changed', () => {
    const dir = copyMigrations();
    const db = new Database(tmpPath('crlf.db'));
    try {
      migrate(db, dir);
      const file = path.join(dir, committed[0]!, 'migration.sql');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/\n/g, '\r\n'));
      expect(migrate(db, dir).applied).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('refuses a database where a migration is recorded as failed', () => {
    const db = new Database(tmpPath('failed.db'));
    try {
      migrate(db, defaultMigrationsDir());
      const last = committed.at(-1)!;
      db.prepare('UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = ?').run(last);
      expect(() => migrate(db, defaultMigrationsDir())).toThrow(new RegExp(`migration ${last} is recorded as failed`));
    } finally {
      db.close();
    }
  });

  it('refuses a database migrated by a newer build', () => {
    const dir = copyMigrations();
    fs.mkdirSync(path.join(dir, '99990101000000_future'));
    fs.writeFileSync(path.join(dir, '99990101000000_future', 'migration.sql'), 'CREATE TABLE "Future" ("id" TEXT);\n');
    const db = new Database(tmpPath('newer.db'));
    try {
      expect(migrate(db, dir).applied).toEqual([...committed, '99990101000000_future']);
      expect(() => migrate(db, defaultMigrationsDir())).toThrow(/99990101000000_future/);
    } finally {
      db.close();
    }
  });

  it('rolls back a failing migration completely and names it', () => {
    const dir = copyMigrations();
    fs.mkdirSync(path.join(dir, '99990101000000_broken'));
    fs.writeFileSync(
      path.join(dir, '99990101000000_broken', 'migration.sql'),
      'CREATE TABLE "Half" ("id" TEXT);\nTHIS IS NOT SQL;\n',
    );
    const db = new Database(tmpPath('broken.db'));
    try {
      expect(() => migrate(db, dir)).toThrow(/migration 99990101000000_broken failed/);
      expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'Half'`).get()).toBeUndefined();
      // The good ones before it stay applied; nothing is recorded for the broken one.
      const names = db.prepare('SELECT migration_name FROM _prisma_migrations').pluck().all();
      expect(names).toEqual(committed);
    } finally {
      db.close();
    }
  });

  // Prisma writes table redefinitions (SQLite cannot ALTER most things) between
  // `PRAGMA foreign_keys=OFF/ON`, which would do nothing inside our transaction: the DROP of the
  // old parent table would then cascade-delete every child row.
  it('keeps child rows when a migration redefines their parent table', async () => {
    const changedSchema = tmpPath('schema.prisma');
    const text = fs.readFileSync(schemaPath, 'utf8').replace(/model Group \{\n/, 'model Group {\n  label String @default("")\n');
    fs.writeFileSync(changedSchema, text);
    const { engine, close } = await openSchemaEngine({ schemaFile: changedSchema });
    let redefine: string | null;
    try {
      await applyMigrations(engine, await readMigrationsList());
      const schemas = await readSchemas(changedSchema);
      redefine = await diffScript(engine, liveDatabaseTarget(schemas), { tag: 'schemaDatamodel', ...schemas });
    } finally {
      await close();
    }
    expect(redefine).toContain('DROP TABLE "Group"');

    const dir = copyMigrations();
    const db = new Database(tmpPath('redefine.db'));
    try {
      migrate(db, dir);
      const at = new Date().toISOString();
      db.prepare('INSERT INTO "User" (id, passwordHash, createdAt, createdHlc) VALUES (?, ?, ?, ?)').run('ann', 'x', at, 'h1');
      db.prepare('INSERT INTO "Group" (id, ownerId, createdAt) VALUES (?, ?, ?)').run('g', 'ann', at);
      db.prepare('INSERT INTO "Membership" (groupId, userId, joinedAt) VALUES (?, ?, ?)').run('g', 'ann', at);

      fs.mkdirSync(path.join(dir, '99990101000000_group_label'));
      fs.writeFileSync(path.join(dir, '99990101000000_group_label', 'migration.sql'), redefine!);
      expect(migrate(db, dir).applied).toEqual(['99990101000000_group_label']);
      expect(db.prepare('SELECT groupId, userId FROM "Membership"').all()).toEqual([{ groupId: 'g', userId: 'ann' }]);
      expect(db.prepare('SELECT label FROM "Group"').pluck().get()).toBe('');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });
});
