// Cancelling a download: stopped, forgotten, its piece map withdrawn, and only its own partial,
// journal and state files deleted when the caller says so (never the finished file or anything
// else in the folder). A seeder holding half the pieces keeps the download half done.
import { once } from 'node:events';
import { existsSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Bitfield } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { DownloadEntry } from '../peer-node.js';
import { seedBlockSource, type BlockSource } from '../peer/index.js';
import { GROUP, sharedFile, type SharedFixture } from '../../test/peer-harness.js';
import { cancelDownload, type CancelContext } from './cancel-download.js';
import type { Download } from './download.js';
import type { RememberedDownload } from './download-list.js';
import { completes, fakeTracker, startSeeder, testDownload } from '../../test/download-support.js';

const PIECE = 64 * 1024;
const SIZE = 16 * PIECE;
const HIDDEN = ['.shared.bin.groupshare-part', '.shared.bin.groupshare-journal', '.shared.bin.groupshare-state.json'];

let fx: SharedFixture;
let dest: string;
const cleanups: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  fx = await sharedFile(SIZE, PIECE);
  dest = await fsp.mkdtemp(join(tmpdir(), 'gs-cancel-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await fx.cleanup();
  await fsp.rm(dest, { recursive: true, force: true });
});

/** A seeder with the even pieces only: a download from it stops at half. */
function evenPieces(): BlockSource {
  const have = new Bitfield(SIZE / PIECE);
  for (let i = 0; i < have.pieceCount; i += 2) have.set(i);
  return { ...seedBlockSource(fx.seed), have };
}

function entryOf(download: Download): DownloadEntry {
  return { groupId: GROUP, name: 'shared.bin', dir: dest, download, settled: new Promise(() => undefined) };
}

/** A context over `entries` recording what it was asked. */
function context(entries: DownloadEntry[], remembered: RememberedDownload[] = entries.map((e) => ({ groupId: e.groupId, name: e.name, dir: e.dir }))) {
  const withdrawn: unknown[] = [];
  const ctx: CancelContext = {
    entries,
    remembered: async () => remembered,
    forget: async (d) => void remembered.splice(remembered.findIndex((r) => r.dir === d.dir && r.name === d.name), 1),
    link: { request: async (_type, fields) => (withdrawn.push(fields), { withdrawn: false }) },
    sharedFromLibrary: () => false,
  };
  return { ctx, withdrawn, remembered };
}

/** A download of half the file, running. */
async function halfDone(): Promise<Download> {
  const seeder = await startSeeder(fx, evenPieces());
  cleanups.push(() => seeder.server.stop());
  const link = fakeTracker(fx, [{ address: seeder.address, have: evenPieces().have }]);
  const d = testDownload(link, dest, { haveBatchMs: 50 });
  cleanups.push(() => d.stop());
  await d.start();
  while (d.progress().verified < 8) await once(d, 'progress');
  return d;
}

describe('cancelDownload', () => {
  it('stops a running download, forgets it, withdraws it, and deletes only its own files when told to', async () => {
    await fsp.writeFile(join(dest, 'other.bin'), 'a finished file');
    await fsp.writeFile(join(dest, 'shared.bin.notes'), 'the user’s own');
    const d = await halfDone();
    const entries = [entryOf(d)];
    const { ctx, withdrawn, remembered } = context(entries);
    const asked: number[] = [];
    const [result] = await cancelDownload(ctx, GROUP, 'shared.bin', ({ partial }) => (asked.push(partial.bytes), true));

    expect(d.state).toBe('stopped');
    expect(entries).toEqual([]);
    expect(remembered).toEqual([]);
    expect(withdrawn).toEqual([{ groupId: GROUP, name: 'shared.bin' }]);
    // Asked with the real size of the data: the 8 verified pieces (the sparse file is 16 long),
    // rounded up to the file system's blocks.
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBeGreaterThanOrEqual(8 * PIECE);
    expect(asked[0]).toBeLessThan(9 * PIECE);
    expect(result?.deleted.map((f) => f.slice(dest.length + 1)).sort()).toEqual([...HIDDEN].sort());
    expect((await fsp.readdir(dest)).sort()).toEqual(['other.bin', 'shared.bin.notes']);
  });

  it('keeps the partial data when told to, and a later download resumes from it', async () => {
    const d = await halfDone();
    const { ctx } = context([entryOf(d)]);
    const [result] = await cancelDownload(ctx, GROUP, 'shared.bin', () => false);
    expect(result?.deleted).toEqual([]);
    for (const f of HIDDEN) expect(existsSync(join(dest, f))).toBe(true);
    const again = testDownload(fakeTracker(fx, []), dest);
    cleanups.push(() => again.stop());
    await again.start();
    expect(again.progress().verified).toBe(8);
  });

  it('cancels a download remembered for the next login, and refuses a complete one without touching its file', async () => {
    // Remembered only (the user logged out and back in, and it did not resume): its files go.
    const d = await halfDone();
    await d.stop();
    const { ctx, remembered } = context([]);
    remembered.push({ groupId: GROUP, name: 'shared.bin', dir: dest });
    const [result] = await cancelDownload(ctx, GROUP, 'shared.bin', () => true);
    expect(result?.wasRunning).toBe(false);
    expect(await fsp.readdir(dest)).toEqual([]);
    await expect(cancelDownload(ctx, GROUP, 'shared.bin', () => true)).rejects.toMatchObject({ code: 'ERR_NO_SUCH_DOWNLOAD' });

    // Every piece in, the whole file being checked: it completes in a moment, and is not stopped.
    let stopped = false;
    const checking = { progress: () => ({ phase: 'checking' }), stop: async () => void (stopped = true) } as unknown as Download;
    await expect(cancelDownload(context([entryOf(checking)]).ctx, GROUP, 'shared.bin', () => true)).rejects.toMatchObject({ code: 'ERR_DOWNLOAD_COMPLETE' });
    expect(stopped).toBe(false);

    const seeder = await startSeeder(fx);
    cleanups.push(() => seeder.server.stop());
    const full = testDownload(fakeTracker(fx, [seeder]), dest);
    cleanups.push(() => full.stop());
    const path = await completes(full);
    const entry = { ...entryOf(full), outcome: { path } };
    await expect(cancelDownload(context([entry], []).ctx, GROUP, 'shared.bin', () => true)).rejects.toMatchObject({ code: 'ERR_DOWNLOAD_COMPLETE' });
    expect((await fsp.readFile(path)).equals(fx.data)).toBe(true);
  });
});
