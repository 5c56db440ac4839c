// Folder sync over real folders, with the group played by an in-memory listing: members share
// by adopting records and fetch by copying a holder's file (the real transfer is covered by the
// integration tests with real clients).
import { promises as fsp, watch as fsWatch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FileSummary, Result } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ShareRecord } from '../share/library.js';
import { recordOf } from '../share/records.js';
import { hashFile } from '../storage/hash-file.js';
import { FolderSync } from './folder-sync.js';
import type { FolderSyncInit, SyncEvent, SyncWatcherOptions } from './types.js';
import { versionName } from './version-name.js';

/** The group as the tracker lists it: every version and who holds it where. */
class FakeGroup {
  /** By name: the record, who holds it where, and who shared it first (the tracker's sharedBy, kept while the file is listed). */
  readonly files = new Map<string, { record: ShareRecord; holders: Map<string, string>; sharedBy: string }>();
  fetches = 0;
  /** Runs once a fetch has its bytes, before it returns (a member saving meanwhile). */
  duringFetch: (() => Promise<void>) | undefined;

  list(): Result<'list_files'> {
    const files: FileSummary[] = [...this.files.values()].map(({ record: r, holders, sharedBy }) => ({
      name: r.name, infoHash: r.infoHash, size: r.size, sha1: r.sha1, pieceLength: r.pieceLength, pieceCount: r.pieces.length / 40,
      sharedBy, sharedAt: '', seeders: holders.size, partialPeers: 0, available: holders.size > 0,
    }));
    return { files };
  }

  /** file_info's holders (every holder complete, online or not). */
  info(name: string): Result<'file_info'> {
    const f = this.files.get(name);
    if (f === undefined) throw new Error(`no file ${name}`);
    const file = this.list().files.find((x) => x.name === name) as FileSummary;
    return { file, holders: [...f.holders.keys()].map((userId) => ({ userId, online: true, pieces: file.pieceCount, complete: true })) };
  }
}

let root: string;
let group: FakeGroup;
const running: FolderSync[] = [];

beforeEach(async () => {
  root = await fsp.mkdtemp(join(tmpdir(), 'gs-sync-'));
  group = new FakeGroup();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
  await fsp.rm(root, { recursive: true, force: true });
});

interface Member {
  sync: FolderSync;
  dir: string;
  events: SyncEvent[];
}

async function member(user: string, watcher: SyncWatcherOptions = {}, now?: () => number, mirrorDeletes = false, hasher?: FolderSyncInit['hashFile']): Promise<Member> {
  const dir = join(root, user);
  await fsp.mkdir(dir, { recursive: true });
  const events: SyncEvent[] = [];
  const adopt = async (r: ShareRecord): Promise<void> => {
    const f = group.files.get(r.name) ?? { record: r, holders: new Map<string, string>(), sharedBy: user };
    f.holders.set(user, r.path);
    group.files.set(r.name, f);
  };
  const sync = new FolderSync({
    userId: user,
    binding: { groupId: 'lab', dir, mirrorDeletes },
    dataDir: join(root, `data-${user}`),
    link: {
      request: (async (type: string, fields: { name?: string }) => (type === 'file_info' ? group.info(fields.name as string) : group.list())) as FolderSyncInit['link']['request'],
    },
    shares: {
      adopt,
      adoptAll: async (rs) => rs.forEach(adopt),
      stopShare: async (_g, name) => {
        const f = group.files.get(name);
        f?.holders.delete(user);
        if (f?.holders.size === 0) group.files.delete(name);
        return { withdrawn: f?.holders.size === 0 };
      },
    },
    fetch: async (groupId, name, into) => {
      group.fetches++;
      const holder = [...(group.files.get(name)?.holders.values() ?? [])][0] as string;
      await fsp.copyFile(holder, join(into, name));
      await group.duringFetch?.();
      return recordOf(await hashFile(join(into, name), { name }), groupId);
    },
    watcher: { rescanMs: 60_000, settleMs: 50, ...watcher },
    ...(now ? { now } : {}),
    ...(hasher ? { hashFile: hasher } : {}),
    onEvent: (e) => events.push(e),
  });
  await fsp.mkdir(join(root, `data-${user}`), { recursive: true });
  running.push(sync);
  return { sync, dir, events };
}

