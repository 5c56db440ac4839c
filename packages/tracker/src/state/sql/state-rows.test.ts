// The raw write path stores exactly what Prisma would: the same rows written through Prisma and
// through StateRows / loadState are byte for byte the same in SQLite (value and storage class),
// and the snapshot text is the one the Prisma-based dump produced. If this fails, trackers that
// applied the same ops could hold rows that differ in form, or Prisma could read them otherwise.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type TrackerDatabase } from '../../db/open-database.js';
import { StateRows } from './state-rows.js';
import { dumpState, loadState } from './dump.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'groupshare-rows-'));
const open: TrackerDatabase[] = [];
afterAll(async () => {
  for (const db of open) await db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function database(name: string): Promise<TrackerDatabase> {
  const db = await openDatabase({ file: path.join(tmp, `${name}.db`) });
  open.push(db);
  return db;
}

const TABLES = ['User', 'Session', 'Group', 'GroupKeyEpoch', 'Membership', 'JoinRequest', 'SharedFile', 'Share', 'Conflict', 'Setting'];

/** Every cell as `storage class:SQL literal`, rows in key order: what the file really holds. */
function cells(db: TrackerDatabase): Record<string, string[][]> {
  const out: Record<string, string[][]> = {};
  for (const table of TABLES) {
    const columns = (db.sqlite.reader.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string }>).map((c) => c.name);
    const select = columns.map((c) => `typeof("${c}") || ':' || quote("${c}")`).join(', ');
    out[table] = db.sqlite.reader.prepare(`SELECT ${select} FROM "${table}" ORDER BY ${columns.length > 2 ? '1, 2, 3' : '1, 2'}`).raw().all() as string[][];
  }
  return out;
}

// Dates as ops carry them: with and without milliseconds.
const AT = '2026-03-04T05:06:07.890Z';
const AT_NO_MS = '2026-03-04T05:06:08Z';
const PIECES = Buffer.from('00112233445566778899aabbccddeeff00112233', 'hex');

async function writeWithPrisma(db: TrackerDatabase): Promise<void> {
  const p = db.prisma;
  await p.user.create({ data: { id: 'ann', passwordHash: '$argon2id$a', createdAt: new Date(AT), createdHlc: 'h1' } });
  await p.user.create({ data: { id: 'bob', passwordHash: '$argon2id$b', createdAt: new Date(AT_NO_MS), createdHlc: 'h2' } });
  await p.session.upsert({ where: { tokenHash: 't1' }, create: { tokenHash: 't1', userId: 'ann', peerAddress: null, createdAt: new Date(AT), expiresAt: new Date(AT_NO_MS) }, update: {} });
  await p.session.upsert({ where: { tokenHash: 't1' }, create: { tokenHash: 't1', userId: 'bob', peerAddress: 'x:1', createdAt: new Date(AT), expiresAt: new Date(AT) }, update: {} });
  await p.session.upsert({ where: { tokenHash: 't2' }, create: { tokenHash: 't2', userId: 'bob', peerAddress: '127.0.0.1:6881', createdAt: new Date(AT), expiresAt: new Date(AT) }, update: {} });
  await p.group.create({ data: { id: 'g', ownerId: 'ann', createdAt: new Date(AT) } });
  await p.groupKeyEpoch.upsert({ where: { groupId: 'g' }, create: { groupId: 'g', epoch: 1 }, update: {} });
  await p.groupKeyEpoch.upsert({ where: { groupId: 'g' }, create: { groupId: 'g', epoch: 1 }, update: { epoch: { increment: 1 } } });
  await p.membership.create({ data: { groupId: 'g', userId: 'ann', joinedAt: new Date(AT) } });
  await p.joinRequest.create({ data: { groupId: 'g', userId: 'bob', requestedAt: new Date(AT_NO_MS) } });
  const file = { groupId: 'g', name: 'a.bin', sha1: 'ab'.repeat(20), pieceLength: 16_384, pieces: new Uint8Array(PIECES), sharedBy: 'ann', createdAt: new Date(AT) };
  await p.sharedFile.create({ data: { ...file, infoHash: 'f1', size: BigInt(2 ** 40 + 3) } });
  await p.sharedFile.create({ data: { ...file, infoHash: 'f2', name: 'empty', size: 0n, pieces: new Uint8Array() } });
  const key = (infoHash: string, userId: string) => ({ groupId_infoHash_userId: { groupId: 'g', infoHash, userId } });
  const share = (infoHash: string, userId: string, bitfield: Buffer, complete: boolean, at: string) => {
    const data = { peerAddress: `${userId}:1`, bitfield: new Uint8Array(bitfield), complete, updatedAt: new Date(at) };
    return p.share.upsert({ where: key(infoHash, userId), create: { groupId: 'g', infoHash, userId, ...data }, update: data });
  };
  await share('f1', 'ann', Buffer.from([0x80]), false, AT);
  await share('f1', 'ann', Buffer.from([0xc0]), true, AT_NO_MS); // an update
  await share('f2', 'bob', Buffer.alloc(0), true, AT);
  await p.conflict.upsert({ where: { hlc: 'c1' }, create: { hlc: 'c1', kind: 'user_id_taken', userId: 'ann', subject: 'ann', losingHash: 'x', at: new Date(AT) }, update: {} });
  await p.conflict.upsert({ where: { hlc: 'c1' }, create: { hlc: 'c1', kind: 'other', userId: 'bob', subject: 'bob', losingHash: null, at: new Date(AT) }, update: {} });
  await p.conflict.upsert({ where: { hlc: 'c2' }, create: { hlc: 'c2', kind: 'group_id_taken', userId: 'bob', subject: 'g', losingHash: null, at: new Date(AT_NO_MS) }, update: {} });
  await p.user.update({ where: { id: 'ann' }, data: { lastLoginAt: new Date(AT) } });
  await p.user.update({ where: { id: 'bob' }, data: { lastLoginAt: new Date(AT_NO_MS) } });
  await p.user.update({ where: { id: 'bob' }, data: { passwordHash: '$argon2id$b2', createdHlc: 'h3' } });
  await p.setting.upsert({ where: { key: 'registration' }, create: { key: 'registration', value: 'closed' }, update: { value: 'closed' } });
  await p.setting.upsert({ where: { key: 'registration' }, create: { key: 'registration', value: 'open' }, update: { value: 'open' } });
}

function writeWithRows(db: TrackerDatabase): void {
  const r = new StateRows(db.sqlite.writer);
  r.insertUser({ id: 'ann', passwordHash: '$argon2id$a', createdAt: AT, createdHlc: 'h1' });
  r.insertUser({ id: 'bob', passwordHash: '$argon2id$b', createdAt: AT_NO_MS, createdHlc: 'h2' });
  r.insertSession({ tokenHash: 't1', userId: 'ann', peerAddress: null, createdAt: AT, expiresAt: AT_NO_MS });
  r.insertSession({ tokenHash: 't1', userId: 'bob', peerAddress: 'x:1', createdAt: AT, expiresAt: AT });
  r.insertSession({ tokenHash: 't2', userId: 'bob', peerAddress: '127.0.0.1:6881', createdAt: AT, expiresAt: AT });
  r.insertGroup({ id: 'g', ownerId: 'ann', createdAt: AT });
  expect([r.raiseKeyEpoch('g'), r.raiseKeyEpoch('g')]).toEqual([1, 2]);
  r.insertMembership('g', 'ann', AT);
  r.insertRequest('g', 'bob', AT_NO_MS);
  const file = { groupId: 'g', name: 'a.bin', sha1: 'ab'.repeat(20), pieceLength: 16_384, pieces: PIECES, sharedBy: 'ann', createdAt: AT };
  r.insertFile({ ...file, infoHash: 'f1', size: 2 ** 40 + 3 });
  r.insertFile({ ...file, infoHash: 'f2', name: 'empty', size: 0, pieces: Buffer.alloc(0) });
  const share = (infoHash: string, userId: string, bitfield: Buffer, complete: boolean, at: string) =>
    r.upsertShare({ groupId: 'g', infoHash, userId, peerAddress: `${userId}:1`, bitfield, complete, serving: true, updatedAt: at });
  share('f1', 'ann', Buffer.from([0x80]), false, AT);
  share('f1', 'ann', Buffer.from([0xc0]), true, AT_NO_MS);
  share('f2', 'bob', Buffer.alloc(0), true, AT);
  r.insertConflict({ hlc: 'c1', kind: 'user_id_taken', userId: 'ann', subject: 'ann', losingHash: 'x', at: AT });
  r.insertConflict({ hlc: 'c1', kind: 'other', userId: 'bob', subject: 'bob', losingHash: null, at: AT });
  r.insertConflict({ hlc: 'c2', kind: 'group_id_taken', userId: 'bob', subject: 'g', losingHash: null, at: AT_NO_MS });
  r.setLastLogin('ann', AT);
  r.setLastLogin('bob', AT_NO_MS);
  r.setPassword('bob', '$argon2id$b2', 'h3');
  r.putSetting('registration', 'closed');
  r.putSetting('registration', 'open');
}

/** The snapshot text as the Prisma-based dump made it (its encode, verbatim). */
async function prismaDump(db: TrackerDatabase): Promise<string> {
  const encode = (row: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v]),
    );
  const p = db.reader;
  const lines: string[] = [];
  const tables = [
    ['user', await p.user.findMany()],
    ['session', await p.session.findMany()],
    ['group', await p.group.findMany()],
    ['groupKeyEpoch', await p.groupKeyEpoch.findMany()],
    ['membership', await p.membership.findMany()],
    ['joinRequest', await p.joinRequest.findMany()],
    ['sharedFile', await p.sharedFile.findMany()],
    ['share', await p.share.findMany()],
    ['conflict', await p.conflict.findMany()],
    ['setting', await p.setting.findMany()],
  ] as const;
  for (const [table, rows] of tables) for (const row of rows) lines.push(JSON.stringify([table, encode(row)]));
  return lines.join('\n');
}

describe('raw state rows', () => {
  it('store exactly what Prisma stores, and the snapshot text is unchanged', async () => {
    const viaPrisma = await database('prisma');
    const viaRows = await database('rows');
    await writeWithPrisma(viaPrisma);
    writeWithRows(viaRows);
    const expected = cells(viaPrisma);
    expect(expected.Share).toHaveLength(2); // the scenario exercises what it claims to
    expect(expected.Setting).toEqual([["text:'registration'", "text:'open'"]]);
    expect(expected.GroupKeyEpoch).toEqual([["text:'g'", 'integer:2']]);
    expect(expected.User![0]).toContain("text:'2026-03-04T05:06:07.890+00:00'"); // ann's lastLoginAt
    expect(cells(viaRows)).toEqual(expected);

    const text = dumpState(viaRows.sqlite.writer);
    expect(text).toBe(await prismaDump(viaPrisma));

    const loaded = await database('loaded');
    loadState(loaded.sqlite.writer, text);
    expect(cells(loaded)).toEqual(expected);
  });
});
