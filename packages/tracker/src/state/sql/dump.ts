/**
 * The state tables as text and back: the compaction snapshot (the base the retained log is
 * replayed on) and what a tracker that lost its log installs to catch up. JSON lines
 * `[table, row]`, with dates as ISO strings, sizes as decimal strings and bytes as hex, in a
 * fixed table order that respects foreign keys (the form Prisma rows took when this was written
 * through Prisma, so snapshots are the same text either way).
 *
 * Raw statements, synchronous (state-rows.ts says why). The columns are those schema.ts declares,
 * in schema.prisma's order: a column added to schema.prisma must be declared there (`tsc` and
 * schema.test.ts insist), and is then dumped and loaded too.
 */
import Database from 'better-sqlite3';
import { columnsOf, fieldType, sqlDate, type Table } from './schema.js';

/** Tables in dependency order (parents before children): snapshot name, SQL table, columns. */
const TABLES = (
  [
    ['user', 'User'],
    ['session', 'Session'],
    ['group', 'Group'],
    ['groupKeyEpoch', 'GroupKeyEpoch'],
    ['membership', 'Membership'],
    ['joinRequest', 'JoinRequest'],
    ['sharedFile', 'SharedFile'],
    ['share', 'Share'],
    ['conflict', 'Conflict'],
    ['setting', 'Setting'],
  ] as const satisfies ReadonlyArray<readonly [string, Table]>
).map(([name, table]) => [name, table, columnsOf(table) as string[]] as const);
type Name = (typeof TABLES)[number][0];

/** A stored value as the snapshot text has it. */
function encode(table: Table, column: string, value: unknown): unknown {
  if (value === null) return null;
  switch (fieldType(table, column)) {
    case 'DateTime':
      return new Date(value as string).toISOString();
    case 'BigInt':
      return String(value);
    case 'Bytes':
      return (value as Buffer).toString('hex');
    case 'Boolean':
      return value === 1;
    default:
      return value;
  }
}

/** A snapshot value as it is stored (as Prisma would bind it). */
function decode(table: Table, column: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (fieldType(table, column)) {
    case 'DateTime':
      return sqlDate(value as string);
    case 'BigInt':
      return BigInt(value as string);
    case 'Bytes':
      return Buffer.from(value as string, 'hex');
    case 'Boolean':
      return value === true ? 1 : 0;
    default:
      return value;
  }
}

const list = (columns: readonly string[]): string => columns.map((c) => `"${c}"`).join(', ');

/** The dump's lines, table by table. */
function* dumpLines(db: Database.Database): Generator<string> {
  for (const [name, table, columns] of TABLES) {
    const select = db.prepare(`SELECT ${list(columns)} FROM "${table}"`).safeIntegers(false);
    for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
      const out: Record<string, unknown> = {};
      for (const column of columns) out[column] = encode(table, column, row[column]);
      yield JSON.stringify([name, out]);
    }
  }
}

export function dumpState(db: Database.Database): string {
  return [...dumpLines(db)].join('\n');
}

/**
 * {@link dumpState}, giving the event loop a turn every `rowsPerTurn` rows, so dumping a large
 * state never stalls requests for long. `db` must be a connection of its own, inside a read
 * transaction: what it dumps is then one committed state, however long the dump takes.
 */
export async function dumpStateInTurns(db: Database.Database, rowsPerTurn = 500): Promise<string> {
  const lines: string[] = [];
  for (const line of dumpLines(db)) {
    if (lines.push(line) % rowsPerTurn === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return lines.join('\n');
}

/** Empties every state table (children first). */
export function clearState(db: Database.Database): void {
  for (const [, table] of [...TABLES].reverse()) db.prepare(`DELETE FROM "${table}"`).run();
}

/** Inserts the rows of a dump into empty state tables. */
export function loadState(db: Database.Database, text: string): void {
  const byTable = new Map<Name, Array<Record<string, unknown>>>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [table, row] = JSON.parse(line) as [Name, Record<string, unknown>];
    if (!TABLES.some(([name]) => name === table)) throw new Error(`snapshot has an unknown table ${JSON.stringify(table)}`);
    let rows = byTable.get(table);
    if (!rows) byTable.set(table, (rows = []));
    rows.push(row);
  }
  for (const [name, table, columns] of TABLES) {
    const insert = db.prepare(`INSERT INTO "${table}" (${list(columns)}) VALUES (${columns.map(() => '?').join(', ')})`);
    for (const row of byTable.get(name) ?? []) insert.run(columns.map((column) => decode(table, column, row[column])));
  }
}

/** The log position and the state dump of one committed moment (compaction's capture). */
export interface StateCapture {
  lastIndex: number;
  rows: string;
}

/**
 * Reads the committed state of the database `file` on a read-only connection of its own, in one
 * read transaction, so the dump is exactly the state as of the returned `lastIndex` however long
 * it takes (it yields to the event loop as it goes). `atStart` runs synchronously right after
 * the transaction is pinned to the last commit, so what it reads (the store's vector and HLC)
 * describes the same moment: no commit can land in between.
 */
export async function captureState<T>(file: string, timeoutMs: number, atStart: () => T): Promise<T & StateCapture> {
  const connection = new Database(file, { readonly: true, fileMustExist: true, timeout: timeoutMs });
  try {
    connection.prepare('BEGIN').run();
    // This first read pins the read transaction to the last commit.
    const lastIndex = (connection.prepare('SELECT max("idx") FROM "OpLog"').pluck().safeIntegers(false).get() as number | null) ?? 0;
    const head = atStart();
    const capture = { ...head, lastIndex, rows: await dumpStateInTurns(connection) };
    connection.prepare('COMMIT').run();
    return capture;
  } finally {
    connection.close();
  }
}
