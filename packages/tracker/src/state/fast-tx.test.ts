// Writer.tx answers the handlers' unique lookups itself: every answer must equal Prisma's,
// value for value and type for type (Date, bigint, Uint8Array, boolean, null), for rows that
// exist and rows that do not; anything else must reach Prisma unchanged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type TrackerDatabase } from '../db/open-database.js';
import { fastTx } from './fast-tx.js';
import type { Tx } from './store.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'groupshare-fast-tx-'));
let db: TrackerDatabase;
let fast: Tx;

beforeAll(async () => {
  db = await openDatabase({ file: path.join(tmp, 'tracker.db') });
  fast = fastTx(db.prisma, db.sqlite.writer);
  const p = db.prisma;
  const at = new Date('2026-03-04T05:06:07.890Z');
  await p.user.create({ data: { id: 'ann', passwordHash: '$argon2id$a', createdAt: at, createdHlc: 'h1' } });
  await p.user.create({ data: { id: 'bob', passwordHash: '$argon2id$b', createdAt: at, createdHlc: 'h2', lastLoginAt: at } });
  await p.group.create({ data: { id: 'g', ownerId: 'ann', createdAt: at } });
  await p.membership.create({ data: { groupId: 'g', userId: 'ann', joinedAt: at } });
  await p.joinRequest.create({ data: { groupId: 'g', userId: 'bob', requestedAt: at } });
  await p.sharedFile.create({
    data: { groupId: 'g', infoHash: 'f1', name: 'a.bin', size: BigInt(2 ** 40 + 3), sha1: 's', pieceLength: 16_384, pieces: new Uint8Array([1, 2, 3]), sharedBy: 'ann', createdAt: at },
  });
  await p.share.create({ data: { groupId: 'g', infoHash: 'f1', userId: 'ann', peerAddress: 'ann:1', bitfield: new Uint8Array([0x80]), complete: false, updatedAt: at } });
  await p.share.create({ data: { groupId: 'g', infoHash: 'f1', userId: 'bob', peerAddress: 'bob:1', bitfield: new Uint8Array(), complete: true, updatedAt: at } });
});

afterAll(async () => {
  await db?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Lookup = [model: string, args: object];
const LOOKUPS: Lookup[] = [
  ['user', { where: { id: 'ann' } }],
  ['user', { where: { id: 'bob' } }], // with a last login (a nullable date)
  ['user', { where: { id: 'nobody' } }],
  ['group', { where: { id: 'g' } }],
  ['group', { where: { id: 'h' } }],
  ['membership', { where: { groupId_userId: { groupId: 'g', userId: 'ann' } } }],
  ['membership', { where: { groupId_userId: { groupId: 'g', userId: 'bob' } } }],
  ['joinRequest', { where: { groupId_userId: { groupId: 'g', userId: 'bob' } } }],
  ['joinRequest', { where: { groupId_userId: { groupId: 'g', userId: 'ann' } } }],
  ['sharedFile', { where: { groupId_infoHash: { groupId: 'g', infoHash: 'f1' } } }],
  ['sharedFile', { where: { groupId_name: { groupId: 'g', name: 'a.bin' } } }],
  ['sharedFile', { where: { groupId_name: { groupId: 'g', name: 'b.bin' } } }],
  ['share', { where: { groupId_infoHash_userId: { groupId: 'g', infoHash: 'f1', userId: 'ann' } } }],
  ['share', { where: { groupId_infoHash_userId: { groupId: 'g', infoHash: 'f1', userId: 'bob' } } }],
  ['share', { where: { groupId_infoHash_userId: { groupId: 'g', infoHash: 'f2', userId: 'bob' } } }],
  // Shapes it does not answer itself: Prisma does.
  ['user', { where: { id: 'ann' }, select: { createdHlc: true } }],
  ['sharedFile', { where: { groupId_name: { groupId: 'g', name: 'a.bin' } }, include: { shares: true } }],
];

const call = (client: object, model: string, method: string, args?: object): Promise<unknown> =>
  (client as Record<string, Record<string, (a?: object) => Promise<unknown>>>)[model]![method]!(args);

describe('fastTx', () => {
  for (const [model, args] of LOOKUPS) {
    it(`${model}.findUnique(${JSON.stringify(args)}) answers as Prisma does`, async () => {
      expect(await call(fast, model, 'findUnique', args)).toStrictEqual(await call(db.prisma, model, 'findUnique', args));
    });
  }

  it('passes every other method to Prisma', async () => {
    expect(await call(fast, 'share', 'count', { where: { groupId: 'g' } })).toBe(2);
    expect(await call(fast, 'membership', 'findMany')).toStrictEqual(await db.prisma.membership.findMany());
    expect(await fast.session.findUnique({ where: { tokenHash: 'x' } })).toBeNull();
  });
});
