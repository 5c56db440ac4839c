// A tracker evicted from the compaction horizon that went on accepting writes on its own: when
// it returns and installs the others' snapshot, none of the writes it acknowledged is lost, and
// the three trackers agree (docs/replication.md, "Evicting a tracker that stays away").
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, SECRET, startCluster, type TestCluster } from './cluster-helpers.js';
import { freePort, WsClient } from '../src/testing/index.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const COMPACTION = { intervalMs: 50, minOps: 1, evictAfterMs: 1_500 };

describe('an evicted tracker that made writes on its own', () => {
  it('keeps every write it acknowledged while the others compacted past them, and all three agree', async () => {
    cluster = await startCluster(3, { compaction: COMPACTION });
    const alice = await cluster.connect(1);
    await alice.ok('register', { userId: 'alice', password: 'alice-password' });
    await cluster.converged();

    // Tracker 3 restarts on its own data cut off from the others (on another port, and their
    // addresses lead nowhere) and acknowledges writes nobody else receives: a registration, and
    // groups made under it and under an account the others know. It never evicts them, so it
    // does not compact alone.
    await cluster.stopTracker(3);
    const [port, ...nowhere] = await Promise.all([freePort(), freePort(), freePort()]);
    await cluster.start(3, {
      port,
      cluster: { trackers: [...nowhere, port].map((p) => ({ host: '127.0.0.1', port: p! })), secret: SECRET },
      compaction: { ...COMPACTION, evictAfterMs: 3_600_000 },
    });
    const isolated = (): Promise<WsClient> => WsClient.connect(`ws://127.0.0.1:${port}/ws`);
    const carol = await isolated();
    await carol.ok('register', { userId: 'carol', password: 'carol-password' });
    await carol.ok('login', { userId: 'carol', password: 'carol-password' });
    await carol.ok('create_group', { groupId: 'carols-lab' });
    const aliceOn3 = await isolated();
    await aliceOn3.ok('login', { userId: 'alice', password: 'alice-password' });
    await aliceOn3.ok('create_group', { groupId: 'made-on-3' });

    // Meanwhile trackers 1 and 2 go on, evict tracker 3 and compact past its writes.
    await alice.ok('login', { userId: 'alice', password: 'alice-password' });
    for (let i = 0; i < 10; i++) await alice.ok('create_group', { groupId: `g${i}` });
    for (const n of [1, 2]) {
      const tracker = cluster.trackers[n - 1]!;
      await eventually(async () => tracker.compactor.evicted.has(3) && (await tracker.services.store.prisma.opLog.count()) < 5, 10_000);
    }
    const horizon = cluster.trackers[0]!.services.store.horizon!;
    const carolsOps = await cluster.trackers[2]!.services.store.prisma.opLog.findMany({ where: { op: { contains: 'carol' } } });
    expect(carolsOps.length).toBeGreaterThan(0);
    expect(carolsOps.every((r) => r.hlc <= horizon)).toBe(true); // the case: below what the others compacted

    // Tracker 3 comes back into the cluster.
    carol.close();
    aliceOn3.close();
    await cluster.stopTracker(3);
    await cluster.start(3);
    await cluster.converged();
    for (const n of [1, 2, 3]) {
      const client = await cluster.connect(n);
      await client.ok('login', { userId: 'carol', password: 'carol-password' });
      const groups = (await client.ok('list_groups')).groups as Array<{ groupId: string; owner: string }>;
      expect(groups.map((g) => [g.groupId, g.owner])).toEqual([
        ['carols-lab', 'carol'],
        ...Array.from({ length: 10 }, (_, i) => [`g${i}`, 'alice']),
        ['made-on-3', 'alice'],
      ]);
    }
    // Logging in again above was a write on each tracker: they still agree afterwards.
    await cluster.converged();
  });
});