/** Rounds at every member until a whole pass changes nothing. */
async function converge(members: readonly Member[]): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const before = JSON.stringify([...group.files.keys()].sort());
    const counts = members.map((m) => m.events.length);
    for (const m of members) {
      m.sync.request();
      await m.sync.settled();
    }
    const quiet = members.every((m, j) => m.events.slice(counts[j]).every((e) => e.kind === 'idle'));
    if (quiet && before === JSON.stringify([...group.files.keys()].sort())) return;
  }
  throw new Error('did not converge');
}

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await fsp.readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = join(e.parentPath, e.name);
    const rel = full.slice(dir.length + 1);
    if (e.isFile() && !rel.startsWith('.groupshare')) out[rel] = await fsp.readFile(full, 'utf8');
  }
  return out;
}

const start = async (...ms: Member[]): Promise<void> => void (await Promise.all(ms.map((m) => m.sync.start())));

/**
 * ann and bob sync notes.txt (v0); ann saves "ann edit" and her round shares it; bob's clock is
 * then 5 s later, and bob has not heard of ann's edit yet.
 */
async function annEditsNotesThenBobsClockMoves(): Promise<[Member, Member]> {
  let clock = Date.UTC(2026, 11, 7, 12, 0, 0);
  const a = await member('ann', {}, () => clock);
  const b = await member('bob', {}, () => clock);
  await fsp.writeFile(join(a.dir, 'notes.txt'), 'v0');
  await start(a, b);
  await converge([a, b]);
  await fsp.writeFile(join(a.dir, 'notes.txt'), 'ann edit');
  a.sync.request();
  await a.sync.settled();
  clock += 5_000;
  return [a, b];
}


