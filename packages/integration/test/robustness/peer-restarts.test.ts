// Robustness scenario 5 (issue 6): a downloader killed with kill -9 again and again during one
// download (nine times under `pnpm soak`, three in the regular suite) finishes with the right
// SHA-1, and what it fetched twice is no more than the pieces in flight at each kill.
//
// The seeders are two ScriptedPeers (testkit), honest and rate-limited so the download lasts
// long enough to be killed at seeded moments; they are the only holders, so everything the
// downloader receives passes through them and they count it from outside the client:
// - every block they serve, stamped with the epoch (how many kills so far);
// - every piece the downloader announces to them (`have` after verification, and the bitfield a
//   restarted client opens with). A piece is announced only after its journal record is written,
//   so "announced before kill k" is a lower bound on what the client had verified then.
//
// What is asserted:
// 1. the file completes with the right SHA-1, and every restart keeps every piece announced
//    before the kill ("resuming … (N of M pieces already here)", N ≥ announced);
// 2. no block of a piece announced before a kill is served again after it (zero, not a bound);
// 3. bytes served again across kills ≤ Σ over kills of (pieces in flight at that kill × piece
//    length), where "in flight" means a block of it was served to the killed process and it was
//    not announced before the kill: a piece being assembled in memory (swarm.ts keeps pieces whole
//    until they verify) or among the ≤ MAX_PENDING_WRITES (16) queued for the disk. Nothing else
//    may be fetched twice.
import path from 'node:path';
import { seededRng } from '@groupshare/protocol';
import { sleep } from '@groupshare/tracker/testing';
import type { ScriptedPeer } from '@groupshare/testkit/peers';
import { Cleanup, fileFixture, recordFigure, scenarioSeeds, soakMode } from '@groupshare/testkit/scenario';
import { afterEach, expect, it } from 'vitest';
import { completion, GROUP, KiB, MiB, peerSwarm, sha1, sha1OfFile } from './peer-swarm.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const SCENARIO = 'peer-restarts';
const KILLS = soakMode ? 9 : 3;
const SIZE = soakMode ? 32 * MiB : 6 * MiB;
const PIECE_LENGTH = soakMode ? 128 * KiB : 64 * KiB;
/**
 * Per seeder. Regular: 2 × 60 × 16 KiB ≈ 1.9 MiB/s, a 6 MiB download is about 3 s of transfer.
 * Soak: 2 × 150 ≈ 4.7 MiB/s over 32 MiB, about 7 s: deeper pipelines (the engine sizes them by
 * rate), so more is in flight at each kill.
 */
const BLOCKS_PER_SECOND = soakMode ? 150 : 60;

