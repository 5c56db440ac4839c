// Regression (found by the peer-evil robustness scenario, issue 6): a failed piece's suspects
// must not stay banned from it once the peer it was retried from is gone.
//
// When a piece mixing blocks of several peers fails, swarm.ts bans every contributor from that
// piece except one, chosen at random, to retry it from. If that one was the corrupting peer, it
// is soon dropped for bad data, and the honest contributor stayed banned from the piece. The bans
// were lifted only when no request at all was in flight, which never happens while a peer that
// advertises everything and never answers (a black hole) keeps getting requests again after each
// time-out: the download stalled at 59 of 64 pieces in the scenario, fetching at best one piece
// per request time-out.
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BLOCK_SIZE, seededRng } from '@groupshare/protocol';
import { afterEach, beforeEach, expect, it } from 'vitest';

import { seedBlockSource, type BlockSource } from '../peer/index.js';
import { sharedFile, type SharedFixture } from '../../test/peer-harness.js';
import { completes, corruptSource, fakeTracker, sha1Of, startSeeder, testDownload } from '../../test/download-support.js';

const PIECE = 16 * BLOCK_SIZE; // 16 blocks: two seeders' pipelines fill the same piece, so pieces mix
const SIZE = 4 * 1024 * 1024;

let fx: SharedFixture;
let dest: string;
const cleanups: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  fx = await sharedFile(SIZE, PIECE);
  dest = await fsp.mkdtemp(join(tmpdir(), 'gs-smart-ban-retry-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await fx.cleanup();
  await fsp.rm(dest, { recursive: true, force: true });
});

async function seeder(source: BlockSource): Promise<string> {
  const s = await startSeeder(fx, source);
  cleanups.push(() => s.server.stop());
  return s.address;
}

/** Has every piece, never sends a block: each read waits forever. */
const blackHole = (): BlockSource => ({ have: seedBlockSource(fx.seed).have, readBlock: () => new Promise<Buffer>(() => {}) });

for (const seed of [1, 2, 3, 4, 5, 6]) {
  it(`a corrupting, an honest and a black-hole seeder: completes, the corrupting one dropped (rng seed ${seed})`, async () => {
    const corrupt = await seeder(corruptSource(fx));
    const honest = await seeder(seedBlockSource(fx.seed));
    const hole = await seeder(blackHole());
    const d = testDownload(fakeTracker(fx, [{ address: corrupt }, { address: honest }, { address: hole }]), dest, { rng: seededRng(seed), haveBatchMs: 100 });
    cleanups.push(() => d.stop());
    // Without the fix this stalls (one piece per 2 s request time-out at best, often none).
    const path = await Promise.race([
      completes(d),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`stalled at ${d.progress().verified}/${d.progress().total} pieces`)), 8_000)),
    ]);
    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    expect([...d.bannedPeers]).toEqual([corrupt]);
  }, 15_000);
}

