// Writer.read answers the handlers' lookups with its own SQL: every answer must be what Prisma
// reads from the same rows (values and types: numbers, Buffers, booleans, absent rows), for rows
// that exist and rows that do not, and the Prisma-backed ones must see the same data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type TrackerDatabase } from '../../db/open-database.js';
import { TxReads } from '../tx-reads.js';
import { StateRows } from './state-rows.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'groupshare-lookups-'));
let db: TrackerDatabase;
let read: TxReads;

beforeAll(async () => {
  db = await openDatabase({ file: path.join(tmp, 'tracker.db') });
  read = new TxReads(new StateRows(db.sqlite.writer), db.prisma);
  const p = db.prisma;
  const at = new Date('2026-03-04T05:06:07.890Z');
  await p.user.create({ data: { id: 'ann', passwordHash: '$argon2id$a', createdAt: at, createdHlc: 'h1' } });
  await p.user.create({ data: { id: 'bob', passwordHash: '$argon2id$b', createdAt: at, createdHlc: 'h2', lastLoginAt: at } });
  await p.session.create({ data: { tokenHash: 't1', userId: 'bob', createdAt: at, expiresAt: at } });
  await p.group.create({ data: { id: 'g', ownerId: 'ann', createdAt: at } });
  await p.membership.create({ data: { groupId: 'g', userId: 'ann', joinedAt: at } });
  await p.joinRequest.create({ data: { groupId: 'g', userId: 'bob', requestedAt: at } });
  await p.sharedFile.create({
    data: { groupId: 'g', infoHash: 'f1', name: 'a.bin', size: BigInt(2 ** 40 + 3), sha1: 's', pieceLength: 16_384, pieces: new Uint8Array([1, 2, 3]), sharedBy: 'ann', createdAt: at },
  });
  await p.share.create({ data: { groupId: 'g', infoHash: 'f1', userId: 'ann', peerAddress: 'ann:1', bitfield: new Uint8Array([0x80]), complete: false, updatedAt: at } });
  await p.share.create({ data: { groupId: 'g', infoHash: 'f1', userId: 'bob', peerAddress: 'bob:1', bitfield: new Uint8Array(), complete: true, serving: false, updatedAt: at } });
});

afterAll(async () => {
  await db?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('Writer.read', () => {
  it('users, groups, memberships and requests as Prisma finds them', async () => {
    const p = db.prisma;
    for (const id of ['ann', 'bob', 'nobody']) expect(read.userExists(id)).toBe((await p.user.findUnique({ where: { id } })) !== null);
    expect(read.userExists('nobody')).toBe(false);
    for (const id of ['g', 'h']) expect(read.groupOwner(id)).toBe((await p.group.findUnique({ where: { id } }))?.ownerId);
    expect(read.groupOwner('g')).toBe('ann');
    for (const userId of ['ann', 'bob']) {
      const key = { groupId_userId: { groupId: 'g', userId } };
      expect(read.isMember('g', userId)).toBe((await p.membership.findUnique({ where: key })) !== null);
      expect(read.hasRequest('g', userId)).toBe((await p.joinRequest.findUnique({ where: key })) !== null);
    }
    expect([read.isMember('g', 'ann'), read.hasRequest('g', 'bob')]).toEqual([true, true]);
  });

  it('files and shares with the values and types Prisma reads', async () => {
    const p = db.prisma;
    const file = (await p.sharedFile.findUnique({ where: { groupId_infoHash: { groupId: 'g', infoHash: 'f1' } } }))!;
    expect(read.file('g', 'f1')).toStrictEqual({ name: file.name, size: Number(file.size), pieceLength: file.pieceLength });
    expect(read.file('g', 'f1')!.size).toBe(2 ** 40 + 3);
    expect(read.file('g', 'f2')).toBeUndefined();
    expect(read.fileNamed('g', 'a.bin')).toBe((await p.sharedFile.findUnique({ where: { groupId_name: { groupId: 'g', name: 'a.bin' } } }))!.infoHash);
    expect(read.fileNamed('g', 'b.bin')).toBeUndefined();
    for (const userId of ['ann', 'bob']) {
      const share = (await p.share.findUnique({ where: { groupId_infoHash_userId: { groupId: 'g', infoHash: 'f1', userId } } }))!;
      const { peerAddress, bitfield, complete, serving } = share;
      expect(read.share('g', 'f1', userId)).toStrictEqual({ peerAddress, bitfield: Buffer.from(bitfield), complete, serving });
    }
    expect(read.share('g', 'f1', 'bob')!.serving).toBe(false);
    expect(read.share('g', 'f2', 'bob')).toBeUndefined();
  });

  it('the Prisma-backed reads count what is there', async () => {
    expect(await read.registrationOpen()).toBe(true);
    await db.prisma.setting.create({ data: { key: 'registration', value: 'closed' } });
    expect(await read.registrationOpen()).toBe(false);
    expect(await read.sessionCount('bob')).toBe(1);
    expect(await read.userFootprint('bob')).toEqual({ sessions: 1, shares: 1, requests: 1, memberships: [] });
    expect(await read.userFootprint('ann')).toEqual({ sessions: 0, shares: 1, requests: 0, memberships: [{ groupId: 'g', ownerId: 'ann' }] });
  });
});
