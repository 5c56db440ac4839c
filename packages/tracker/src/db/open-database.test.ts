import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './open-database.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'groupshare-open-db-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('openDatabase', () => {
  it('creates, migrates and round-trips through PrismaClient', async () => {
    const file = path.join(tmp, 'nested', 'dir', 'tracker.db'); // parent directories are created
    const createdAt = new Date('2024-05-06T07:08:09.123Z');
    const first = await openDatabase({ file });
    try {
      expect(first.file).toBe(file);
      await first.prisma.user.create({ data: { id: 'ann', passwordHash: '$argon2id$x', createdAt, createdHlc: 'h1' } });
    } finally {
      await first.close();
    }
    // close() really closed the connection: the last one to close removes the WAL file.
    expect(fs.existsSync(`${file}-wal`)).toBe(false);

    const again = await openDatabase({ file }); // second start: nothing to migrate, data kept
    try {
      expect(await again.prisma.user.findUnique({ where: { id: 'ann' } })).toEqual({
        id: 'ann',
        passwordHash: '$argon2id$x',
        createdAt,
        createdHlc: 'h1',
        lastLoginAt: null,
      });
      const [mode] = await again.prisma.$queryRawUnsafe<{ journal_mode: string }[]>('PRAGMA journal_mode');
      expect(mode?.journal_mode).toBe('wal');
    } finally {
      await again.close();
    }
  });

  it('enforces foreign keys: deleting a Group cascades to its Memberships', async () => {
    const { prisma, close } = await openDatabase({ file: path.join(tmp, 'cascade.db') });
    try {
      const [fk] = await prisma.$queryRawUnsafe<{ foreign_keys: bigint }[]>('PRAGMA foreign_keys');
      expect(Number(fk?.foreign_keys)).toBe(1);

      const now = new Date();
      await prisma.user.create({ data: { id: 'bob', passwordHash: 'h', createdAt: now, createdHlc: 'h2' } });
      await prisma.group.create({ data: { id: 'g1', ownerId: 'bob', createdAt: now } });
      await prisma.membership.create({ data: { groupId: 'g1', userId: 'bob', joinedAt: now } });
      await expect(
        prisma.membership.create({ data: { groupId: 'nope', userId: 'bob', joinedAt: now } }),
      ).rejects.toThrow(/foreign key/i);

      await prisma.group.delete({ where: { id: 'g1' } });
      expect(await prisma.membership.count()).toBe(0);
      expect(await prisma.user.count()).toBe(1);
    } finally {
      await close();
    }
  });
});
