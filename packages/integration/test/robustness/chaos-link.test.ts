// Robustness scenario 3, chaotic replication links: three trackers; tracker 1's links to 2 and
// 3 run through TcpProxies that play seeded chaos schedules (delays with jitter, blackholes,
// duplicated and dropped chunks, resets that make resent ops arrive after newer ones) for 60 s
// under `pnpm soak`, 5 s in the regular suite, while a writer writes on all three. Within 5 s
// of the calm, one digest, and no acknowledged write lost or doubled. Then tracker 3's data is
// wiped and it catches up from nothing, applying the whole log again: the digest must not move.
import { afterEach, expect, it } from 'vitest';
import { seededRng } from '@groupshare/protocol';
import { eventually, ProcessCluster } from '@groupshare/tracker/testing';
import { chaosSchedule, describeSchedule, runChaos, TcpProxy } from '@groupshare/testkit/faults';
import { checkHistory, History, Traffic } from '@groupshare/testkit/history';
import { Cleanup, recordFigure, scenarioSeeds, soakMode } from '@groupshare/testkit/scenario';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const SCENARIO = 'chaos-link';
const CHAOS_MS = soakMode ? 60_000 : 5_000;

for (const seed of scenarioSeeds()) {
  it(`${CHAOS_MS / 1000} s of chaos on the replication links: one digest within 5 s of the calm; replaying the whole log changes nothing (seed ${seed})`, async () => {
    const random = seededRng(seed);
    const schedules = [2, 3].map(() => chaosSchedule(Math.floor(random() * 2 ** 31), { durationMs: CHAOS_MS }));
    console.log(`${SCENARIO} seed ${seed} (GROUPSHARE_TEST_SEED=${seed} replays)`);
    schedules.forEach((s, i) => console.log(`link 1-${i + 2}:\n${describeSchedule(s)}`));

    const cluster = cleanup.add(await ProcessCluster.create({ size: 3 }));
    const proxies = await Promise.all(
      [2, 3].map(async (n) => cleanup.add(await TcpProxy.start({ target: { host: '127.0.0.1', port: cluster.ports[n - 1]! }, seed: seed + n }))),
    );
    // Tracker 1 dials 2 and 3 through the proxies; 2 dials 3 directly, so ops also take a
    // second route, and arrive out of order whenever one link stalls or resets.
    await cluster.setTrackerInfo(1, [cluster.address(1), proxies[0]!.address, proxies[1]!.address]);
    await cluster.startAll();
    await eventually('tracker 1 in sync through both proxies', async () => (await cluster.status(1)).sync === 'in sync', 10_000);

    const history = new History();
    const traffic = await Traffic.start({ cluster, history, trackers: [1, 2, 3], random, intervalMs: 50 });
    cleanup.defer(() => traffic.stop());
    traffic.run();
    const runs = proxies.map((proxy, i) => runChaos([proxy], schedules[i]!));
    cleanup.defer(() => runs.forEach((r) => r.stop()));
    await Promise.all(runs.map((r) => r.done));
    const calmAt = Date.now();
    await traffic.stop();

    const checkStart = Date.now();
    const result = await checkHistory(history, {
      cluster,
      trackers: [1, 2, 3],
      readers: (n) => [traffic.reader(n)],
      convergeTimeoutMs: Math.max(500, 5_000 - (checkStart - calmAt)),
    });
    const convergedMs = checkStart + result.convergeMs - calmAt;
    const stats = proxies.map((p) => p.stats);
    const total = (k: keyof (typeof stats)[0]) => stats.reduce((sum, s) => sum + s[k], 0);
    console.log(
      `${SCENARIO} seed ${seed}: ${history.summary()}; proxies: ${total('resets')} resets, ${total('dropped')} chunks dropped, ` +
        `${total('duplicated')} duplicated, ${total('delayed')} delayed; one digest ${convergedMs} ms after the calm`,
    );
    expect(convergedMs).toBeLessThan(5_000);
    expect(history.with('acked').length).toBeGreaterThan(0);

    // Replay: tracker 3 starts again from an empty data directory and folds in every op the
    // others hold (its own old ones included, which they kept). Same ops, same state.
    await cluster.kill(3);
    await cluster.wipe(3);
    const replayAt = Date.now();
    await cluster.start(3);
    const startMs = Date.now() - replayAt;
    const replayed = await cluster.waitConverged([1, 2, 3], 30_000);
    const replayMs = Date.now() - replayAt;
    expect(replayed.digest).toBe(result.digest);
    console.log(`${SCENARIO} seed ${seed}: tracker 3 rebuilt from the whole log in ${replayMs} ms (${startMs} ms of them to start), digest unchanged`);

    recordFigure({ scenario: SCENARIO, seed, name: 'converged after calm', value: convergedMs, unit: 'ms' });
    recordFigure({ scenario: SCENARIO, seed, name: 'writes acknowledged', value: history.with('acked').length, unit: 'writes' });
    recordFigure({ scenario: SCENARIO, seed, name: 'link resets', value: total('resets'), unit: 'resets' });
    recordFigure({ scenario: SCENARIO, seed, name: 'whole-log replay after start-up', value: replayMs - startMs, unit: 'ms' });
  });
}
