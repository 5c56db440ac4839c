/**
 * `Writer.tx`: Prisma's writer client, except for the unique-key lookups that handlers make
 * inside a mutation to check a request (`findUnique({ where })` on User, Group, Membership,
 * JoinRequest, SharedFile, Share), which prepared statements answer on the same connection.
 *
 * Why: those checks are two to four queries per write (is the group there, is the user a
 * member, is the name taken), and through Prisma each cost about 0.3 ms of the event loop, more
 * than applying and logging the op; at a thousand writes a second they alone would need more
 * than the tracker's core. The handlers keep Prisma's API and types; any other call (another
 * method, `select`, `include`, another key) goes to Prisma unchanged, so this only ever answers
 * the exact shape it knows. `fast-tx.test.ts` checks every answer against Prisma's own, value
 * for value and type for type, for rows that exist and rows that do not.
 */
import type { Database, Statement } from 'better-sqlite3';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { BIGINT_COLUMNS, BOOLEAN_COLUMNS, BYTES_COLUMNS, DATE_COLUMNS } from './columns.js';
import type { Tx } from './store.js';

type Row = Record<string, unknown>;


/** A stored row as Prisma returns it: Date, bigint, Uint8Array, boolean. */
function toPrisma(row: Row): Row {
  const out: Row = {};
  for (const [column, value] of Object.entries(row)) {
    if (value === null) out[column] = null;
    else if (DATE_COLUMNS.has(column)) out[column] = new Date(value as string);
    else if (BIGINT_COLUMNS.has(column)) out[column] = BigInt(value as bigint);
    else if (BYTES_COLUMNS.has(column)) out[column] = new Uint8Array(value as Buffer);
    else if (BOOLEAN_COLUMNS.has(column)) out[column] = Number(value) === 1;
    else out[column] = typeof value === 'bigint' ? Number(value) : value;
  }
  return out;
}

/** model (delegate name), SQL table, columns in Prisma's order, and its unique keys. */
const MODELS: Array<{ model: string; table: string; columns: readonly string[]; keys: Record<string, readonly string[]> }> = [
  { model: 'user', table: 'User', columns: Object.values(Prisma.UserScalarFieldEnum), keys: { id: ['id'] } },
  { model: 'group', table: 'Group', columns: Object.values(Prisma.GroupScalarFieldEnum), keys: { id: ['id'] } },
  { model: 'membership', table: 'Membership', columns: Object.values(Prisma.MembershipScalarFieldEnum), keys: { groupId_userId: ['groupId', 'userId'] } },
  { model: 'joinRequest', table: 'JoinRequest', columns: Object.values(Prisma.JoinRequestScalarFieldEnum), keys: { groupId_userId: ['groupId', 'userId'] } },
  {
    model: 'sharedFile',
    table: 'SharedFile',
    columns: Object.values(Prisma.SharedFileScalarFieldEnum),
    keys: { groupId_infoHash: ['groupId', 'infoHash'], groupId_name: ['groupId', 'name'] },
  },
  {
    model: 'share',
    table: 'Share',
    columns: Object.values(Prisma.ShareScalarFieldEnum),
    keys: { groupId_infoHash_userId: ['groupId', 'infoHash', 'userId'] },
  },
];

/**
 * The values of `where` for the key it names, if `args` is exactly `{ where: { key } }` (a single
 * field key with a string, or a compound key object with exactly its string fields).
 */
function keyValues(args: unknown, keys: Record<string, readonly string[]>): { key: string; values: string[] } | undefined {
  if (typeof args !== 'object' || args === null || Object.keys(args).length !== 1) return undefined;
  const where = (args as { where?: unknown }).where;
  if (typeof where !== 'object' || where === null) return undefined;
  const names = Object.keys(where);
  if (names.length !== 1) return undefined;
  const key = names[0] as string;
  const fields = keys[key];
  if (!fields) return undefined;
  const value = (where as Row)[key];
  if (fields.length === 1) return typeof value === 'string' ? { key, values: [value] } : undefined;
  if (typeof value !== 'object' || value === null || Object.keys(value).length !== fields.length) return undefined;
  const values = fields.map((f) => (value as Row)[f]);
  return values.every((v) => typeof v === 'string') ? { key, values: values as string[] } : undefined;
}

/** Prisma's writer client with the handlers' unique lookups answered by `db` (the same connection). */
export function fastTx(prisma: PrismaClient, db: Database): Tx {
  const delegates = new Map<string, object>();
  for (const { model, table, columns, keys } of MODELS) {
    const base = (prisma as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[model] as Record<string, (...a: unknown[]) => unknown>;
    const select = new Map<string, Statement>();
    for (const [key, fields] of Object.entries(keys)) {
      const list = columns.map((c) => `"${c}"`).join(', ');
      select.set(key, db.prepare(`SELECT ${list} FROM "${table}" WHERE ${fields.map((f) => `"${f}" = ?`).join(' AND ')}`).safeIntegers(true));
    }
    const findUnique = async (args: unknown): Promise<unknown> => {
      const found = keyValues(args, keys);
      if (!found) return base.findUnique!(args);
      const row = select.get(found.key)!.get(...found.values) as Row | undefined;
      return row ? toPrisma(row) : null;
    };
    delegates.set(model, new Proxy(base, { get: (target, prop) => (prop === 'findUnique' ? findUnique : bound(target, prop)) }));
  }
  return new Proxy(prisma, { get: (target, prop) => (typeof prop === 'string' && delegates.get(prop)) || bound(target, prop) }) as unknown as Tx;
}

/** `target[prop]`, a method bound to `target` (Prisma's objects may keep private state). */
function bound(target: object, prop: string | symbol): unknown {
  const value: unknown = Reflect.get(target, prop);
  return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
}