describe('folder sync', () => {
  it('brings every folder to the union, subfolders included, and replaces a changed file keeping the old one', async () => {
    const a = await member('ann');
    const b = await member('bob');
    await fsp.writeFile(join(a.dir, 'a.txt'), 'from ann');
    await fsp.mkdir(join(b.dir, 'sub/deeper'), { recursive: true });
    await fsp.writeFile(join(b.dir, 'sub/deeper/b.txt'), 'from bob');
    await start(a, b);
    await converge([a, b]);
    const union = { 'a.txt': 'from ann', 'sub/deeper/b.txt': 'from bob' };
    expect(await tree(a.dir)).toEqual(union);
    expect(await tree(b.dir)).toEqual(union);

    await fsp.writeFile(join(b.dir, 'a.txt'), 'bob changed it');
    await converge([a, b]);
    expect(await tree(a.dir)).toEqual({ ...union, 'a.txt': 'bob changed it' });
    const kept = await fsp.readdir(join(a.dir, '.groupshare/versions'));
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/^a~\d{8}-\d{6}\.txt$/);
    expect(await fsp.readFile(join(a.dir, '.groupshare/versions', kept[0] as string), 'utf8')).toBe('from ann');
  });

  it('keeps replaced versions for 30 days, then lets them go', async () => {
    let clock = Date.UTC(2026, 5, 1, 8, 0, 0);
    const a = await member('ann', {}, () => clock);
    const b = await member('bob', {}, () => clock);
    await fsp.writeFile(join(a.dir, 'a.txt'), 'old');
    await start(a, b);
    await converge([a, b]);
    await fsp.writeFile(join(b.dir, 'a.txt'), 'new');
    await converge([a, b]);
    const versions = join(a.dir, '.groupshare/versions');
    expect(await fsp.readdir(versions)).toEqual(['a~20260601-080000.txt']);
    await fsp.writeFile(join(versions, 'mine.txt'), 'not a version: no stamp');
    clock += 29 * 86_400_000;
    await converge([a]);
    expect((await fsp.readdir(versions)).sort()).toEqual(['a~20260601-080000.txt', 'mine.txt']);
    clock += 2 * 86_400_000;
    await converge([a]);
    expect(await fsp.readdir(versions)).toEqual(['mine.txt']);
  });

  it('keeps both sides of a concurrent change, the loser as name.sync-conflict-<time>-<user>.ext', async () => {
    const [a, b] = await annEditsNotesThenBobsClockMoves();
    await fsp.writeFile(join(b.dir, 'notes.txt'), 'bob edit'); // before bob heard of ann's
    b.sync.request();
    await b.sync.settled();
    await converge([a, b]);
    const expected = { 'notes.txt': 'bob edit', 'notes.sync-conflict-20261207-120000-ann.txt': 'ann edit' };
    expect(await tree(a.dir)).toEqual(expected);
    expect(await tree(b.dir)).toEqual(expected);
    expect(a.sync.status().conflicts).toBe(1);
    // Told by whoever resolved it (the other may just receive the resolution and the copy).
    expect([...a.events, ...b.events]).toContainEqual({ kind: 'conflict', path: 'notes.txt', copy: 'notes.sync-conflict-20261207-120000-ann.txt' });
  });

  it('a file saved here while a newer version was being fetched is not replaced: it becomes a concurrent change, both kept', async () => {
    const [a, b] = await annEditsNotesThenBobsClockMoves();
    // bob saves while his round fetches ann's edit, after the round checked his file.
    group.duringFetch = async () => {
      group.duringFetch = undefined;
      await fsp.writeFile(join(b.dir, 'notes.txt'), 'bob edit, longer');
    };
    b.sync.request();
    await b.sync.settled();
    await converge([a, b]);
    const at = await tree(a.dir);
    expect(await tree(b.dir)).toEqual(at);
    expect(Object.values(at).sort()).toEqual(['ann edit', 'bob edit, longer']);
    expect(Object.keys(at).filter((k) => k.includes('.sync-conflict-'))).toHaveLength(1);
  });

  it('believes a version only from its claimed author: one shared under another member\'s name is left alone', async () => {
    const a = await member('ann');
    const b = await member('bob');
    await fsp.writeFile(join(a.dir, 'plan.txt'), 'ann wrote this');
    await start(a, b);
    await converge([a, b]);
    // Mallory, a member, shares her own bytes under names claiming ann's authorship (a newer
    // version of plan.txt: ann:5 includes ann's ann:1; a new file), and bob's own.
    const forged = join(root, 'forged.txt');
    await fsp.writeFile(forged, 'mallory wrote this');
    const claims = [['ann', 'plan.txt', [['ann', 5]]], ['ann', 'new.txt', [['ann', 1]]], ['bob', 'plan.txt', [['ann', 1], ['bob', 1]]]] as const;
    for (const [author, path, vector] of claims) {
      const name = versionName({ kind: 'f', author, time: Date.now() + 60_000, vector: new Map(vector), path });
      const record = recordOf(await hashFile(forged, { name }), 'lab');
      group.files.set(name, { record, holders: new Map([['mallory', forged]]), sharedBy: 'mallory' });
    }
    b.sync.request();
    a.sync.request();
    await converge([a, b]);
    expect(await tree(b.dir)).toEqual({ 'plan.txt': 'ann wrote this' });
    expect(await tree(a.dir)).toEqual({ 'plan.txt': 'ann wrote this' });
    expect(b.events.filter((e) => e.kind === 'fetched' || e.kind === 'conflict')).toEqual([{ kind: 'fetched', path: 'plan.txt', local: false }]);
  });

  it('recognises a rename by content: the other member copies locally instead of downloading', async () => {
    const a = await member('ann');
    const b = await member('bob');
    await fsp.writeFile(join(a.dir, 'big.bin'), Buffer.alloc(300_000, 7));
    await start(a, b);
    await converge([a, b]);
    const fetches = group.fetches;
    await fsp.mkdir(join(a.dir, 'moved'));
    await fsp.rename(join(a.dir, 'big.bin'), join(a.dir, 'moved/big.bin'));
    await converge([a, b]);
    expect(Object.keys(await tree(b.dir)).sort()).toEqual(['big.bin', 'moved/big.bin']); // deletions are not propagated
    expect(group.fetches).toBe(fetches);
    expect(b.events).toContainEqual({ kind: 'fetched', path: 'moved/big.bin', local: true });
  });

  it('never follows a symbolic link out of the folder, nor writes through one', async () => {
    const outside = join(root, 'outside');
    await fsp.mkdir(outside);
    await fsp.writeFile(join(outside, 'secret.txt'), 'not yours');
    const a = await member('ann');
    const b = await member('bob');
    await fsp.symlink(outside, join(a.dir, 'linked'));
    await fsp.writeFile(join(a.dir, 'ok.txt'), 'fine');
    await fsp.mkdir(join(a.dir, 'sub'));
    await fsp.writeFile(join(a.dir, 'sub/x.txt'), 'x');
    await fsp.symlink(outside, join(b.dir, 'sub')); // where ann's sub/x.txt would go
    await start(a, b);
    await converge([a, b]);
    expect([...group.files.keys()].some((n) => n.includes('secret'))).toBe(false);
    expect(a.events).toContainEqual({ kind: 'skipped', path: 'linked', reason: 'is a symbolic link (never followed)' });
    expect(await fsp.readdir(outside)).toEqual(['secret.txt']);
    expect(b.events.some((e) => e.kind === 'error' && e.path === 'sub/x.txt' && /symbolic link/.test(e.message))).toBe(true);
    expect(await fsp.readFile(join(b.dir, 'ok.txt'), 'utf8')).toBe('fine');
  });

  it('says so and polls when the system runs out of watches, still picking up new files', async () => {
    const enospc = (): never => {
      throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
    };
    const a = await member('ann', { watch: enospc, pollMs: 100 });
    await start(a);
    await a.sync.settled();
    expect(a.events).toContainEqual({ kind: 'polling', reason: expect.stringMatching(/ran out of file watches \(ENOSPC.*polling the folder every 0\.1 s/) });
    expect(a.sync.status().watch).toBe('polling');
    await fsp.writeFile(join(a.dir, 'new.txt'), 'n');
    await expect.poll(() => [...group.files.keys()].some((n) => n.endsWith('~new.txt')), { timeout: 3_000 }).toBe(true);
  });

  it('picks up a new file through the directory watch within a second or two', async () => {
    const a = await member('ann', { watch: (p, l) => fsWatch(p, { persistent: false }, l) });
    await fsp.mkdir(join(a.dir, 'sub'));
    await start(a);
    await a.sync.settled();
    await fsp.writeFile(join(a.dir, 'sub/late.txt'), 'late');
    await expect.poll(() => [...group.files.keys()].some((n) => n.endsWith('~sub%2Flate.txt')), { timeout: 2_000, interval: 50 }).toBe(true);
  });

  it('hashes in the background and tells how far (status: syncing, hashing <path> <percent>)', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow: FolderSyncInit['hashFile'] = async (p, opts) => {
      if (p.endsWith('big.bin')) {
        opts.onProgress?.(40, 100);
        await gate;
      }
      return hashFile(p, opts);
    };
    const a = await member('ann', {}, undefined, false, slow);
    await fsp.writeFile(join(a.dir, 'big.bin'), 'pretend this is large');
    await start(a);
    await expect.poll(() => a.sync.status().hashing).toEqual({ path: 'big.bin', percent: 40 });
    expect(a.sync.status()).toMatchObject({ syncing: 1, files: 0 });
    expect(a.sync.status().scanning).toBeUndefined(); // the walk is over, the hashing is not
    release();
    await a.sync.settled();
    expect(a.sync.status()).toMatchObject({ syncing: 0, files: 1 });
    expect(a.sync.status().hashing).toBeUndefined();
  });

  it('remembers what it shared across a restart: unchanged files make no new version', async () => {
    const a = await member('ann');
    await fsp.writeFile(join(a.dir, 'a.txt'), 'same');
    await start(a);
    await a.sync.settled();
    const names = [...group.files.keys()];
    await a.sync.stop();
    const again = await member('ann');
    await start(again);
    await again.sync.settled();
    expect([...group.files.keys()]).toEqual(names);
  });
});

