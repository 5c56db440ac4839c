import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ProtocolError, hashPieces, infoHash, sha1, type FileSummary, type Result } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { hashFile } from '../storage/hash-file.js';
import { TrackerUnavailableError, type TrackerLink, type RequestFields } from '../tracker-link/index.js';
import { ShareManager } from './share-manager.js';
import type { ShareManagerEvents, ShareManagerInit, TrackerRequester } from './types.js';

type Sent =
  | { type: 'share_file'; fields: RequestFields<'share_file'> }
  | { type: 'share_files'; fields: RequestFields<'share_files'> }
  | { type: 'stop_share'; fields: RequestFields<'stop_share'> };

/** Answers like the tracker (handlers-files.ts) for one logged-in user, and records requests. */
class FakeTracker implements TrackerRequester {
  readonly sent: Sent[] = [];
  /** `groupId\nname` → info-hash of the file and who shares it. */
  readonly files = new Map<string, { infoHash: string; sharers: Set<string> }>();
  user = 'alice';
  /** Makes the next requests fail with this error while set. */
  failWith: Error | undefined;

  request(type: 'share_file', fields: RequestFields<'share_file'>): Promise<Result<'share_file'>>;
  request(type: 'share_files', fields: RequestFields<'share_files'>): Promise<Result<'share_files'>>;
  request(type: 'stop_share', fields: RequestFields<'stop_share'>): Promise<Result<'stop_share'>>;
  async request(type: Sent['type'], fields: Sent['fields']) {
    this.sent.push({ type, fields } as Sent);
    if (this.failWith) throw this.failWith;
    if (type === 'share_files') {
      const { groupId, files } = fields as RequestFields<'share_files'>;
      const results = (files as Array<Omit<RequestFields<'share_file'>, 'groupId'>>).map((f) => {
        try {
          const { file, alreadyShared } = this.shareOne({ groupId, ...f });
          return { infoHash: file.infoHash, alreadyShared };
        } catch (err) {
          return { error: { code: (err as ProtocolError).code, message: (err as Error).message } };
        }
      });
      return { results };
    }
    if (type === 'share_file') return this.shareOne(fields as RequestFields<'share_file'>);
    const { groupId, name } = fields as RequestFields<'stop_share'>;
    const key = `${groupId}\n${name}`;
    const file = this.files.get(key);
    if (!file?.sharers.delete(this.user)) throw new ProtocolError('ERR_NO_SUCH_FILE', `you are not sharing "${name}"`);
    if (file.sharers.size === 0) this.files.delete(key);
    return { withdrawn: file.sharers.size === 0 };
  }

  private shareOne(f: RequestFields<'share_file'>): Result<'share_file'> {
    const key = `${f.groupId}\n${f.name}`;
    const file = this.files.get(key);
    const hash = infoHash({ name: f.name, length: f.size, pieceLength: f.pieceLength, pieces: Buffer.from(f.pieces, 'hex') });
    if (file && file.infoHash !== hash) throw new ProtocolError('ERR_FILE_NAME_TAKEN', 'another file has this name');
    const alreadyShared = file?.sharers.has(this.user) ?? false;
    const entry = file ?? { infoHash: hash, sharers: new Set<string>() };
    entry.sharers.add(this.user);
    this.files.set(key, entry);
    const { pieces, groupId: _g, ...meta } = f;
    const counts = { pieceCount: pieces.length / 40, seeders: entry.sharers.size, partialPeers: 0, available: true };
    const summary: FileSummary = { ...meta, infoHash: hash, sharedBy: this.user, sharedAt: new Date(0).toISOString(), ...counts };
    return { file: summary, alreadyShared };
  }

  count(type: Sent['type']): number {
    return this.sent.filter((s) => s.type === type).length;
  }
}

// TrackerLink itself must fit where the fake goes.
const _linkFits: (l: TrackerLink) => TrackerRequester = (l) => l;

