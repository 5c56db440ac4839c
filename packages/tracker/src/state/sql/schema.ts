/**
 * The tables the hot-path SQL of this folder reads and writes, declared once, with each column's
 * Prisma type: the one place the raw SQL says what it expects of the database.
 *
 * prisma/schema.prisma owns the schema and its migrations; this is a typed copy of the part the
 * SQL touches, held to it twice. At compile time each table must name exactly the fields of
 * Prisma's generated `<Model>ScalarFieldEnum` (a field added, renamed or removed in the schema
 * fails `tsc`). At test time `schema.test.ts` compares every column's type, optionality and
 * order with schema.prisma itself, and checks that every statement this folder prepares names
 * only tables and columns declared here, with the SQL types the migrations gave them.
 *
 * The row types the SQL returns (`Row<'Share', …>`) are derived from this declaration, and
 * `rowDecoder` converts what SQLite stores into them the way Prisma would read it.
 */
import type { Prisma } from '../../generated/prisma/client.js';

/** The Prisma scalar types the state uses. */
export type FieldType = 'String' | 'Int' | 'BigInt' | 'DateTime' | 'Bytes' | 'Boolean';
/** A column's Prisma type; `?` when the field is optional (nullable). */
export type ColumnType = FieldType | `${FieldType}?`;

/**
 * Every model of schema.prisma, with its columns in schema.prisma's order: the hot paths touch
 * them all (the snapshot dump copies every state table; the log, snapshot and replica rows).
 */
export const TABLES = {
  User: { id: 'String', passwordHash: 'String', createdAt: 'DateTime', createdHlc: 'String', lastLoginAt: 'DateTime?' },
  Session: { tokenHash: 'String', userId: 'String', peerAddress: 'String?', createdAt: 'DateTime', expiresAt: 'DateTime' },
  Group: { id: 'String', ownerId: 'String', createdAt: 'DateTime' },
  GroupKeyEpoch: { groupId: 'String', epoch: 'Int' },
  Membership: { groupId: 'String', userId: 'String', joinedAt: 'DateTime' },
  JoinRequest: { groupId: 'String', userId: 'String', requestedAt: 'DateTime' },
  SharedFile: {
    groupId: 'String',
    infoHash: 'String',
    name: 'String',
    size: 'BigInt',
    sha1: 'String',
    pieceLength: 'Int',
    pieces: 'Bytes',
    sharedBy: 'String',
    createdAt: 'DateTime',
  },
  Share: {
    groupId: 'String',
    infoHash: 'String',
    userId: 'String',
    peerAddress: 'String',
    bitfield: 'Bytes',
    complete: 'Boolean',
    serving: 'Boolean',
    updatedAt: 'DateTime',
  },
  Setting: { key: 'String', value: 'String' },
  OpLog: { idx: 'Int', origin: 'Int', seq: 'Int', hlc: 'String', op: 'String', appliedAt: 'DateTime' },
  Conflict: { hlc: 'String', kind: 'String', userId: 'String', subject: 'String', losingHash: 'String?', at: 'DateTime' },
  Snapshot: { id: 'Int', horizon: 'String', vector: 'String', rows: 'String' },
  Replica: { id: 'Int', origin: 'Int' },
} as const satisfies {
  User: Record<Prisma.UserScalarFieldEnum, ColumnType>;
  Session: Record<Prisma.SessionScalarFieldEnum, ColumnType>;
  Group: Record<Prisma.GroupScalarFieldEnum, ColumnType>;
  GroupKeyEpoch: Record<Prisma.GroupKeyEpochScalarFieldEnum, ColumnType>;
  Membership: Record<Prisma.MembershipScalarFieldEnum, ColumnType>;
  JoinRequest: Record<Prisma.JoinRequestScalarFieldEnum, ColumnType>;
  SharedFile: Record<Prisma.SharedFileScalarFieldEnum, ColumnType>;
  Share: Record<Prisma.ShareScalarFieldEnum, ColumnType>;
  Setting: Record<Prisma.SettingScalarFieldEnum, ColumnType>;
  OpLog: Record<Prisma.OpLogScalarFieldEnum, ColumnType>;
  Conflict: Record<Prisma.ConflictScalarFieldEnum, ColumnType>;
  Snapshot: Record<Prisma.SnapshotScalarFieldEnum, ColumnType>;
  Replica: Record<Prisma.ReplicaScalarFieldEnum, ColumnType>;
};

