// SqlReads reads the tables Prisma writes with its own SQL: these tests hold it to Prisma's
// reading of the same rows (names, types, order), and check that its caches never outlive a commit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type TrackerDatabase } from '../../db/open-database.js';
import { TrackerQueries } from '../queries.js';
import { SqlReads } from './reads.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'groupshare-sql-reads-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let db: TrackerDatabase;
let sql: SqlReads;
let n = 0;
beforeEach(async () => {
  db = await openDatabase({ file: path.join(tmp, `t${n++}.db`) });
  sql = new SqlReads(db.file);
});
afterEach(async () => {
  sql.close();
  await db.close();
});

const at = new Date('2026-11-21T12:16:27.444Z');
const hex40 = (c: string) => c.repeat(40);

/** Two users in group "lab"; files whose names sort differently by case and by code point. */
async function seed(): Promise<void> {
  for (const id of ['ann', 'bob', 'cyd']) await db.prisma.user.create({ data: { id, passwordHash: 'h', createdAt: at, createdHlc: `hlc-${id}` } });
  await db.prisma.group.create({ data: { id: 'lab', ownerId: 'ann', createdAt: at } });
  for (const userId of ['ann', 'bob']) await db.prisma.membership.create({ data: { groupId: 'lab', userId, joinedAt: at } });
  const files = [
    { name: 'b.txt', infoHash: hex40('b'), size: 2n ** 44n, pieceLength: 2 ** 26 },
    { name: 'B.txt', infoHash: hex40('c'), size: 20n, pieceLength: 16384 },
    { name: 'é.txt', infoHash: hex40('d'), size: 0n, pieceLength: 16384 },
  ];
  for (const f of files) {
    await db.prisma.sharedFile.create({
      data: { groupId: 'lab', ...f, sha1: hex40('e'), pieces: new Uint8Array([1, 2, 3]), sharedBy: 'ann', createdAt: new Date(at.getTime() + 1) },
    });
  }
  await db.prisma.share.create({
    data: { groupId: 'lab', infoHash: hex40('c'), userId: 'bob', peerAddress: '10.0.0.2:7000', bitfield: new Uint8Array([0x80]), complete: true, updatedAt: at },
  });
  await db.prisma.share.create({
    data: { groupId: 'lab', infoHash: hex40('c'), userId: 'ann', peerAddress: '[::1]:7000', bitfield: new Uint8Array([0]), complete: false, updatedAt: at },
  });
}

