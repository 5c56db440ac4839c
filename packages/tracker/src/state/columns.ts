/**
 * State columns whose stored form differs from their value (schema.prisma): what the raw SQL of
 * the store has to convert, in both directions, to match Prisma (snapshot.ts, fast-tx.ts).
 * SQLite stores DateTime as Prisma's ISO text, BigInt as INTEGER, Bytes as BLOB, Boolean as 0/1.
 */
export const DATE_COLUMNS: ReadonlySet<string> = new Set(['createdAt', 'expiresAt', 'joinedAt', 'requestedAt', 'updatedAt', 'at', 'appliedAt', 'lastLoginAt']);
export const BIGINT_COLUMNS: ReadonlySet<string> = new Set(['size']);
export const BYTES_COLUMNS: ReadonlySet<string> = new Set(['pieces', 'bitfield']);
export const BOOLEAN_COLUMNS: ReadonlySet<string> = new Set(['complete', 'serving']);