export type Table = keyof typeof TABLES;
export type ColumnOf<T extends Table> = keyof (typeof TABLES)[T] & string;

type Base<C> = C extends `${infer B}?` ? B : C;
/** A column's value as the hot paths hand it out (sizes fit a number: files are at most 2^44 bytes). */
type ValueOf<B> = B extends 'String' ? string : B extends 'Int' | 'BigInt' ? number : B extends 'DateTime' ? Date : B extends 'Bytes' ? Buffer : B extends 'Boolean' ? boolean : never;
type Declared<T extends Table, C extends ColumnOf<T>> = (typeof TABLES)[T][C];
export type Value<T extends Table, C extends ColumnOf<T>> = ValueOf<Base<Declared<T, C>>> | (Declared<T, C> extends `${string}?` ? null : never);
/** Some columns of a table's row, typed from the declaration. */
export type Row<T extends Table, C extends ColumnOf<T> = ColumnOf<T>> = { [K in C]: Value<T, K> };

/** Each column's type without the `?`, looked up per value by the conversions below. */
const FIELD_TYPES = Object.fromEntries(
  Object.entries(TABLES).map(([table, columns]) => [table, Object.fromEntries(Object.entries(columns).map(([c, t]) => [c, t.replace('?', '')]))]),
) as Record<Table, Record<string, FieldType | undefined>>;

/** The declared type of `table.column`, without the `?`. */
export function fieldType(table: Table, column: string): FieldType {
  const declared = FIELD_TYPES[table][column];
  if (!declared) throw new Error(`${table}.${column} is not declared in state/sql/schema.ts`);
  return declared;
}

/** The columns of `table`, in schema order. */
export function columnsOf<T extends Table>(table: T): Array<ColumnOf<T>> {
  return Object.keys(TABLES[table]) as Array<ColumnOf<T>>;
}

/** `"a", "b"`: a column list for a statement, checked against the declaration by `tsc`. */
export function columnList<T extends Table>(_table: T, columns: ReadonlyArray<ColumnOf<T>>): string {
  return columns.map((c) => `"${c}"`).join(', ');
}

/**
 * Stored values as their declared types read (a connection returns integers as numbers or
 * bigints). Prisma's SQLite adapter stores a DateTime as ISO 8601 text by default, or as epoch
 * milliseconds with `timestampFormat: 'unixepoch-ms'`; both are read. SQLite has no boolean:
 * Prisma stores 0/1.
 */
const DECODE: Record<FieldType, (stored: unknown) => unknown> = {
  String: (v) => v,
  Bytes: (v) => v,
  Int: (v) => Number(v),
  BigInt: (v) => Number(v),
  Boolean: (v) => Number(v) === 1,
  DateTime: (v) => new Date(typeof v === 'bigint' ? Number(v) : (v as string | number)),
};

/**
 * A function turning stored rows of `columns` into {@link Row}s; the conversions are chosen once,
 * so a hot read pays one call per value.
 */
export function rowDecoder<T extends Table, C extends ColumnOf<T>>(table: T, columns: readonly C[]): (stored: Record<string, unknown>) => Row<T, C> {
  const steps = columns.map((column) => [column, DECODE[fieldType(table, column)]] as const);
  return (stored) => {
    const out: Record<string, unknown> = {};
    for (const [column, decode] of steps) {
      const value = stored[column];
      out[column] = value === null || value === undefined ? null : decode(value);
    }
    return out as Row<T, C>;
  };
}

/**
 * A date as Prisma's better-sqlite3 adapter stores a DateTime (its default `iso8601` format):
 * ISO 8601 with `+00:00` for `Z`. Throws a RangeError for an invalid date, as Prisma would.
 */
export function sqlDate(value: string | Date | number): string {
  if (typeof value === 'string' && value === lastDate.in) return lastDate.out;
  const out = new Date(value).toISOString().replace('Z', '+00:00');
  if (typeof value === 'string') lastDate = { in: value, out };
  return out;
}
/** An op's `at` is stored two or three times (row, share, conflict): convert it once. */
let lastDate = { in: '', out: '' };

/** A SQLite boolean as Prisma stores it. */
export const sqlBool = (value: boolean): number => (value ? 1 : 0);
