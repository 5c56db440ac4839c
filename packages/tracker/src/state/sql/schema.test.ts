// The drift test of the hot-path SQL. schema.ts declares the tables and columns this folder's
// statements use; this holds the declaration to prisma/schema.prisma (names, types, optionality,
// order) and to the migrated database, and holds every statement the folder prepares to the
// declaration: it names only declared tables and columns, and what it selects has the declared
// type. A column renamed, retyped or dropped in schema.prisma fails here (or in `tsc`), not in
// production.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type TrackerDatabase } from '../../db/open-database.js';
import { captureState, clearState, dumpState, loadState } from './dump.js';
import { LogTable } from './log-table.js';
import { SqlReads } from './reads.js';
import { TABLES, type ColumnType, type FieldType } from './schema.js';
import { StateRows } from './state-rows.js';

const SCHEMA_FILE = new URL('../../../prisma/schema.prisma', import.meta.url);
const PRISMA_SCALARS = new Set(['String', 'Int', 'BigInt', 'Float', 'Decimal', 'DateTime', 'Json', 'Bytes', 'Boolean']);
/** The SQLite column type Prisma's migrations give each Prisma type. */
const SQL_TYPES: Record<FieldType, string> = { String: 'TEXT', Int: 'INTEGER', BigInt: 'BIGINT', DateTime: 'DATETIME', Bytes: 'BLOB', Boolean: 'BOOLEAN' };
/** Statements of this folder that name no table (transaction control, pragmas). */
const SCHEMALESS = new Set(['BEGIN', 'COMMIT', 'PRAGMA data_version']);

/** schema.prisma's models and their scalar fields, in order, typed as schema.ts writes them. */
function prismaModels(text: string): Record<string, Array<[string, string]>> {
  const models: Record<string, Array<[string, string]>> = {};
  for (const [, name, body] of text.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const fields: Array<[string, string]> = [];
    for (const raw of body!.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      if (!line || line.startsWith('@@')) continue;
      const [field, type] = line.split(/\s+/) as [string, string];
      if (type.endsWith('[]') || !PRISMA_SCALARS.has(type.replace('?', ''))) continue; // a relation
      fields.push([field, type]);
    }
    models[name!] = fields;
  }
  return models;
}

const declared = (table: string): Record<string, ColumnType> | undefined => (TABLES as Record<string, Record<string, ColumnType>>)[table];

/**
 * What is wrong with `sql` against the declaration: every quoted identifier must be a declared
 * table, an alias the statement makes (`AS "x"`), or a column of a table the statement names.
 */
function problems(sql: string): string[] {
  const names = [...sql.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  const aliases = new Set([...sql.matchAll(/\bAS "([^"]+)"/g)].map((m) => m[1]!));
  const tables = names.filter((n) => declared(n));
  if (tables.length === 0) return SCHEMALESS.has(sql) ? [] : [`names no declared table: ${sql}`];
  return names
    .filter((n) => !declared(n) && !aliases.has(n) && !tables.some((t) => n in declared(t)!))
    .map((n) => `"${n}" is not a declared column of ${tables.join(', ')}: ${sql}`);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'groupshare-schema-'));
let db: TrackerDatabase;
/** Every statement the folder prepares. */
const prepared = new Set<string>();

beforeAll(async () => {
  db = await openDatabase({ file: path.join(tmp, 'tracker.db') });
  const prepare = Database.prototype.prepare;
  const spy = vi.spyOn(Database.prototype, 'prepare').mockImplementation(function (this: Database.Database, sql: string) {
    prepared.add(sql);
    return prepare.call(this, sql);
  } as typeof prepare);
  try {
    new StateRows(db.sqlite.writer);
    new LogTable(db.sqlite.writer);
    new SqlReads(db.file).close();
    loadState(db.sqlite.writer, dumpState(db.sqlite.writer));
    clearState(db.sqlite.writer);
    await captureState(db.file, 1_000, () => ({}));
  } finally {
    spy.mockRestore();
  }
});

afterAll(async () => {
  await db?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the hot-path SQL and the Prisma schema', () => {
  it('schema.ts declares exactly the models and scalar fields of schema.prisma, in order', () => {
    const models = prismaModels(fs.readFileSync(SCHEMA_FILE, 'utf8'));
    expect(Object.keys(models)).toContain('Share');
    const ours = Object.fromEntries(Object.entries(TABLES).map(([table, columns]) => [table, Object.entries(columns)]));
    expect(ours).toEqual(models);
  });

  it('the migrated database has the declared columns, SQL types and nullability', () => {
    for (const [table, columns] of Object.entries(TABLES)) {
      const info = db.sqlite.reader.prepare(`PRAGMA table_info("${table}")`).safeIntegers(false).all() as Array<{ name: string; type: string; notnull: number }>;
      const expected = Object.entries(columns).map(([name, type]: [string, ColumnType]) => ({
        name,
        type: SQL_TYPES[type.replace('?', '') as FieldType],
        notnull: type.endsWith('?') ? 0 : 1,
      }));
      expect(info.map(({ name, type, notnull }) => ({ name, type, notnull })), table).toEqual(expected);
    }
  });

  it('every statement names only declared tables and columns', () => {
    expect(prepared.size).toBeGreaterThan(60); // all of StateRows, LogTable, SqlReads and the dump
    expect([...prepared].flatMap(problems)).toEqual([]);
    // The check itself catches what it is for.
    expect(problems('SELECT "nope" FROM "Share"')).toHaveLength(1);
    expect(problems('SELECT "ownerId" FROM "Membership"')).toHaveLength(1);
    expect(problems('DELETE FROM "Shares"')).toHaveLength(1);
  });

  it('every column a statement selects has its declared type in the database', () => {
    let checked = 0;
    for (const sql of prepared) {
      // Prepared again on a connection that stays open (some above were closed since).
      const statement = db.sqlite.writer.prepare(sql);
      if (!statement.reader) continue;
      for (const c of statement.columns()) {
        if (!c.table || !c.column) continue; // computed: count(*), max(…), EXISTS (…)
        const type = declared(c.table)?.[c.column];
        expect(type, `${c.table}.${c.column} in ${sql}`).toBeDefined();
        expect(c.type, `${c.table}.${c.column} in ${sql}`).toBe(SQL_TYPES[type!.replace('?', '') as FieldType]);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});