for (const seed of scenarioSeeds()) {
  it(`a downloader killed ${KILLS} times with kill -9 finishes correctly, fetching again only what was in flight (seed ${seed})`, async () => {
    console.log(`${SCENARIO}: seed ${seed} (GROUPSHARE_TEST_SEED=${seed} replays it)`);
    const started = Date.now();
    const rng = seededRng(seed);
    const swarm = await peerSwarm(cleanup, { seed, size: SIZE });
    const bob = await swarm.member('bob');
    const fixture = fileFixture(GROUP, swarm.name, swarm.data, PIECE_LENGTH);
    const seeders: ScriptedPeer[] = [];
    for (const user of ['seed-1', 'seed-2']) seeders.push(await swarm.scripted(user, { kind: 'honest', blocksPerSecond: BLOCKS_PER_SECOND }, fixture));
    const pieces = fixture.pieceCount;
    const announced = (): Set<number> => new Set(seeders.flatMap((s) => [...s.announced.keys()]));
    const servedIn = (epoch: number): Set<number> => new Set(seeders.flatMap((s) => s.served.filter((b) => b.epoch === epoch).map((b) => b.index)));

    // Kill k happens once a seeded number of pieces is announced: one random point in each of
    // KILLS equal slices of the download, so kills are spread out and never bunched at the end.
    const targets = Array.from({ length: KILLS }, (_, k) => Math.max(1, Math.floor(((k + 0.15 + 0.7 * rng()) / (KILLS + 1)) * pieces)));
    let client = bob;
    const { dir, since: first } = await swarm.download(bob, 'bob');
    let since = first;
    const inFlightAtKill: number[] = [];
    for (const [k, target] of targets.entries()) {
      await seeders[0]!.waitFor(`${target} pieces announced`, () => announced().size >= target, 60_000);
      // Then a seeded moment within the next 300 ms, so kills also land mid-piece, not just after a `have`.
      await sleep(Math.floor(rng() * 300));
      await client.kill('SIGKILL');
      // Everything the killed process sent is read once its connections are closed.
      await Promise.all(seeders.map((s) => s.allClosed()));
      const had = announced();
      const inFlight = [...servedIn(k)].filter((i) => !had.has(i)).length;
      inFlightAtKill.push(inFlight);
      console.log(`${SCENARIO}: kill ${k + 1} at ${had.size}/${pieces} pieces announced (target ${target}), ${inFlight} pieces in flight`);
      for (const s of seeders) s.epoch = k + 1;
      ({ client, since } = await swarm.restart('bob'));
      const resumed = await client.waitFor(/^resuming the download of data\.bin from lab \((\d+) of (\d+) pieces already here\)/, { since, timeoutMs: 15_000 });
      expect(Number(resumed[1])).toBeGreaterThanOrEqual(had.size);
    }
    const done = await client.waitFor(completion(swarm.name), { since, timeoutMs: 60_000 });
    expect(done[1]).toBe(path.join(dir, swarm.name));
    expect(await sha1OfFile(path.join(dir, swarm.name))).toBe(sha1(swarm.data));
    const seconds = (Date.now() - started) / 1000;

    // Per block: the epochs it was served in. Served in n epochs = fetched again n − 1 times.
    const epochsOf = new Map<string, Set<number>>();
    let duplicatesWithinEpoch = 0;
    for (const s of seeders) {
      for (const b of s.served) {
        const key = `${b.index}:${b.begin}`;
        const set = epochsOf.get(key) ?? new Set<number>();
        if (set.has(b.epoch)) duplicatesWithinEpoch += b.length; // endgame: the same block from both seeders
        set.add(b.epoch);
        epochsOf.set(key, set);
      }
    }
    let refetched = 0;
    const lengthOf = new Map<string, number>(seeders.flatMap((s) => s.served.map((b) => [`${b.index}:${b.begin}`, b.length])));
    for (const [key, epochs] of epochsOf) refetched += (epochs.size - 1) * lengthOf.get(key)!;
    // Blocks of pieces announced before a kill, served after it: must be none.
    const announcedIn = new Map<number, number>();
    for (const s of seeders) for (const [i, e] of s.announced) announcedIn.set(i, Math.min(e, announcedIn.get(i) ?? Infinity));
    const afterVerified = seeders.flatMap((s) => s.served.filter((b) => b.epoch > (announcedIn.get(b.index) ?? Infinity)));
    const bound = inFlightAtKill.reduce((a, b) => a + b, 0) * PIECE_LENGTH;

    recordFigure({ scenario: SCENARIO, seed, name: 'bytes fetched twice', value: refetched, unit: 'B' });
    recordFigure({ scenario: SCENARIO, seed, name: 'bound: pieces in flight at the kills × piece length', value: bound, unit: 'B' });
    recordFigure({ scenario: SCENARIO, seed, name: 'most pieces in flight at one kill', value: Math.max(...inFlightAtKill), unit: 'pieces' });
    recordFigure({ scenario: SCENARIO, seed, name: 'endgame duplicates (same process)', value: duplicatesWithinEpoch, unit: 'B' });
    recordFigure({ scenario: SCENARIO, seed, name: 'seconds to finish with restarts', value: seconds, unit: 's' });
    expect(afterVerified).toEqual([]);
    expect(refetched).toBeLessThanOrEqual(bound);
  }, soakMode ? 240_000 : 60_000);
}
