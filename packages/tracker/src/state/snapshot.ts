/**
 * The state tables as text and back: the compaction snapshot (the base the retained log is
 * replayed on) and what a tracker that lost its log installs to catch up. JSON lines
 * `[table, row]`, with dates as ISO strings, sizes as decimal strings and bytes as hex, in a
 * fixed table order that respects foreign keys (the form Prisma rows took when this was written
 * through Prisma, so snapshots are the same text either way).
 *
 * Raw statements on the writer connection, synchronous (rows.ts says why). The columns are
 * Prisma's generated field lists, so a column added to schema.prisma is dumped and loaded too.
 */
import type { Database } from 'better-sqlite3';
import { Prisma } from '../generated/prisma/client.js';
import { BIGINT_COLUMNS, BOOLEAN_COLUMNS, BYTES_COLUMNS, DATE_COLUMNS } from './columns.js';
import { sqlDate } from './rows.js';

/** Tables in dependency order (parents before children): snapshot name, SQL table, columns. */
const TABLES = [
  ['user', 'User', Object.values(Prisma.UserScalarFieldEnum)],
  ['session', 'Session', Object.values(Prisma.SessionScalarFieldEnum)],
  ['group', 'Group', Object.values(Prisma.GroupScalarFieldEnum)],
  ['membership', 'Membership', Object.values(Prisma.MembershipScalarFieldEnum)],
  ['joinRequest', 'JoinRequest', Object.values(Prisma.JoinRequestScalarFieldEnum)],
  ['sharedFile', 'SharedFile', Object.values(Prisma.SharedFileScalarFieldEnum)],
  ['share', 'Share', Object.values(Prisma.ShareScalarFieldEnum)],
  ['conflict', 'Conflict', Object.values(Prisma.ConflictScalarFieldEnum)],
  ['setting', 'Setting', Object.values(Prisma.SettingScalarFieldEnum)],
] as const satisfies ReadonlyArray<readonly [string, string, readonly string[]]>;
type Table = (typeof TABLES)[number][0];


/** A stored value as the snapshot text has it. */
function encode(column: string, value: unknown): unknown {
  if (value === null) return null;
  if (DATE_COLUMNS.has(column)) return new Date(value as string).toISOString();
  if (BIGINT_COLUMNS.has(column)) return String(value);
  if (BYTES_COLUMNS.has(column)) return (value as Buffer).toString('hex');
  if (BOOLEAN_COLUMNS.has(column)) return value === 1;
  return value;
}

/** A snapshot value as it is stored (as Prisma would bind it). */
function decode(column: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (DATE_COLUMNS.has(column)) return sqlDate(value as string);
  if (BIGINT_COLUMNS.has(column)) return BigInt(value as string);
  if (BYTES_COLUMNS.has(column)) return Buffer.from(value as string, 'hex');
  if (BOOLEAN_COLUMNS.has(column)) return value === true ? 1 : 0;
  return value;
}

const list = (columns: readonly string[]): string => columns.map((c) => `"${c}"`).join(', ');

/** The dump's lines, table by table. */
function* dumpLines(db: Database): Generator<string> {
  for (const [name, table, columns] of TABLES) {
    const select = db.prepare(`SELECT ${list(columns)} FROM "${table}"`).safeIntegers(false);
    for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
      const out: Record<string, unknown> = {};
      for (const column of columns) out[column] = encode(column, row[column]);
      yield JSON.stringify([name, out]);
    }
  }
}

export function dumpState(db: Database): string {
  return [...dumpLines(db)].join('\n');
}

/**
 * {@link dumpState}, giving the event loop a turn every `rowsPerTurn` rows, so dumping a large
 * state never stalls requests for long. `db` must be a connection of its own, inside a read
 * transaction: what it dumps is then one committed state, however long the dump takes.
 */
export async function dumpStateInTurns(db: Database, rowsPerTurn = 500): Promise<string> {
  const lines: string[] = [];
  for (const line of dumpLines(db)) {
    if (lines.push(line) % rowsPerTurn === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return lines.join('\n');
}

/** Empties every state table (children first). */
export function clearState(db: Database): void {
  for (const [, table] of [...TABLES].reverse()) db.prepare(`DELETE FROM "${table}"`).run();
}

/** Inserts the rows of a dump into empty state tables. */
export function loadState(db: Database, text: string): void {
  const byTable = new Map<Table, Array<Record<string, unknown>>>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [table, row] = JSON.parse(line) as [Table, Record<string, unknown>];
    if (!TABLES.some(([name]) => name === table)) throw new Error(`snapshot has an unknown table ${JSON.stringify(table)}`);
    let rows = byTable.get(table);
    if (!rows) byTable.set(table, (rows = []));
    rows.push(row);
  }
  for (const [name, table, columns] of TABLES) {
    const insert = db.prepare(`INSERT INTO "${table}" (${list(columns)}) VALUES (${columns.map(() => '?').join(', ')})`);
    for (const row of byTable.get(name) ?? []) insert.run(columns.map((column) => decode(column, row[column])));
  }
}