describe('folder sync with --mirror-deletes', () => {
  it('propagates a deletion, keeping the file among the versions, and a member back 456 days later does not bring it back', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const now = (): number => clock;
    const a = await member('ann', {}, now, true);
    const b = await member('bob', {}, now, true);
    const c = await member('cy', {}, now, true);
    await fsp.writeFile(join(a.dir, 'plan.txt'), 'the plan');
    await fsp.writeFile(join(a.dir, 'keep.txt'), 'kept');
    await start(a, b, c);
    await converge([a, b, c]);
    expect(await tree(c.dir)).toEqual({ 'plan.txt': 'the plan', 'keep.txt': 'kept' });

    await c.sync.stop(); // cy goes away for long
    await fsp.rm(join(a.dir, 'plan.txt'));
    await converge([a, b]);
    expect(await tree(b.dir)).toEqual({ 'keep.txt': 'kept' });
    const kept = await fsp.readdir(join(b.dir, '.groupshare/versions'));
    expect(kept).toEqual([expect.stringMatching(/^plan~\d{8}-\d{6}\.txt$/)]);

    clock += 456 * 86_400_000; // Syncthing forgets deletions after 455 days
    const back = await member('cy', {}, now, true);
    await start(back);
    await converge([a, b, back]);
    for (const m of [a, b, back]) expect(await tree(m.dir)).toEqual({ 'keep.txt': 'kept' });
    expect(back.events).toContainEqual({ kind: 'deleted', path: 'plan.txt', kept: expect.stringMatching(/^\.groupshare\/versions\/plan~20270402-\d{6}\.txt$/) });
  });

  it('without it a deleted file comes back from the others (the union)', async () => {
    const a = await member('ann');
    const b = await member('bob');
    await fsp.writeFile(join(a.dir, 'plan.txt'), 'the plan');
    await start(a, b);
    await converge([a, b]);
    await fsp.rm(join(a.dir, 'plan.txt'));
    await converge([a, b]);
    expect(await tree(a.dir)).toEqual({ 'plan.txt': 'the plan' });
    expect(await tree(b.dir)).toEqual({ 'plan.txt': 'the plan' });
  });
});
