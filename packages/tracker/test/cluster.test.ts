// Trackers of one cluster stay in sync over their replication links: writes on any tracker
// reach the others, clients see the same groups, files and online seeders wherever they
// connect, and a tracker that was down catches up.
import { ticketPublicKey, verifyTicket } from '@groupshare/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { shareFields, testBytes } from './helpers.js';
import { eventually, startCluster, type TestCluster } from './cluster-helpers.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const DATA = testBytes(50_000, 3);

describe('a cluster of trackers', () => {
  it('two trackers: writes on each, one state, and clients see each other across trackers', async () => {
    cluster = await startCluster(2);
    const alice = await cluster.connect(1);
    await alice.ok('register', { userId: 'alice', password: 'alice-password' });
    await cluster.converged();
    const bob = await cluster.connect(2);
    await bob.ok('register', { userId: 'bob', password: 'bob-password' });
    await alice.ok('login', { userId: 'alice', password: 'alice-password', peerAddress: '127.0.0.1:6001' });
    await bob.ok('login', { userId: 'bob', password: 'bob-password', peerAddress: '127.0.0.1:6002' });
    await alice.ok('create_group', { groupId: 'lab' });
    await cluster.converged();

    await bob.ok('join_group', { groupId: 'lab' }); // on tracker 2
    expect((await alice.waitForPush('join_requested')).data).toEqual({ groupId: 'lab', userId: 'bob' }); // pushed on tracker 1
    await alice.ok('accept_request', { groupId: 'lab', userId: 'bob' });
    await bob.waitForPush('request_accepted');
    const { file } = await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));
    await bob.waitForPush('file_shared');

    // Bob, on tracker 2, sees alice's file with alice online as its seeder (presence crosses trackers).
    await eventually(async () => (await bob.ok('list_files', { groupId: 'lab' })).files[0]?.seeders === 1);
    const peers = (await bob.ok('get_peers', { groupId: 'lab', infoHash: file.infoHash })).peers;
    expect(peers.map((p: { userId: string; address: string }) => [p.userId, p.address])).toEqual([['alice', '127.0.0.1:6001']]);
    const digest = await cluster.converged();
    const status = await cluster.trackers[0]!.status();
    expect(status).toMatchObject({ users: 2, groups: 1, files: 1, digest, sync: 'in sync' });
    expect(status.links).toHaveLength(1);
    expect(status.links[0]).toMatchObject({ peer: 2, state: 'live' });

    // A ticket from tracker 2 verifies with the key tracker 1 gave alice: one key per cluster.
    const ticket = (await bob.ok('get_peers', { groupId: 'lab', infoHash: file.infoHash })).ticket;
    const key = ticketPublicKey((await (await cluster.connect(1)).ok('login', { userId: 'alice', password: 'alice-password' })).ticketKey);
    expect(verifyTicket(ticket, key, { groupId: 'lab', infoHash: file.infoHash, nowMs: Date.now() }).ok).toBe(true);

    // Alice logs out on tracker 1: tracker 2 sees her share go offline.
    await alice.ok('logout');
    await eventually(async () => (await bob.ok('list_files', { groupId: 'lab' })).files[0]?.seeders === 0);
  });

  it('three trackers: writes on all three converge to one digest', async () => {
    cluster = await startCluster(3);
    const clients = [await cluster.connect(1), await cluster.connect(2), await cluster.connect(3)];
    await Promise.all(clients.map((c, i) => c.ok('register', { userId: `user${i + 1}`, password: `password-${i + 1}` })));
    await cluster.converged();
    await Promise.all(clients.map((c, i) => c.ok('login', { userId: `user${i + 1}`, password: `password-${i + 1}`, peerAddress: `127.0.0.1:${6001 + i}` })));
    await Promise.all(clients.map((c, i) => c.ok('create_group', { groupId: `group${i + 1}` })));
    await cluster.converged();
    // Everyone asks to join everyone else's group, each on their own tracker.
    for (const [i, c] of clients.entries()) {
      for (const g of [1, 2, 3].filter((g) => g !== i + 1)) await c.ok('join_group', { groupId: `group${g}` });
    }
    await cluster.converged();
    for (const [i, c] of clients.entries()) {
      const requests = (await c.ok('list_requests', { groupId: `group${i + 1}` })).requests.map((r: { userId: string }) => r.userId);
      expect(requests.sort()).toEqual(['user1', 'user2', 'user3'].filter((u) => u !== `user${i + 1}`));
      for (const userId of requests) await c.ok('accept_request', { groupId: `group${i + 1}`, userId });
    }
    await cluster.converged();
    for (const c of clients) {
      const groups = (await c.ok('list_groups')).groups.map((g: { groupId: string; memberCount: number }) => [g.groupId, g.memberCount]);
      expect(groups).toEqual([['group1', 3], ['group2', 3], ['group3', 3]]);
    }
  });

  it('a tracker that was down catches up on start, from the log', async () => {
    cluster = await startCluster(2);
    const alice = await cluster.connect(1);
    await alice.ok('register', { userId: 'alice', password: 'alice-password' });
    await alice.ok('login', { userId: 'alice', password: 'alice-password', peerAddress: '127.0.0.1:6001' });
    await cluster.converged();
    await cluster.stopTracker(2);
    for (let i = 0; i < 30; i++) await alice.ok('create_group', { groupId: `g${i}` });
    expect((await cluster.trackers[0]!.status()).sync).toBe('no peer reachable');
    await cluster.start(2);
    const digest = await cluster.converged();
    expect(await cluster.trackers[1]!.digest()).toBe(digest);
    const late = await cluster.connect(2);
    await late.ok('login', { userId: 'alice', password: 'alice-password' });
    expect((await late.ok('list_groups')).groups).toHaveLength(30);
  });

  it('a tracker with the wrong secret is refused and learns nothing', async () => {
    cluster = await startCluster(2);
    await cluster.stopTracker(2);
    const alice = await cluster.connect(1);
    await alice.ok('register', { userId: 'alice', password: 'alice-password' });
    const intruder = await cluster.start(2, { cluster: { trackers: cluster.ports.map((port) => ({ host: '127.0.0.1', port })), secret: 'not-the-cluster-secret' } });
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await intruder.status()).users).toBe(0);
    expect((await cluster.trackers[0]!.status()).links[0]?.state).not.toBe('live');
  });

  it('the log is compacted once every tracker has it, and a tracker that lost its data catches up from the snapshot', async () => {
    cluster = await startCluster(2, { compaction: { intervalMs: 50, minOps: 1 } });
    const bob = await cluster.connect(2);
    await bob.ok('register', { userId: 'bob', password: 'bob-password' }); // tracker 2 writes too
    const alice = await cluster.connect(1);
    await alice.ok('register', { userId: 'alice', password: 'alice-password' });
    await alice.ok('login', { userId: 'alice', password: 'alice-password', peerAddress: '127.0.0.1:6001' });
    for (let i = 0; i < 20; i++) await alice.ok('create_group', { groupId: `g${i}` });
    const digest = await cluster.converged();
    await eventually(async () => (await cluster!.trackers[0]!.services.store.prisma.opLog.count()) < 5, 10_000);
    expect(cluster.trackers[0]!.services.store.horizon).toBeDefined();
    expect(await cluster.trackers[0]!.digest()).toBe(digest);

    // Tracker 2 loses its disk: it comes back empty and installs tracker 1's snapshot.
    await cluster.stopTracker(2);
    const { rm } = await import('node:fs/promises');
    await rm(cluster.dataDirs[1]!, { recursive: true, force: true });
    await cluster.start(2);
    // It takes a write at once, before or while catching up: under a new origin, so its
    // sequence numbers cannot collide with the ones it used before losing its data.
    const carol = await cluster.connect(2);
    await carol.ok('register', { userId: 'carol', password: 'carol-password' });
    const after = await cluster.converged();
    expect(after).not.toBe(digest);
    const back = await cluster.connect(2);
    await back.ok('login', { userId: 'alice', password: 'alice-password' });
    expect((await back.ok('list_groups')).groups).toHaveLength(20);
    const onOne = await cluster.connect(1);
    await onOne.ok('login', { userId: 'carol', password: 'carol-password' });
    await onOne.ok('logout');
    await onOne.ok('login', { userId: 'bob', password: 'bob-password' });
  });

  it('nothing is compacted while a listed tracker has never been heard from', async () => {
    cluster = await startCluster(3, { compaction: { intervalMs: 60_000, minOps: 1 } });
    await cluster.stopTracker(3);
    const c = await cluster.connect(1);
    await c.ok('register', { userId: 'ann', password: 'ann-password' });
    await cluster.converged();
    // Tracker 3 was up briefly at start; restart 1 and 2 so neither has heard from it since.
    await cluster.stopTracker(1);
    await cluster.stopTracker(2);
    await cluster.start(1);
    await cluster.start(2);
    await cluster.converged();
    expect(await cluster.trackers[0]!.compactor.runOnce()).toBe(0);
    expect(await cluster.trackers[0]!.services.store.prisma.opLog.count()).toBeGreaterThan(0);
  });

  it('a tracker away longer than --evict-after no longer holds compaction back, and catches up from a snapshot if it returns', async () => {
    cluster = await startCluster(3, { compaction: { intervalMs: 50, minOps: 1, evictAfterMs: 1_500 } });
    const alice = await cluster.connect(1);
    await alice.ok('register', { userId: 'alice', password: 'alice-password' });
    await alice.ok('login', { userId: 'alice', password: 'alice-password' });
    await cluster.converged();
    await cluster.stopTracker(3); // and it does not come back for a while
    for (let i = 0; i < 30; i++) await alice.ok('create_group', { groupId: `g${i}` });
    const digest = await cluster.converged();
    // Trackers 1 and 2 compact once tracker 3 has been away 1.5 s: their logs shrink to almost nothing.
    for (const n of [1, 2]) {
      await eventually(async () => (await cluster!.trackers[n - 1]!.services.store.prisma.opLog.count()) < 5, 10_000);
      expect(cluster.trackers[n - 1]!.compactor.evicted.has(3)).toBe(true);
    }
    expect(await cluster.trackers[0]!.digest()).toBe(digest);

    // It returns after all: its log lacks compacted ops, so it installs a snapshot and agrees.
    await cluster.start(3);
    expect(await cluster.converged()).toBe(digest);
    const back = await cluster.connect(3);
    await back.ok('login', { userId: 'alice', password: 'alice-password' });
    expect((await back.ok('list_groups')).groups).toHaveLength(30);
    // Back and live: it is waited for again.
    await eventually(async () => !cluster!.trackers[0]!.compactor.evicted.has(3), 5_000);
  });
});
