// Robustness scenario 4 (issue 6): peers dying and freezing. Three real client processes seed
// one file; during bob's download one of them (a seeded choice) is killed with SIGKILL at 30 %
// and another frozen with SIGSTOP at 60 % (its sockets stay open and silent, the requests it
// holds are never answered, like a hung machine). The download must finish from the remaining
// peer with the right SHA-1, in reasonable time: a frozen peer may cost the request time-out
// (20 s, download.ts) once, never a stall.
//
// Progress is what bob's shell prints (`show_downloads`, polled): the percentages at which the
// kill and the freeze really happened are printed and recorded (a fast download overshoots).
import path from 'node:path';
import { seededRng } from '@groupshare/protocol';
import type { ClientProcess } from '@groupshare/testkit/client-process';
import { Cleanup, recordFigure, scenarioSeeds, soakMode } from '@groupshare/testkit/scenario';
import { afterEach, expect, it } from 'vitest';
import { completion, GROUP, MiB, peerSwarm, sha1, sha1OfFile } from './peer-swarm.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const SCENARIO = 'peer-death';
/** Big enough that 30 % and 60 % can be seen on the way at loopback speed (≈ 50–100 MiB/s here). */
const SIZE = soakMode ? 192 * MiB : 64 * MiB;
/**
 * From the freeze to completion. The frozen peer's outstanding requests are given up after the
 * request time-out (20 s) at worst, or fetched elsewhere in endgame sooner; 45 s leaves room for
 * a loaded machine and still catches a download that waits on the frozen peer for good.
 */
const FINISH_AFTER_FREEZE_MS = 45_000;

for (const seed of scenarioSeeds()) {
  it(`a seeder killed at 30 % and another frozen at 60 %: the download finishes from the rest (seed ${seed})`, async () => {
    console.log(`${SCENARIO}: seed ${seed} (GROUPSHARE_TEST_SEED=${seed} replays it)`);
    const rng = seededRng(seed);
    const swarm = await peerSwarm(cleanup, { seed, size: SIZE });
    const users = ['alice', 'carol', 'dave'];
    const seeders = await Promise.all(users.map((u) => swarm.member(u)));
    await swarm.upload(seeders[0]!);
    await Promise.all(seeders.slice(1).map((s) => swarm.upload(s)));
    const bob = await swarm.member('bob');
    const { files } = await swarm.owner.ok('list_files', { groupId: GROUP });
    expect(files[0]!.seeders).toBe(3);

    // Which seeder dies and which freezes: a seeded order of the three.
    const left = [...seeders];
    const [killed, frozen, survivor] = [0, 1, 2].map(() => left.splice(Math.floor(rng() * left.length), 1)[0] as ClientProcess) as [ClientProcess, ClientProcess, ClientProcess];
    const started = Date.now();
    const { dir, since } = await swarm.download(bob, 'bob');

    const atKill = await bob.waitForProgress(GROUP, swarm.name, 30, { timeoutMs: 60_000, intervalMs: 10 });
    await killed.kill('SIGKILL');
    const atFreeze = await bob.waitForProgress(GROUP, swarm.name, 60, { timeoutMs: 60_000, intervalMs: 10 });
    frozen.signal('SIGSTOP');
    const frozenAt = Date.now();
    console.log(`${SCENARIO}: ${killed.init.name} killed at ${atKill.percent}%, ${frozen.init.name} frozen at ${atFreeze.percent}%, ${survivor.init.name} stays`);
    // The scenario only means something if both happened during the download.
    expect(atKill.state).toBe('D');
    expect(atFreeze.state).toBe('D');

    const done = await bob.waitFor(completion(swarm.name), { since, timeoutMs: FINISH_AFTER_FREEZE_MS });
    const afterFreeze = (Date.now() - frozenAt) / 1000;
    expect(done[1]).toBe(path.join(dir, swarm.name));
    expect(await sha1OfFile(path.join(dir, swarm.name))).toBe(sha1(swarm.data));
    const sources = await bob.blockSources(since);
    console.log(`${SCENARIO}: ${sources.line.trim()}`);
    // Nobody is blamed for bad data: dying and freezing are not corruption.
    expect(sources.dropped).toEqual([]);
    frozen.signal('SIGCONT');

    recordFigure({ scenario: SCENARIO, seed, name: 'percent at the kill', value: atKill.percent, unit: '%' });
    recordFigure({ scenario: SCENARIO, seed, name: 'percent at the freeze', value: atFreeze.percent, unit: '%' });
    recordFigure({ scenario: SCENARIO, seed, name: 'seconds from the freeze to completion', value: afterFreeze, unit: 's' });
    recordFigure({ scenario: SCENARIO, seed, name: 'seconds to finish', value: (Date.now() - started) / 1000, unit: 's' });
  }, soakMode ? 180_000 : 90_000);
}