let dir: string;
let dataDir: string;
let tracker: FakeTracker;
let hashCalls: number;
const managers: ShareManager[] = [];

function manager(init: Partial<ShareManagerInit> = {}): ShareManager {
  const hasher: ShareManagerInit['hashFile'] = (path, opts) => (hashCalls++, hashFile(path, opts));
  const m = new ShareManager({ link: tracker, dataDir, userId: 'alice', hashFile: hasher, ...init });
  managers.push(m);
  return m;
}

/** Records every event of `m` by name. */
function record(m: ShareManager): { [K in keyof ShareManagerEvents]?: ShareManagerEvents[K][0][] } {
  const seen: Record<string, unknown[]> = {};
  for (const name of ['hashing', 'shared', 'stopped', 'resumed', 'resumeFailed', 'unavailable', 'libraryProblem'] as const) {
    m.on(name, (info: unknown) => (seen[name] ??= []).push(info));
  }
  return seen;
}

async function writeFile(name: string, bytes: number): Promise<{ path: string; data: Buffer }> {
  const [path, data] = [join(dir, name), randomBytes(bytes)];
  await fsp.writeFile(path, data);
  return { path, data };
}

async function readLibrary(user = 'alice'): Promise<{ shares: { groupId: string; name: string; changed?: true }[] }> {
  return JSON.parse(await fsp.readFile(join(dataDir, `shares-${user}.json`), 'utf8'));
}

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'gs-share-'));
  dataDir = join(dir, 'data');
  tracker = new FakeTracker();
  hashCalls = 0;
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('ShareManager.share', () => {
  it('hashes like the protocol, registers the metadata and serves the file', async () => {
    const { path, data } = await writeFile('report.bin', 600_000);
    const m = manager();
    const events = record(m);
    const shared = await m.share(path, 'Team');
    const pieceLength = 256 * 1024;
    const pieces = hashPieces(data, pieceLength);
    expect(shared).toMatchObject({ groupId: 'team', name: 'report.bin', size: data.length, pieceCount: 3, alreadyShared: false });
    expect(shared.sha1).toBe(sha1(data).toString('hex'));
    expect(shared.infoHash).toBe(infoHash({ name: 'report.bin', length: data.length, pieceLength, pieces }));
    expect(tracker.sent).toEqual([
      { type: 'share_file', fields: { groupId: 'team', name: 'report.bin', size: data.length, sha1: shared.sha1, pieceLength, pieces: pieces.toString('hex') } },
    ]);
    const served = m.source(shared.infoHash, 'team');
    expect((await served!.source.readBlock(2, 0, 100)).equals(data.subarray(2 * pieceLength, 2 * pieceLength + 100))).toBe(true);
    expect(m.list().map((s) => s.name)).toEqual(['report.bin']);
    expect(events.hashing?.at(-1)).toMatchObject({ bytesDone: data.length, total: data.length });
    expect(events.shared).toEqual([{ groupId: 'team', name: 'report.bin', infoHash: shared.infoHash, alreadyShared: false }]);
    expect((await readLibrary()).shares).toMatchObject([{ groupId: 'team', name: 'report.bin', path }]);
  });

  it('does not hash again when the same file is shared again, and reports alreadyShared', async () => {
    const { path } = await writeFile('a.bin', 300_000);
    const m = manager();
    const first = await m.share(path, 'team');
    const events = record(m);
    const again = await m.share(path, 'team');
    expect(again).toMatchObject({ infoHash: first.infoHash, alreadyShared: true, rehashed: false });
    expect(hashCalls).toBe(1);
    expect(events.hashing).toBeUndefined();
    expect(tracker.count('share_file')).toBe(2);
    expect(m.list()).toHaveLength(1);
  });

  it('serves one file in two groups under one info-hash, looked up by the ticket group', async () => {
    const { path } = await writeFile('a.bin', 50_000);
    const m = manager();
    const one = await m.share(path, 'g1');
    const two = await m.share(path, 'g2');
    expect(two.infoHash).toBe(one.infoHash);
    expect(hashCalls).toBe(1);
    expect(m.source(one.infoHash, 'g2')?.groupId).toBe('g2');
    expect(m.source(one.infoHash, 'g3')).toBeUndefined();
    expect(m.sources(one.infoHash).map((s) => s.groupId).sort()).toEqual(['g1', 'g2']);
    await m.stopShare('g1', 'a.bin');
    expect(m.source(one.infoHash, 'g1')).toBeUndefined();
    expect(await m.source(one.infoHash, 'g2')!.source.readBlock(0, 0, 10)).toHaveLength(10);
  });

  it('refuses a directory or a missing path with the storage error code, sending nothing', async () => {
    const m = manager();
    await expect(m.share(dir, 'team')).rejects.toMatchObject({ code: 'ERR_NOT_A_FILE' });
    await expect(m.share(join(dir, 'nope.bin'), 'team')).rejects.toMatchObject({
      code: 'ERR_FILE_NOT_FOUND',
      message: expect.stringContaining('nope.bin'),
    });
    expect(tracker.sent).toEqual([]);
    expect(m.list()).toEqual([]);
  });

  it('passes a tracker refusal through and remembers nothing', async () => {
    const { path } = await writeFile('a.bin', 1000);
    tracker.failWith = new ProtocolError('ERR_NOT_MEMBER', 'not a member');
    const m = manager();
    await expect(m.share(path, 'team')).rejects.toMatchObject({ code: 'ERR_NOT_MEMBER' });
    expect(m.list()).toEqual([]);
    expect(await m.library()).toEqual([]);
  });

  it('does not register a file still hashing when sharing is suspended', async () => {
    const { path } = await writeFile('a.bin', 1000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const m = manager({ hashFile: async (p, o) => (await gate, hashFile(p, o)) });
    const sharing = m.share(path, 'team');
    await new Promise((r) => setTimeout(r, 10));
    await m.suspend();
    release();
    await expect(sharing).rejects.toMatchObject({ code: 'ERR_SHARES_SUSPENDED' });
    expect(tracker.sent).toEqual([]);
    await expect(m.share(path, 'team')).rejects.toMatchObject({ code: 'ERR_SHARES_SUSPENDED' });
  });
});

describe('ShareManager.stopShare', () => {
  it('sends stop_share, stops serving and forgets the file', async () => {
    const { path } = await writeFile('a.bin', 1000);
    const m = manager();
    const shared = await m.share(path, 'team');
    const source = m.source(shared.infoHash, 'team')!.source;
    const events = record(m);
    expect(await m.stopShare('TEAM', 'a.bin')).toEqual({ withdrawn: true });
    expect(tracker.sent.at(-1)).toEqual({ type: 'stop_share', fields: { groupId: 'team', name: 'a.bin' } });
    expect(m.source(shared.infoHash)).toBeUndefined();
    await expect(source.readBlock(0, 0, 10)).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' });
    expect((await readLibrary()).shares).toEqual([]);
    expect(events.stopped).toEqual([{ groupId: 'team', name: 'a.bin', withdrawn: true }]);
    await expect(m.stopShare('team', 'a.bin')).rejects.toMatchObject({ code: 'ERR_NO_SUCH_FILE' }); // not shared now
  });
});

describe('ShareManager.adopt (a completed download)', () => {
  /** The record a completed download hands over: metadata from the tracker, the final path. */
  async function downloaded(name: string, bytes: number, groupId = 'team') {
    const { path, data } = await writeFile(name, bytes);
    const pieceLength = 16 * 1024;
    const pieces = hashPieces(data, pieceLength);
    const stats = await fsp.stat(path);
    const hash = infoHash({ name, length: data.length, pieceLength, pieces });
    return { groupId, name, infoHash: hash, path, size: data.length, mtimeMs: stats.mtimeMs, pieceLength, sha1: sha1(data).toString('hex'), pieces: pieces.toString('hex'), data };
  }

  it('remembers and serves it without hashing, and serves it again after logout, login and a restart', async () => {
    const { data, ...rec } = await downloaded('got.bin', 50_000);
    const m = manager();
    const events = record(m);
    await m.adopt(rec);
    expect((await readLibrary()).shares).toMatchObject([{ groupId: 'team', name: 'got.bin', path: rec.path }]);
    await expect.poll(() => events.shared?.length).toBe(1);
    expect(tracker.sent).toEqual([{ type: 'share_file', fields: { groupId: 'team', name: 'got.bin', size: data.length, sha1: rec.sha1, pieceLength: 16 * 1024, pieces: rec.pieces } }]);
    expect((await m.source(rec.infoHash, 'team')!.source.readBlock(1, 0, 64)).equals(data.subarray(16 * 1024, 16 * 1024 + 64))).toBe(true);
    expect(hashCalls).toBe(0);

    await m.suspend();
    expect((await m.resumeAll()).resumed.map((r) => r.name)).toEqual(['got.bin']);
    await m.stop();
    const restarted = manager({ userId: undefined });
    expect((await restarted.resumeAll('alice')).resumed.map((r) => r.name)).toEqual(['got.bin']);
    expect(restarted.source(rec.infoHash, 'team')).toBeDefined();
    expect(hashCalls).toBe(0);
  });

  it('while logged out only remembers it; the next login serves it', async () => {
    const { data: _d, ...rec } = await downloaded('later.bin', 20_000);
    const m = manager();
    await m.resumeAll();
    await m.suspend();
    await m.adopt(rec);
    expect(m.source(rec.infoHash)).toBeUndefined();
    expect(tracker.count('share_file')).toBe(0);
    expect((await m.resumeAll()).resumed.map((r) => r.name)).toEqual(['later.bin']);
  });

  it('adopted with no tracker reachable: registerPending tells the tracker once one is back, and only once', async () => {
    const { data: _d, ...rec } = await downloaded('offline.bin', 20_000);
    const m = manager();
    await m.resumeAll();
    const events = record(m);
    tracker.failWith = new TrackerUnavailableError('no tracker could be reached within 15000 ms');
    await m.adopt(rec);
    await expect.poll(() => tracker.count('share_file')).toBe(1);
    expect(await m.registerPending()).toBe(0); // still none: it stays pending
    expect(tracker.files.size).toBe(0);
    tracker.failWith = undefined;
    expect(await m.registerPending()).toBe(1);
    expect([...(tracker.files.get('team\noffline.bin')?.sharers ?? [])]).toEqual(['alice']);
    expect(events.shared?.map((e) => e.name)).toEqual(['offline.bin', 'offline.bin']); // at adopt (unconfirmed), then registered
    expect(await m.registerPending()).toBe(0); // nothing left to send
    expect(tracker.count('share_file')).toBe(3);
  });

  it('a tracker refusal is not sent again by registerPending', async () => {
    const { data: _d, ...rec } = await downloaded('refused.bin', 20_000);
    const m = manager();
    await m.resumeAll();
    tracker.failWith = new ProtocolError('ERR_NOT_MEMBER', 'you are not a member of team');
    await m.adopt(rec);
    await expect.poll(() => tracker.count('share_file')).toBe(1);
    tracker.failWith = undefined;
    expect(await m.registerPending()).toBe(0);
    expect(tracker.count('share_file')).toBe(1);
  });

  it('a copy changed before it could be served is dropped and reported, not served', async () => {
    const { data: _d, ...rec } = await downloaded('gone.bin', 20_000);
    await fsp.writeFile(rec.path, randomBytes(100));
    const m = manager();
    const events = record(m);
    await m.adopt(rec);
    await expect.poll(() => events.unavailable?.length).toBe(1);
    expect(events.unavailable?.[0]).toMatchObject({ name: 'gone.bin', reason: 'changed' });
    expect(m.source(rec.infoHash)).toBeUndefined();
  });
});

describe('ShareManager.adoptAll (a synced folder\'s new versions)', () => {
  async function hashed(name: string, bytes: number, groupId = 'team') {
    const { path } = await writeFile(name, bytes);
    const h = await hashFile(path);
    return { groupId, name, infoHash: h.infoHash, path, size: h.size, mtimeMs: h.mtimeMs, pieceLength: h.pieceLength, sha1: h.sha1, pieces: h.pieces.toString('hex') };
  }

  it('remembers them in one library write, registers them with one share_files, and serves them', async () => {
    const recs = await Promise.all(Array.from({ length: 30 }, (_, i) => hashed(`f${i}.bin`, 1000 + i)));
    const m = manager();
    const events = record(m);
    await m.adoptAll(recs);
    expect((await readLibrary()).shares).toHaveLength(30);
    await expect.poll(() => events.shared?.length).toBe(30);
    expect(tracker.sent.map((s) => s.type)).toEqual(['share_files']);
    expect(tracker.files.size).toBe(30);
    expect(events.shared?.every((e) => e.alreadyShared === false)).toBe(true);
    for (const r of recs) expect(m.source(r.infoHash, 'team')).toBeDefined();
  });

  it('falls back to one share_file each with a tracker that does not know share_files', async () => {
    const recs = [await hashed('a.bin', 100), await hashed('b.bin', 200)];
    const request = tracker.request.bind(tracker);
    tracker.request = (async (type: Sent['type'], fields: Sent['fields']) => {
      if (type === 'share_files') throw new ProtocolError('ERR_UNKNOWN_TYPE', 'unknown message type "share_files"');
      return request(type as 'share_file', fields as RequestFields<'share_file'>);
    }) as FakeTracker['request'];
    const m = manager();
    const events = record(m);
    await m.adoptAll(recs);
    await expect.poll(() => events.shared?.length).toBe(2);
    expect(tracker.sent.map((s) => s.type)).toEqual(['share_file', 'share_file']);
    expect(tracker.files.size).toBe(2);
  });

  it('a refused item is told apart from the others; a stop_share waits for the registration', async () => {
    const taken = await hashed('taken.bin', 500);
    tracker.files.set('team\ntaken.bin', { infoHash: 'f'.repeat(40), sharers: new Set(['bob']) });
    const ok = await hashed('ok.bin', 600);
    const m = manager();
    const events = record(m);
    await m.adoptAll([taken, ok]);
    const stopped = m.stopShare('team', 'ok.bin'); // asked before the tracker has answered
    await expect.poll(() => events.shared?.length).toBe(2);
    expect(events.shared?.map((e) => [e.name, e.alreadyShared])).toEqual([['taken.bin', true], ['ok.bin', false]]);
    await stopped;
    expect(tracker.sent.map((s) => s.type)).toEqual(['share_files', 'stop_share']);
    expect(tracker.files.has('team\nok.bin')).toBe(false);
  });
});

describe('ShareManager logout and login', () => {
  it('stops serving on suspend and resumes (re-sending share_file) on resumeAll, also after a restart', async () => {
    const { path } = await writeFile('a.bin', 1000);
    const m = manager();
    const shared = await m.share(path, 'team');
    await m.suspend();
    expect(m.list()).toEqual([]);
    expect(m.source(shared.infoHash)).toBeUndefined();
    const events = record(m);
    const report = await m.resumeAll();
    expect(report.resumed.map((r) => r.name)).toEqual(['a.bin']);
    expect(events.resumed).toEqual([{ groupId: 'team', name: 'a.bin', infoHash: shared.infoHash }]);
    expect(tracker.count('share_file')).toBe(2);
    expect(m.source(shared.infoHash, 'team')).toBeDefined();

    await m.stop();
    const restarted = manager({ userId: undefined });
    expect((await restarted.resumeAll('Alice')).resumed).toHaveLength(1);
    expect(restarted.list().map((s) => s.infoHash)).toEqual([shared.infoHash]);
    expect(hashCalls).toBe(1);
  });

  it('drops a file deleted while logged out: resumeFailed missing, stop_share sent', async () => {
    const { path } = await writeFile('a.bin', 1000);
    const m = manager();
    await m.share(path, 'team');
    await m.suspend();
    await fsp.rm(path);
    const events = record(m);
    const report = await m.resumeAll();
    expect(report.failed).toMatchObject([{ groupId: 'team', name: 'a.bin', reason: 'missing', code: 'ERR_FILE_NOT_FOUND' }]);
    expect(events.resumeFailed).toEqual(report.failed);
    expect(m.list()).toEqual([]);
    expect(tracker.sent.at(-1)).toEqual({ type: 'stop_share', fields: { groupId: 'team', name: 'a.bin' } });
    expect((await readLibrary()).shares).toEqual([]);
  });

  it('flags a file modified while logged out: not served, kept as changed, served again once re-shared', async () => {
    const { path } = await writeFile('a.bin', 1000);
    const m = manager();
    const old = await m.share(path, 'team');
    await m.suspend();
    await fsp.writeFile(path, randomBytes(1200));
    const later = new Date(Date.now() + 10_000);
    await fsp.utimes(path, later, later);
    const report = await m.resumeAll();
    expect(report.failed).toMatchObject([{ name: 'a.bin', reason: 'changed', code: 'ERR_FILE_CHANGED' }]);
    expect(m.source(old.infoHash)).toBeUndefined();
    expect(await m.library()).toMatchObject([{ name: 'a.bin', status: 'changed' }]);
    expect((await readLibrary()).shares).toMatchObject([{ name: 'a.bin', changed: true }]);
    expect(tracker.files.size).toBe(0); // withdrawn, so the tracker lists no dead seeder

    const fresh = await m.share(path, 'team');
    expect(fresh).toMatchObject({ rehashed: true, size: 1200 });
    expect(fresh.infoHash).not.toBe(old.infoHash);
    expect(await m.library()).toMatchObject([{ name: 'a.bin', status: 'serving' }]);
  });

  it('forgets a share the tracker refuses for good, keeps one it cannot register now', async () => {
    const a = await writeFile('a.bin', 1000);
    const m = manager();
    await m.share(a.path, 'team');
    await m.suspend();
    tracker.failWith = new ProtocolError('ERR_NOT_LOGGED_IN', 'log in first');
    expect((await m.resumeAll()).failed).toMatchObject([{ reason: 'trackerError', code: 'ERR_NOT_LOGGED_IN' }]);
    expect(await m.library()).toMatchObject([{ name: 'a.bin', status: 'paused' }]);
    tracker.failWith = new ProtocolError('ERR_NOT_MEMBER', 'left the group');
    expect((await m.resumeAll()).failed).toMatchObject([{ reason: 'refused', code: 'ERR_NOT_MEMBER' }]);
    expect(await m.library()).toEqual([]);
  });

  it('keeps two users apart: each login serves only that user\'s library', async () => {
    const a = await writeFile('alice.bin', 1000);
    const b = await writeFile('bob.bin', 1000);
    const m = manager();
    await m.share(a.path, 'team');
    tracker.user = 'bob';
    expect(await m.resumeAll('bob')).toEqual({ resumed: [], failed: [] });
    expect(m.list()).toEqual([]);
    await m.share(b.path, 'team');
    expect((await readLibrary('alice')).shares.map((s) => s.name)).toEqual(['alice.bin']);
    expect((await readLibrary('bob')).shares.map((s) => s.name)).toEqual(['bob.bin']);
    tracker.user = 'alice';
    expect((await m.resumeAll('alice')).resumed.map((s) => s.name)).toEqual(['alice.bin']);
    expect(m.list().map((s) => s.name)).toEqual(['alice.bin']);
  });
});