describe('SqlReads', () => {
  it('reads what Prisma reads: the same files in the same order, with the same values', async () => {
    await seed();
    const prismaFiles = await db.reader.sharedFile.findMany({ where: { groupId: 'lab' }, orderBy: { name: 'asc' }, include: { shares: true } });
    const { files, shares } = sql.groupFiles('lab');
    expect(files).toEqual(
      prismaFiles.map((f) => ({ infoHash: f.infoHash, name: f.name, size: Number(f.size), sha1: f.sha1, pieceLength: f.pieceLength, sharedBy: f.sharedBy, createdAt: f.createdAt })),
    );
    expect(files.map((f) => f.name)).toEqual(['B.txt', 'b.txt', 'é.txt']);
    expect(files[1]?.size).toBe(2 ** 44);
    const prismaShares = prismaFiles.flatMap((f) => f.shares).sort((a, b) => (a.infoHash + a.userId < b.infoHash + b.userId ? -1 : 1));
    expect(shares.map((s) => ({ ...s, bitfield: new Uint8Array(s.bitfield) }))).toEqual(
      prismaShares.map((s) => ({ infoHash: s.infoHash, userId: s.userId, peerAddress: s.peerAddress, bitfield: new Uint8Array(s.bitfield), complete: s.complete, serving: s.serving })),
    );

    const one = sql.file('lab', 'B.txt');
    expect(one?.file.pieces).toEqual(Buffer.from([1, 2, 3]));
    expect(one?.shares.map((s) => s.userId)).toEqual(['ann', 'bob']);
    expect(sql.file('lab', 'b.TXT')).toBeUndefined();
    expect(sql.fileShares('lab', hex40('c'))?.map((s) => [s.userId, s.complete])).toEqual([
      ['ann', false],
      ['bob', true],
    ]);
    expect(sql.fileShares('lab', hex40('b'))).toEqual([]);
    expect(sql.fileShares('lab', hex40('f'))).toBeUndefined();
    expect(sql.fileShares('nope', hex40('c'))).toBeUndefined();
  });

  it('tells members, non-members and missing groups apart', async () => {
    await seed();
    expect(sql.membership('lab', 'bob')).toEqual({ ownerId: 'ann', member: true });
    expect(sql.membership('lab', 'cyd')).toEqual({ ownerId: 'ann', member: false });
    expect(sql.membership('nope', 'bob')).toBeUndefined();
  });

  it('answers from its cache until a commit, then reads the new rows', async () => {
    await seed();
    const before = sql.groupFiles('lab');
    expect(sql.groupFiles('lab')).toBe(before);
    expect(sql.membership('lab', 'cyd')?.member).toBe(false);
    expect(sql.fileShares('lab', hex40('b'))).toEqual([]);

    await db.prisma.membership.create({ data: { groupId: 'lab', userId: 'cyd', joinedAt: at } });
    await db.prisma.share.create({
      data: { groupId: 'lab', infoHash: hex40('b'), userId: 'cyd', peerAddress: '10.0.0.3:7000', bitfield: new Uint8Array([0x80]), complete: true, updatedAt: at },
    });
    expect(sql.membership('lab', 'cyd')?.member).toBe(true);
    expect(sql.fileShares('lab', hex40('b'))?.map((s) => s.userId)).toEqual(['cyd']);
    const after = sql.groupFiles('lab');
    expect(after).not.toBe(before);
    expect(after.shares).toHaveLength(3);

    // A transaction still open on the writer is not seen; its commit is.
    let release!: () => void;
    const open = db.prisma.$transaction(async (tx) => {
      await tx.group.delete({ where: { id: 'lab' } });
      await new Promise<void>((resolve) => (release = resolve));
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sql.membership('lab', 'ann')?.member).toBe(true);
    release();
    await open;
    expect(sql.membership('lab', 'ann')).toBeUndefined();
    expect(sql.groupFiles('lab').files).toEqual([]);
  });
});

describe('TrackerQueries.listFiles', () => {
  it('counts only online peers, and recounts when presence changes', async () => {
    await seed();
    const online = new Set<string>();
    const presence = { isOnline: (userId: string) => online.has(userId), presenceVersion: 0 };
    const queries = new TrackerQueries(db.reader, sql, presence);
    const counts = () => queries.listFiles('lab').map((f) => [f.name, f.seeders, f.partialPeers, f.available]);

    expect(counts()).toEqual([
      ['B.txt', 0, 0, false],
      ['b.txt', 0, 0, false],
      ['é.txt', 0, 0, false],
    ]);
    online.add('bob');
    online.add('ann');
    // Same presence version: the summaries are kept, not recomputed.
    expect(counts()[0]).toEqual(['B.txt', 0, 0, false]);
    presence.presenceVersion += 1;
    // ann's share has no piece yet: listed by get_peers, not counted as a partial peer.
    expect(counts()[0]).toEqual(['B.txt', 1, 0, true]);
    expect(queries.getPeers('lab', hex40('c'), { userId: 'bob', peerAddress: '10.0.0.2:7000' })).toEqual([
      { userId: 'ann', address: '[::1]:7000', bitfield: 'AA==', complete: false },
    ]);
    expect(queries.getPeers('lab', hex40('f'), { userId: 'bob', peerAddress: null })).toBeNull();
  });

  it('finds a file available when partial peers together have every piece', async () => {
    await seed();
    // 20 bytes in 16 KiB pieces: 2 pieces; bob has piece 0, cyd piece 1.
    await db.prisma.membership.create({ data: { groupId: 'lab', userId: 'cyd', joinedAt: at } });
    await db.prisma.sharedFile.create({
      data: { groupId: 'lab', name: 'two.bin', infoHash: hex40('a'), size: 20_000n, pieceLength: 16384, sha1: hex40('e'), pieces: new Uint8Array(40), sharedBy: 'bob', createdAt: at },
    });
    for (const [userId, bits] of [['bob', 0x80], ['cyd', 0x40]] as const) {
      await db.prisma.share.create({
        data: { groupId: 'lab', infoHash: hex40('a'), userId, peerAddress: `${userId}:7000`, bitfield: new Uint8Array([bits]), complete: false, updatedAt: at },
      });
    }
    const online = new Set(['bob']);
    const presence = { isOnline: (userId: string) => online.has(userId), presenceVersion: 0 };
    const queries = new TrackerQueries(db.reader, sql, presence);
    const two = () => queries.listFiles('lab').find((f) => f.name === 'two.bin');
    expect(two()).toMatchObject({ pieceCount: 2, seeders: 0, partialPeers: 1, available: false });
    online.add('cyd');
    presence.presenceVersion += 1;
    expect(two()).toMatchObject({ seeders: 0, partialPeers: 2, available: true, sharedAt: at.toISOString() });
  });
});
