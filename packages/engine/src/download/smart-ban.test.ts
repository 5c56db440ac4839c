// Smart ban (smart-ban.ts, driven by swarm.ts) over real loopback, with pieces of 16 blocks: the picker finishes started
// pieces first, and a fresh peer's pipeline is at least 4 deep, so two fast seeders fill the same
// piece block by block and nearly every piece mixes their blocks. A seeder whose copy has rotted
// (one byte flipped in one block of every piece) then makes pieces fail that an honest seeder
// contributed to. Striking every contributor of a failed piece would drop the honest seeder after
// a few such pieces; the smart ban must drop only the seeder whose block differs.
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BLOCK_SIZE, seededRng } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { seedBlockSource, type BlockSource } from '../peer/index.js';
import { sharedFile, type SharedFixture } from '../../test/peer-harness.js';
import type { Download } from './download.js';
import { completes, corruptSource, fakeTracker, sha1Of, startSeeder, testDownload } from '../../test/download-support.js';

const BLOCKS_PER_PIECE = 16;
const PIECE = BLOCKS_PER_PIECE * BLOCK_SIZE; // 256 KiB
const SIZE = 4 * 1024 * 1024 + 100_000; // 17 pieces, the last one 7 blocks
const PIECES = Math.ceil(SIZE / PIECE);

let fx: SharedFixture;
let dest: string;
/** Who served each block first (`index:block` → address): what each piece's first attempt was made of. */
let firstServed: Map<string, string>;
const cleanups: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  fx = await sharedFile(SIZE, PIECE);
  dest = await fsp.mkdtemp(join(tmpdir(), 'gs-smart-ban-'));
  firstServed = new Map();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await fx.cleanup();
  await fsp.rm(dest, { recursive: true, force: true });
});

/** A seeder on loopback, recording into {@link firstServed}. */
interface Seeder {
  address: string;
}

async function seeder(source: BlockSource): Promise<Seeder> {
  const me: Seeder = { address: '' };
  const recorded: BlockSource = {
    have: source.have,
    readBlock: (i, b, l) => {
      const key = `${i}:${b / BLOCK_SIZE}`;
      if (!firstServed.has(key)) firstServed.set(key, me.address);
      return source.readBlock(i, b, l);
    },
  };
  const s = await startSeeder(fx, recorded);
  cleanups.push(() => s.server.stop());
  me.address = s.address;
  return me;
}

/**
 * Bit rot: the block of piece `i` with one byte flipped, shifted by `shift` so that two rotten
 * copies differ. It moves from piece to piece because which peer gets which blocks of a shared
 * piece follows a steady pattern (the two pipelines alternate in pairs of blocks): with block 5
 * rotten in every piece, the honest seeder sometimes got block 5 of each piece the two shared and
 * the rotten one never sent a bad block (1 run in 30).
 */
const rotOf = (i: number, shift = 0): number => (i + shift) % BLOCKS_PER_PIECE;
const honest = (): Promise<Seeder> => seeder(seedBlockSource(fx.seed));
const rotten = (shift = 0): Promise<Seeder> =>
  seeder(corruptSource(fx, (i, begin) => begin === rotOf(i, shift) * BLOCK_SIZE));

function download(seeders: readonly Seeder[]): Download {
  const d = testDownload(fakeTracker(fx, seeders), dest, { rng: seededRng(0x5eed), haveBatchMs: 100 });
  cleanups.push(() => d.stop());
  return d;
}

/**
 * As `completes`, but rejects as soon as one of `honest` is dropped for bad data: with every
 * peer dropped the download would only stall until the test timed out.
 */
async function completesKeeping(d: Download, honest: readonly Seeder[]): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const dropped = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const hit = honest.find((s) => d.bannedPeers.has(s.address));
      if (hit !== undefined) reject(new Error(`honest seeder ${hit.address} dropped; dropped: ${[...d.bannedPeers].join(', ')}`));
    }, 10);
  });
  try {
    return await Promise.race([completes(d), dropped]);
  } finally {
    clearInterval(timer);
  }
}

/** Pieces whose first attempt had its rotten block (at `rotOf(i, shift)`) from `bad` and another block from `from`. */
function mixedFailures(bad: Seeder, shift: number, from: Seeder): number[] {
  return Array.from({ length: PIECES }, (_, i) => i).filter((i) => {
    if (firstServed.get(`${i}:${rotOf(i, shift)}`) !== bad.address) return false;
    return [...firstServed].some(([key, by]) => by === from.address && key.startsWith(`${i}:`));
  });
}

describe('smart ban (pieces of 16 blocks from several peers)', () => {
  it('drops only the seeder with a rotten block in every piece, not the honest one sharing its pieces', async () => {
    const bad = await rotten();
    const good = await honest();
    const d = download([bad, good]);

    const path = await completesKeeping(d, [good]);

    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    expect([...d.bannedPeers]).toEqual([bad.address]);
    expect(d.blocksFrom.get(good.address) ?? 0).toBeGreaterThan(0);
    // The premise: pieces failed with blocks of both seeders in them.
    expect(mixedFailures(bad, 0, good).length).toBeGreaterThan(0);
    // Each failed hash check is counted (the client's pieces_failed metric).
    expect(d.piecesFailed).toBeGreaterThan(0);
  }, 20_000);

  it('drops both rotten seeders and never the honest one', async () => {
    const bad = [await rotten(0), await rotten(BLOCKS_PER_PIECE / 2)];
    const good = await honest();
    const d = download([...bad, good]);

    const path = await completesKeeping(d, [good]);

    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    expect(new Set(d.bannedPeers)).toEqual(new Set(bad.map((s) => s.address)));
    expect(d.blocksFrom.get(good.address) ?? 0).toBeGreaterThan(0);
  }, 20_000);

  // Not tested: a rotten seeder as the only holder of a piece. Every piece it has is rotten, so
  // that piece can never verify, and once dropped the seeder is not reconnected: such a download
  // cannot complete by construction.
});
