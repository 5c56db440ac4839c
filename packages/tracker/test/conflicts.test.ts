// Concurrent conflicting writes on two trackers that could not reach each other: after they
// exchange their logs, both hold the same state, the documented rule decided, and the loser
// is told.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import type { WsClient } from '../src/testing/index.js';
import { exchange } from './cluster-helpers.js';
import { loggedIn, startTestTracker, type TestTracker } from './helpers.js';

const started: TestTracker[] = [];
afterEach(async () => {
  for (const t of started.splice(0)) await t.stop();
});

/** The LAN key epochs `c` is given, by group. */
async function lanEpochs(c: WsClient): Promise<Record<string, number>> {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const r = await c.ok('lan_credentials', { memberKey: der.subarray(der.length - 32).toString('base64') });
  return Object.fromEntries(r.groups.map((g: { groupId: string; epoch: number }) => [g.groupId, g.epoch]));
}

async function tracker(n: number): Promise<TestTracker> {
  const t = await startTestTracker({ trackerNumber: n });
  started.push(t);
  return t;
}

it('same user id registered on both sides: the earlier registration wins, the later one is told at login', async () => {
  const [t1, t2] = [await tracker(1), await tracker(2)];
  const first = await t1.connect();
  await first.ok('register', { userId: 'alice', password: 'first-password' });
  await new Promise((r) => setTimeout(r, 5)); // the HLC follows the wall clock: t2's is later
  const second = await t2.connect();
  await second.ok('register', { userId: 'alice', password: 'second-password' });
  await second.ok('login', { userId: 'alice', password: 'second-password', peerAddress: '127.0.0.1:7002' });
  await second.ok('create_group', { groupId: 'second-lab' });

  await exchange(t1.tracker, t2.tracker);
  expect(await t1.tracker.digest()).toBe(await t2.tracker.digest());

  // The loser, still connected to t2, is logged out and told why.
  const ended = await second.waitForPush('session_ended');
  expect(ended.data.reason).toMatch(/another tracker/);
  expect(await second.fails('list_groups')).toBe('ERR_NOT_LOGGED_IN');
  // Its group went with its registration; the winner can log in on either tracker.
  for (const t of [t1, t2]) {
    const c = await t.connect();
    expect(await c.fails('login', { userId: 'alice', password: 'second-password' })).toBe('ERR_ACCOUNT_CONFLICT');
    await c.ok('login', { userId: 'alice', password: 'first-password' });
    expect((await c.ok('list_groups')).groups).toEqual([]);
  }
});

it('same group id created on both sides: the earlier one keeps it, the other owner gets a notice', async () => {
  const [t1, t2] = [await tracker(1), await tracker(2)];
  const ann = await loggedIn(t1, 'ann', '127.0.0.1:7001');
  await exchange(t1.tracker, t2.tracker);
  const bob = await loggedIn(t2, 'bob', '127.0.0.1:7002');
  await exchange(t1.tracker, t2.tracker);
  // Partition: both create "lab", ann first.
  await ann.ok('create_group', { groupId: 'lab' });
  await new Promise((r) => setTimeout(r, 5));
  await bob.ok('create_group', { groupId: 'lab' });
  await bob.ok('share_file', { groupId: 'lab', name: 'x.bin', size: 1, sha1: 'a'.repeat(40), pieceLength: 16384, pieces: 'b'.repeat(40) });
  expect(await lanEpochs(bob)).toEqual({ lab: 0 }); // bob holds a LAN key of "lab" on his side

  await exchange(t1.tracker, t2.tracker);
  expect(await t1.tracker.digest()).toBe(await t2.tracker.digest());
  // So the key ann's group is announced under moves on (ann is told), and bob gets none.
  expect(await lanEpochs(ann)).toEqual({ lab: 1 });
  expect(await lanEpochs(bob)).toEqual({});
  expect((await ann.waitForPush('lan_key_changed')).data).toEqual({ groupId: 'lab', epoch: 1 });
  for (const c of [ann, bob]) {
    expect((await c.ok('list_groups')).groups.map((g: { groupId: string; owner: string }) => [g.groupId, g.owner])).toEqual([['lab', 'ann']]);
  }
  expect(await bob.fails('list_files', { groupId: 'lab' })).toBe('ERR_NOT_MEMBER');
  const again = await t1.connect();
  const login = await again.ok('login', { userId: 'bob', password: 'bob-secret-pw' });
  expect(login.notices).toHaveLength(1);
  expect(login.notices[0]).toMatchObject({ kind: 'group_id_taken', subject: 'lab' });
  expect(login.notices[0]!.message).toMatch(/another tracker/);
});

it('a member who leaves on one side while sharing on the other ends with no share on both', async () => {
  const [t1, t2] = [await tracker(1), await tracker(2)];
  const ann = await loggedIn(t1, 'ann', '127.0.0.1:7001');
  const bob1 = await loggedIn(t1, 'bob', '127.0.0.1:7002');
  await ann.ok('create_group', { groupId: 'lab' });
  await bob1.ok('join_group', { groupId: 'lab' });
  await ann.ok('accept_request', { groupId: 'lab', userId: 'bob' });
  await exchange(t1.tracker, t2.tracker);
  const bob2 = await t2.connect();
  await bob2.ok('login', { userId: 'bob', password: 'bob-secret-pw', peerAddress: '127.0.0.1:7003' });

  await bob2.ok('share_file', { groupId: 'lab', name: 'x.bin', size: 1, sha1: 'a'.repeat(40), pieceLength: 16384, pieces: 'b'.repeat(40) });
  await bob1.ok('leave_group', { groupId: 'lab' });
  await exchange(t1.tracker, t2.tracker);
  expect(await t1.tracker.digest()).toBe(await t2.tracker.digest());
  expect((await ann.ok('list_files', { groupId: 'lab' })).files).toEqual([]);
  expect((await ann.ok('list_members', { groupId: 'lab' })).members.map((m: { userId: string }) => m.userId)).toEqual(['ann']);
});
