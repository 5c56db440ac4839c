// Robustness scenario 7 (issue 6): evil peers. Besides one honest seeder, three members share the
// file and misbehave: one answers every request at once with corrupted bytes, one advertises
// every piece, unchokes and never answers (a black hole), one trickles its answers at 1 byte a
// second. All are ScriptedPeers (testkit) admitted like members (account, accepted join,
// share_file, ticket), so the tracker lists all four as seeders and bob's real client dials them.
//
// The download must finish with the right SHA-1 and in reasonable time: no longer than the
// honest seeder alone needs (its rate is capped, so that is known in advance) × 1.5, plus one
// request time-out (20 s, download.ts) for blocks stuck at the black hole or the trickler, plus
// 10 s of slack for a loaded machine. The corrupting peer must be dropped for bad data and the
// other two must not be (they sent nothing wrong, only nothing useful).
import path from 'node:path';
import { seededRng } from '@groupshare/protocol';
import type { PeerBehaviour } from '@groupshare/testkit/peers';
import { Cleanup, fileFixture, recordFigure, scenarioSeeds, soakMode } from '@groupshare/testkit/scenario';
import { afterEach, expect, it } from 'vitest';
import { completion, GROUP, KiB, MiB, peerSwarm, sha1, sha1OfFile } from './peer-swarm.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const SCENARIO = 'peer-evil';
/** Soak: a download of about 40 s, so the trickler and the black hole are around for long. */
const SIZE = soakMode ? 24 * MiB : 4 * MiB;
const HONEST_BLOCKS_PER_SECOND = soakMode ? 40 : 160;
const PIECE_LENGTH = 64 * KiB;
const REQUEST_TIMEOUT_S = 20;

for (const seed of scenarioSeeds()) {
  it(`a corrupting, a silent and a trickling peer: the download still finishes correctly and in time (seed ${seed})`, async () => {
    console.log(`${SCENARIO}: seed ${seed} (GROUPSHARE_TEST_SEED=${seed} replays it)`);
    const swarm = await peerSwarm(cleanup, { seed, size: SIZE });
    const fixture = fileFixture(GROUP, swarm.name, swarm.data, PIECE_LENGTH);
    const bob = await swarm.member('bob');
    const honest = await swarm.scripted('honest', { kind: 'honest', blocksPerSecond: HONEST_BLOCKS_PER_SECOND }, fixture);
    // Corrupting every block, or one in three (its good blocks then mix with honest ones in a
    // piece, and the smart ban must work out whose block was bad): a seeded choice.
    const every = seededRng(seed)() < 0.5 ? 1 : 3;
    console.log(`${SCENARIO}: the corrupting peer flips bytes in ${every === 1 ? 'every block' : `one block in ${every}`}`);
    const evil: Record<string, PeerBehaviour> = { corrupt: { kind: 'corrupt', every }, silent: { kind: 'silent' }, trickle: { kind: 'trickle', bytesPerSecond: 1 } };
    const peers = Object.fromEntries(await Promise.all(Object.entries(evil).map(async ([user, b]) => [user, await swarm.scripted(user, b, fixture)] as const)));
    const { files } = await swarm.owner.ok('list_files', { groupId: GROUP });
    expect(files[0]!.seeders).toBe(4);

    const alone = (SIZE / (16 * KiB)) / HONEST_BLOCKS_PER_SECOND;
    const limit = alone * 1.5 + REQUEST_TIMEOUT_S + 10;
    const started = Date.now();
    const { dir, since } = await swarm.download(bob, 'bob');
    const done = await bob.waitFor(completion(swarm.name), { since, timeoutMs: limit * 1000 });
    const seconds = (Date.now() - started) / 1000;
    expect(done[1]).toBe(path.join(dir, swarm.name));
    expect(await sha1OfFile(path.join(dir, swarm.name))).toBe(sha1(swarm.data));
    const sources = await bob.blockSources(since);
    console.log(`${SCENARIO}: ${seconds.toFixed(1)} s (honest seeder alone: ${alone.toFixed(1)} s); ${sources.line.trim()}`);
    console.log(`${SCENARIO}: requests received: corrupt ${peers.corrupt!.requests}, silent ${peers.silent!.requests}, trickle ${peers.trickle!.requests}; the trickler sent ${peers.trickle!.served.length} frames' first bytes`);
    // Each evil peer was really asked (dialled, admitted, requested from), or the scenario tested nothing.
    for (const user of Object.keys(evil)) expect({ user, asked: peers[user]!.requests > 0 }).toEqual({ user, asked: true });
    expect(sources.dropped).toEqual([peers.corrupt!.address]);
    expect(honest.served.length).toBeGreaterThan(0);

    recordFigure({ scenario: SCENARIO, seed, name: 'seconds to finish', value: seconds, unit: 's' });
    recordFigure({ scenario: SCENARIO, seed, name: 'seconds the honest seeder alone needs', value: alone, unit: 's' });
    recordFigure({ scenario: SCENARIO, seed, name: 'blocks served by the corrupting peer before the ban', value: peers.corrupt!.served.length, unit: 'blocks' });
  }, soakMode ? 180_000 : 60_000);
}
