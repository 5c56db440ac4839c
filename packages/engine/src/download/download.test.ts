// The download manager over real loopback: three PeerServers seeding a temp file, a fake tracker
// answering from test data, and a Download fetching into a temp directory.
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { seedBlockSource, type BlockSource, type PeerServer } from '../peer/index.js';
import { sharedFile, type SharedFixture } from '../../test/peer-harness.js';
import type { TrackerLink } from '../tracker-link/index.js';
import type { Download } from './download.js';
import { completes, corruptSource, fakeTracker, sha1Of, startSeeder, testDownload, total } from '../../test/download-support.js';
import type { DownloadInit, TrackerRequester } from './types.js';

const PIECE = 64 * 1024;
const SIZE = 2 * 1024 * 1024 + 12_345; // 33 pieces, the last one short
const PIECES = Math.ceil(SIZE / PIECE);
const BLOCKS = Math.ceil(SIZE / (16 * 1024));

// TrackerLink must satisfy the narrow interface the download uses.
export const asRequester = (l: TrackerLink): TrackerRequester => l;

let fx: SharedFixture;
let dest: string;
const cleanups: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  fx = await sharedFile(SIZE, PIECE);
  dest = await fsp.mkdtemp(join(tmpdir(), 'gs-dl-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await fx.cleanup();
  await fsp.rm(dest, { recursive: true, force: true });
});

/** A seeder serving `source` (default: the whole file). */
async function seeder(source?: BlockSource): Promise<{ server: PeerServer; address: string }> {
  const s = await startSeeder(fx, source);
  cleanups.push(() => s.server.stop());
  return s;
}

function download(link: TrackerRequester, extra: Partial<DownloadInit> = {}): Download {
  const d = testDownload(link, dest, { haveBatchMs: 100, ...extra });
  cleanups.push(() => d.stop());
  return d;
}

describe('Download', () => {
  it('fetches a file from three seeders, verifies it and reports pieces to the tracker', async () => {
    const seeders = await Promise.all([seeder(), seeder(), seeder()]);
    const link = fakeTracker(fx, seeders);
    const d = download(link);
    const verified: number[] = [];
    d.on('pieceVerified', ({ index }) => verified.push(index));
    const path = await completes(d);
    expect(path).toBe(join(dest, 'shared.bin'));
    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    expect(new Set(verified).size).toBe(PIECES);
    expect([...d.blocksFrom.values()].filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(total(d.blocksFrom)).toBe(BLOCKS);
    expect(new Set(link.updates.flat()).size).toBe(PIECES);
    expect(d.state).toBe('seeding');
    await expect(fsp.stat(join(dest, '.shared.bin.groupshare-part'))).rejects.toThrow();
  }, 20_000);

  it('completes correctly despite a seeder serving corrupted data, and drops that seeder', async () => {
    const bad = await seeder(corruptSource(fx));
    const good = await Promise.all([seeder(), seeder()]);
    const d = download(fakeTracker(fx, [bad, ...good]));
    const path = await completes(d);
    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    expect(d.bannedPeers.has(bad.address)).toBe(true);
  }, 20_000);

  it.each([
    ['every block', () => true],
    ['one block in four (bit rot)', (_i: number, begin: number) => begin === 16 * 1024],
  ])('drops only the corrupting seeder when pieces mix its blocks with an honest one\'s (%s bad)', async (_what, rotten) => {
    // Pieces of 4 blocks fetched from both peers at once fail with both as contributors: a strike
    // against each would drop the honest one too (it did, before the smart ban).
    const bad = await seeder(corruptSource(fx, rotten));
    const good = await seeder();
    const d = download(fakeTracker(fx, [bad, good]), { peerRefreshMs: 200 });
    const path = await completes(d);
    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    expect([...d.bannedPeers]).toEqual([bad.address]);
  }, 20_000);

  it('is not stalled by a seeder that advertises every piece, unchokes, and never sends a block', async () => {
    const good = seedBlockSource(fx.seed);
    const blackHole = await seeder({ have: good.have, readBlock: () => new Promise<Buffer>(() => undefined) });
    const honest = await seeder();
    const d = download(fakeTracker(fx, [{ address: blackHole.address }, { address: honest.address }]), { requestTimeoutMs: 500 });
    const path = await completes(d);
    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    expect(d.blocksFrom.get(blackHole.address) ?? 0).toBe(0);
    expect(d.blocksFrom.get(honest.address)).toBe(BLOCKS);
  }, 20_000);

  it('completes from the others when a seeder dies mid-download', async () => {
    let served = 0;
    const good = seedBlockSource(fx.seed);
    let dying: PeerServer | undefined;
    const source: BlockSource = {
      have: good.have,
      readBlock: async (i, b, l) => {
        if (++served === 10) void dying?.stop();
        return good.readBlock(i, b, l);
      },
    };
    const doomed = await seeder(source);
    dying = doomed.server;
    const others = await Promise.all([seeder(), seeder()]);
    const d = download(fakeTracker(fx, [doomed, ...others]), { peerRefreshMs: 200 });
    const path = await completes(d);
    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    expect(served).toBeGreaterThanOrEqual(10);
  }, 20_000);

  it('resumes after stop() without refetching verified pieces', async () => {
    const seeders = await Promise.all([seeder(), seeder(), seeder()]);
    const link = fakeTracker(fx, seeders);
    const first = download(link);
    const halfway = new Promise<void>((resolve) => first.on('pieceVerified', () => first.progress().verified >= 10 && resolve()));
    await first.start();
    await halfway;
    await first.stop();
    await first.stop(); // idempotent
    const kept = first.progress().verified;
    expect(kept).toBeGreaterThanOrEqual(10);
    expect(kept).toBeLessThan(PIECES);

    const second = download(link);
    const fetched = new Set<number>();
    second.on('pieceVerified', ({ index }) => fetched.add(index));
    const path = await completes(second);
    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    expect(fetched.size).toBe(PIECES - kept);
    const blocksOf = (i: number): number => Math.ceil(Math.min(PIECE, SIZE - i * PIECE) / 16_384);
    expect(total(second.blocksFrom)).toBe([...fetched].reduce((a, i) => a + blocksOf(i), 0));
  }, 20_000);
});
