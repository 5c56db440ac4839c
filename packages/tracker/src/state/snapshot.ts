/**
 * The state tables as text and back: the compaction snapshot (the base the retained log is
 * replayed on) and what a tracker that lost its log installs to catch up. JSON lines
 * `[table, row]`, with dates as ISO strings, sizes as decimal strings and bytes as hex, in a
 * fixed table order that respects foreign keys.
 */
import type { Prisma } from '../generated/prisma/client.js';

type Tx = Prisma.TransactionClient;

/** Tables in dependency order: parents before children. */
const TABLES = ['user', 'session', 'group', 'membership', 'joinRequest', 'sharedFile', 'share', 'conflict'] as const;
type Table = (typeof TABLES)[number];

const DATE_COLUMNS = new Set(['createdAt', 'expiresAt', 'joinedAt', 'requestedAt', 'updatedAt', 'at']);
const BIGINT_COLUMNS = new Set(['size']);
const BYTES_COLUMNS = new Set(['pieces', 'bitfield']);

function encode(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value instanceof Date) out[key] = value.toISOString();
    else if (typeof value === 'bigint') out[key] = value.toString();
    else if (value instanceof Uint8Array) out[key] = Buffer.from(value).toString('hex');
    else out[key] = value;
  }
  return out;
}

function decode(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (DATE_COLUMNS.has(key) && typeof value === 'string') out[key] = new Date(value);
    else if (BIGINT_COLUMNS.has(key) && typeof value === 'string') out[key] = BigInt(value);
    else if (BYTES_COLUMNS.has(key) && typeof value === 'string') out[key] = new Uint8Array(Buffer.from(value, 'hex'));
    else out[key] = value;
  }
  return out;
}

// Prisma's delegates share no common type, so the per-table calls go through this one cast.
type Delegate = { findMany(args?: object): Promise<Array<Record<string, unknown>>>; createMany(args: { data: object[] }): Promise<unknown>; deleteMany(args?: object): Promise<unknown> };
function delegate(tx: Tx, table: Table): Delegate {
  return tx[table] as unknown as Delegate;
}

export async function dumpState(tx: Tx): Promise<string> {
  const lines: string[] = [];
  for (const table of TABLES) {
    for (const row of await delegate(tx, table).findMany()) lines.push(JSON.stringify([table, encode(row)]));
  }
  return lines.join('\n');
}

/** Empties every state table (children first). */
export async function clearState(tx: Tx): Promise<void> {
  for (const table of [...TABLES].reverse()) await delegate(tx, table).deleteMany();
}

/** Inserts the rows of a dump into empty state tables. */
export async function loadState(tx: Tx, text: string): Promise<void> {
  const byTable = new Map<Table, object[]>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [table, row] = JSON.parse(line) as [Table, Record<string, unknown>];
    if (!TABLES.includes(table)) throw new Error(`snapshot has an unknown table ${JSON.stringify(table)}`);
    let rows = byTable.get(table);
    if (!rows) byTable.set(table, (rows = []));
    rows.push(decode(row));
  }
  for (const table of TABLES) {
    const rows = byTable.get(table) ?? [];
    for (let i = 0; i < rows.length; i += 500) await delegate(tx, table).createMany({ data: rows.slice(i, i + 500) });
  }
}
