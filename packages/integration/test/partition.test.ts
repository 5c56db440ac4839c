// Two tracker processes cut apart by a TcpProxy on the replication link (tracker 1 dials
// tracker 2 through it): regressions found with partitions. The partition scenario itself
// (writes and conflicts on both sides, one digest after the heal, rules applied and reported)
// is test/robustness/partition.test.ts.
import { afterEach, expect, it } from 'vitest';
import { eventually, ProcessCluster, signUp, sleep } from '@groupshare/tracker/testing';
import { TcpProxy } from '@groupshare/testkit/faults';
import { Cleanup } from '@groupshare/testkit/scenario';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Two trackers whose only replication link runs through a proxy, live and in sync. */
async function partitionableCluster(): Promise<{ cluster: ProcessCluster; proxy: TcpProxy }> {
  const cluster = cleanup.add(await ProcessCluster.create({ size: 2 }));
  const proxy = cleanup.add(await TcpProxy.start({ target: { host: '127.0.0.1', port: cluster.ports[1]! } }));
  // Tracker 1 dials "tracker 2" at the proxy; tracker 2 only accepts, so it keeps the real list.
  await cluster.setTrackerInfo(1, [cluster.address(1), proxy.address]);
  await cluster.startAll();
  await eventually('tracker 1 in sync with tracker 2 through the proxy', async () => (await cluster.status(1)).sync === 'in sync');
  expect(proxy.connections).toBe(1);
  return { cluster, proxy };
}

/**
 * ann (tracker 1) owns "lab"; bob (tracker 2) has asked to join and is online. Returns once
 * both trackers hold that.
 */
async function pendingRequest(cluster: ProcessCluster) {
  const ann = await cluster.connect(1);
  await signUp(ann, 'ann', '127.0.0.1:7001');
  await ann.ok('create_group', { groupId: 'lab' });
  const bob = await cluster.connect(2);
  await signUp(bob, 'bob', '127.0.0.1:7002');
  await cluster.waitConverged([1, 2]);
  await bob.ok('join_group', { groupId: 'lab' });
  await ann.waitForPush('join_requested', (d) => d.userId === 'bob');
  await cluster.waitConverged([1, 2]);
  return { ann, bob };
}

// Regression: a state rebuild used to drop the pushes of the ops it had just received.
it('an accept made during a partition is pushed to the requester, online on the other tracker, after the heal', async () => {
  const { cluster, proxy } = await partitionableCluster();
  const { ann, bob } = await pendingRequest(cluster);

  proxy.setMode('blackhole');
  await ann.ok('accept_request', { groupId: 'lab', userId: 'bob' });
  await sleep(20);
  await bob.ok('create_group', { groupId: 'south' }); // a later op of bob's, on his side
  proxy.heal();
  await cluster.waitConverged([1, 2], 5_000);
  // The state is right: bob is a member ...
  expect((await bob.ok('list_groups')).groups.find((g) => g.groupId === 'lab')?.membership).toBe('member');
  // ... but he is never told (pushes are delivered as the op is applied, so 1 s is plenty).
  await bob.waitForPush('request_accepted', (d) => d.groupId === 'lab', 1_000);
});

// Regression: status used to say 'in sync' until the heartbeat dropped the silent link.
it('during a silent partition, /status stops claiming "in sync" within 2 s of an unacknowledged write', async () => {
  const { cluster, proxy } = await partitionableCluster();
  const ann = await cluster.connect(1);
  await signUp(ann, 'ann', '127.0.0.1:7001');
  await cluster.waitConverged([1, 2]);

  proxy.setMode('blackhole');
  await ann.ok('create_group', { groupId: 'north' }); // tracker 2 cannot get this one
  await eventually('tracker 1 admits it is not in sync', async () => (await cluster.status(1)).sync !== 'in sync', 2_000);
});
