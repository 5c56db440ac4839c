// Console writes are replicated ops: what the operator does on one tracker holds on every
// tracker of the cluster, including logging out the clients connected elsewhere.
import { afterEach, describe, expect, it } from 'vitest';
import type { Tracker } from '../src/index.js';
import { eventually, exchange, startCluster, type TestCluster } from './cluster-helpers.js';
import { passwordFile, startTestConsole } from './console-helpers.js';
import { loggedIn, shareFields, startTestTracker, testBytes, type TestTracker } from './helpers.js';

let cluster: TestCluster | undefined;
const started: TestTracker[] = [];
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  for (const t of started.splice(0)) await t.stop();
});

const DATA = testBytes(30_000, 11);
/** A user's row of list_users, as cells. */
const userRow = (listing: string, userId: string) => listing.split('\n').find((l) => l.startsWith(`${userId} `))?.split(/ {2,}/);

describe('console writes across a cluster', () => {
  it('registration, add_user, reset_password and remove_user on tracker 1 hold on tracker 2, and end sessions there', async () => {
    cluster = await startCluster(2);
    const [t1, t2] = cluster.trackers as [Tracker, Tracker];
    const con1 = startTestConsole(t1);
    const con2 = startTestConsole(t2);
    const dir = cluster.dataDirs[0]!;

    expect(await con1.run('registration closed')).toBe('registration is now closed on every tracker of the cluster\n');
    await cluster.converged();
    expect(await con2.run('registration')).toMatch(/^registration is closed/);
    const stranger = await cluster.connect(2);
    expect(await stranger.fails('register', { userId: 'zed', password: 'zed-password-1' })).toBe('ERR_REGISTRATION_CLOSED');

    expect(await con1.run(`add_user bob --password-file ${await passwordFile(dir, 'bob-password-1')}`)).toBe('added user bob\n');
    expect(await con1.run(`add_user cy --password-file ${await passwordFile(dir, 'cy-password-1', 'cy.txt')}`)).toBe('added user cy\n');
    await cluster.converged();
    const bob = await cluster.connect(2);
    await bob.ok('login', { userId: 'bob', password: 'bob-password-1', peerAddress: '127.0.0.1:6002' });
    const cy = await cluster.connect(1);
    await cy.ok('login', { userId: 'cy', password: 'cy-password-1', peerAddress: '127.0.0.1:6003' });
    await bob.ok('create_group', { groupId: 'lab' });
    await cy.ok('join_group', { groupId: 'lab' });
    await cluster.converged();
    await bob.ok('accept_request', { groupId: 'lab', userId: 'cy' });
    await bob.ok('share_file', shareFields('lab', 'data.bin', DATA));
    await cluster.converged();

    // Tracker 1 knows bob is online on tracker 2, and when he logged in there.
    await eventually(async () => userRow(await con1.run('list_users'), 'bob')?.at(-1) === 'yes');
    const row = userRow(await con1.run('list_users'), 'bob')!;
    expect(row[2]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(row[3]).toBe('lab');
    expect(await con1.run('list_groups')).toBe('group  owner  members  files\nlab    bob    2        1\n');

    // A new password set on tracker 1 logs bob out on tracker 2 within a second.
    expect(await con1.run(`reset_password bob --password-file ${await passwordFile(dir, 'bob-password-2', 'bob2.txt')}`)).toBe(
      'new password set for bob; 1 session ended\n',
    );
    await bob.waitForPush('session_ended', (d) => /reset your password/.test(d.reason), 1_000);
    expect(await bob.fails('list_groups')).toBe('ERR_NOT_LOGGED_IN');
    await cluster.converged();
    expect(await bob.fails('login', { userId: 'bob', password: 'bob-password-1' })).toBe('ERR_BAD_CREDENTIALS');
    await bob.ok('login', { userId: 'bob', password: 'bob-password-2', peerAddress: '127.0.0.1:6002' });

    // Removing bob on tracker 1: his connection on tracker 2 is logged out within a second, his
    // group passes to cy (on tracker 1) and his file, shared by nobody else, is withdrawn.
    expect(await con1.run('remove_user bob --yes')).toMatch(/^removed user bob: 1 session ended, 1 share and 0 join requests dropped \(1 file nobody else shared withdrawn\)\n  group lab: cy owns it now\n$/);
    await bob.waitForPush('session_ended', (d) => /removed your account/.test(d.reason), 1_000);
    expect(await bob.fails('list_groups')).toBe('ERR_NOT_LOGGED_IN');
    expect((await cy.waitForPush('owner_changed')).data).toEqual({ groupId: 'lab', ownerId: 'cy' });
    await cluster.converged();
    const onTwo = await cluster.connect(2);
    expect(await onTwo.fails('login', { userId: 'bob', password: 'bob-password-2' })).toBe('ERR_BAD_CREDENTIALS');
    await onTwo.ok('login', { userId: 'cy', password: 'cy-password-1' });
    expect((await onTwo.ok('list_groups')).groups).toEqual([{ groupId: 'lab', owner: 'cy', memberCount: 1, membership: 'owner' }]);
    expect((await onTwo.ok('list_files', { groupId: 'lab' })).files).toEqual([]);
    expect(await con2.run('list_users')).toMatch(/^user .*\ncy .*\n$/);
  });
});

describe('console writes meeting concurrent client writes (partition)', () => {
  async function tracker(n: number): Promise<TestTracker> {
    const t = await startTestTracker({ trackerNumber: n });
    started.push(t);
    return t;
  }

  it('a login with the old password on a tracker that had not seen the reset does not survive it', async () => {
    const [t1, t2] = [await tracker(1), await tracker(2)];
    await loggedIn(t1, 'eve');
    await exchange(t1.tracker, t2.tracker);
    // Cut off: the reset on tracker 1, then (later, by the clock) a login with the old password on tracker 2.
    await startTestConsole(t1.tracker).run(`reset_password eve --password-file ${await passwordFile(t1.dataDir, 'eve-new-password')}`);
    await new Promise((r) => setTimeout(r, 5));
    const late = await t2.connect();
    const { token } = await late.ok('login', { userId: 'eve', password: 'eve-secret-pw', peerAddress: '127.0.0.1:7002' });
    await late.ok('create_group', { groupId: 'made-after-reset' });

    await exchange(t1.tracker, t2.tracker);
    expect(await t1.tracker.digest()).toBe(await t2.tracker.digest());
    // Its connection is logged out (told why, once), the session cannot be resumed, and what
    // it did is void.
    expect((await late.waitForPush('session_ended')).data.reason).toMatch(/reset your password/);
    expect(await late.fails('list_groups')).toBe('ERR_NOT_LOGGED_IN');
    expect(await late.fails('resume', { token })).toBe('ERR_SESSION_INVALID');
    expect(late.pushes.filter((p) => p.push === 'session_ended')).toHaveLength(1);
    for (const t of [t1, t2]) {
      const c = await t.connect();
      expect(await c.fails('login', { userId: 'eve', password: 'eve-secret-pw' })).toBe('ERR_BAD_CREDENTIALS');
      await c.ok('login', { userId: 'eve', password: 'eve-new-password' });
      expect((await c.ok('list_groups')).groups).toEqual([]);
    }
  });

  it('a user removed on one side while sharing on the other: both end with no trace of the user', async () => {
    const [t1, t2] = [await tracker(1), await tracker(2)];
    const fay = await loggedIn(t1, 'fay', '127.0.0.1:7001');
    const gus = await loggedIn(t1, 'gus', '127.0.0.1:7003');
    await fay.ok('create_group', { groupId: 'lab' });
    await gus.ok('join_group', { groupId: 'lab' });
    await fay.ok('accept_request', { groupId: 'lab', userId: 'gus' });
    await exchange(t1.tracker, t2.tracker);
    const fayOnTwo = await t2.connect();
    await fayOnTwo.ok('login', { userId: 'fay', password: 'fay-secret-pw', peerAddress: '127.0.0.1:7002' });
    await exchange(t1.tracker, t2.tracker);

    // Cut off: fay removed on tracker 1, while she shares a file on tracker 2.
    await startTestConsole(t1.tracker).run('remove_user fay --yes');
    await fayOnTwo.ok('share_file', shareFields('lab', 'late.bin', DATA));
    await exchange(t1.tracker, t2.tracker);
    expect(await t1.tracker.digest()).toBe(await t2.tracker.digest());
    await fayOnTwo.waitForPush('session_ended', undefined, 1_000);
    for (const t of [t1, t2]) {
      const c = await t.connect();
      await c.ok('login', { userId: 'gus', password: 'gus-secret-pw' });
      expect((await c.ok('list_groups')).groups).toEqual([{ groupId: 'lab', owner: 'gus', memberCount: 1, membership: 'owner' }]);
      expect((await c.ok('list_files', { groupId: 'lab' })).files).toEqual([]);
    }
  });
});

describe('forget_tracker', () => {
  it('a tracker gone for good: after forget_tracker on the others, their logs are compacted without waiting for it', async () => {
    cluster = await startCluster(3, { compaction: { intervalMs: 50, minOps: 1 } }); // --evict-after stays 3 days
    const [t1, t2] = cluster.trackers as [Tracker, Tracker];
    const con1 = startTestConsole(t1);
    const con2 = startTestConsole(t2);
    const alice = await cluster.connect(1);
    await alice.ok('register', { userId: 'alice', password: 'alice-password' });
    await alice.ok('login', { userId: 'alice', password: 'alice-password' });
    await eventually(async () => (await t1.status()).links.every((l) => l.state === 'live'), 5_000);
    expect(await con1.run('forget_tracker 3')).toMatch(/^error: tracker 3 is connected now/);
    expect(await con1.run('forget_tracker 1')).toMatch(/is not another tracker of tracker_info.txt \(they are 2, 3\)/);
    expect(await con1.run('forget_tracker x')).toMatch(/is not another tracker/);

    await cluster.stopTracker(3);
    for (let i = 0; i < 10; i++) await alice.ok('create_group', { groupId: `g${i}` });
    await cluster.converged();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await t1.services.store.prisma.opLog.count()).toBeGreaterThanOrEqual(10); // waiting for tracker 3

    expect(await con1.run('forget_tracker 3')).toMatch(/^compaction on this tracker no longer waits for tracker 3/);
    expect(await con2.run('forget_tracker 3')).toMatch(/^compaction on this tracker no longer waits for tracker 3/);
    for (const t of [t1, t2]) await eventually(async () => (await t.services.store.prisma.opLog.count()) < 5, 10_000);
  });
});
