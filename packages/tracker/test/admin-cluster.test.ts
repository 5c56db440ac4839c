// The tracker's admin page API against a real two-tracker cluster: the cluster as each tracker
// reports it (a stopped tracker shown down), and the console's account operations done from the
// page, replicated to the other tracker like the console's.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminServer } from '../src/index.js';
import { AdminBrowser, adminCall, bearer } from './admin-helpers.js';
import { SECRET, eventually, startCluster, type TestCluster } from './cluster-helpers.js';
import { shareFields, testBytes } from './helpers.js';

let cluster: TestCluster | undefined;
let admin: AdminServer | undefined;
afterEach(async () => {
  await admin?.stop();
  await cluster?.stop();
  admin = cluster = undefined;
});

async function clusterWithAdmin(): Promise<{ cluster: TestCluster; admin: AdminServer; token: string }> {
  cluster = await startCluster(2);
  admin = await AdminServer.create({ tracker: cluster.trackers[0]!, host: '127.0.0.1', port: 0 });
  await admin.start();
  const token = (await readFile(admin.tokenFile, 'utf8')).trim();
  return { cluster, admin, token };
}

describe('admin page: the cluster', () => {
  it('shows both trackers up with equal digests, then the stopped one down', async () => {
    const { cluster, admin, token } = await clusterWithAdmin();
    const alice = await cluster.connect(1);
    await alice.ok('register', { userId: 'alice', password: 'alice-secret-pw' });
    await cluster.converged();

    const before = await adminCall(admin.port, 'GET', '/api/cluster', { headers: bearer(token) });
    expect(before.status).toBe(200);
    expect(before.json.self).toBe(1);
    expect(before.json.trackers.map((t: any) => [t.tracker, t.up, t.digestEqual, t.opsBehind])).toEqual([
      [1, true, true, 0],
      [2, true, true, 0],
    ]);
    expect(before.json.trackers[1]).toMatchObject({ address: `127.0.0.1:${cluster.ports[1]}`, sync: 'in sync', users: 1, link: { state: 'live' } });
    // One op so far (alice's registration), written by tracker 1 and applied by both.
    for (const t of before.json.trackers) expect(Object.values(t.lastApplied)).toEqual([1]);

    await cluster.stopTracker(2);
    const after = await adminCall(admin.port, 'GET', '/api/cluster', { headers: bearer(token) });
    const [one, two] = after.json.trackers;
    expect(one).toMatchObject({ tracker: 1, up: true, sync: 'no peer reachable' });
    expect(two).toMatchObject({ tracker: 2, up: false, digestEqual: null, opsBehind: null, link: { state: 'closed' } });
    expect(two.error).toMatch(/ECONNREFUSED|no answer/);
    expect(JSON.stringify(after.json)).not.toContain(SECRET);
  });

  it('adds a user on tracker 1 who logs in on tracker 2; resets the password; removes them everywhere', async () => {
    const { cluster, admin, token } = await clusterWithAdmin();
    const browser = await AdminBrowser.login(admin, token);

    const added = await browser.post('/api/users/add', { userId: 'Carol', password: 'carol-first-pw' });
    expect(added.status).toBe(200);
    expect(added.json).toEqual({ message: 'added user carol', userId: 'carol' });
    await cluster.converged();
    const carol = await cluster.connect(2);
    await carol.ok('login', { userId: 'carol', password: 'carol-first-pw' });
    // Her session opened on tracker 2; tracker 1 (the admin page's) hears of it by replication.
    await eventually(async () => (await browser.get('/api/users')).json.users[0]?.online === true).catch(() => undefined);
    expect((await browser.get('/api/users')).json.users).toEqual([expect.objectContaining({ userId: 'carol', online: true })]);

    const again = await browser.post('/api/users/add', { userId: 'carol', password: 'carol-other-pw' });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('ERR_USER_EXISTS');
    const weak = await browser.post('/api/users/add', { userId: 'dave', password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.json.error.code).toBe('ERR_BAD_PASSWORD');

    const reset = await browser.post('/api/users/reset-password', { userId: 'carol', password: 'carol-second-pw' });
    expect(reset.json).toMatchObject({ userId: 'carol', sessionsEnded: 1 });
    await cluster.converged();
    const carolAgain = await cluster.connect(2);
    expect(await carolAgain.fails('login', { userId: 'carol', password: 'carol-first-pw' })).toBe('ERR_BAD_CREDENTIALS');
    await carolAgain.ok('login', { userId: 'carol', password: 'carol-second-pw' });

    const removed = await browser.post('/api/users/remove', { userId: 'carol' });
    expect(removed.status).toBe(200);
    expect(removed.json.message).toMatch(/^removed user carol: 1 session ended/);
    await cluster.converged();
    const late = await cluster.connect(2);
    expect(await late.fails('login', { userId: 'carol', password: 'carol-second-pw' })).toBe('ERR_BAD_CREDENTIALS');
    expect((await browser.post('/api/users/remove', { userId: 'carol' })).json.error.code).toBe('ERR_NO_SUCH_USER');
    expect((await browser.get('/api/users')).json.users).toEqual([]);
  });

  it('lists groups with their members and files with who holds them, names as sent', async () => {
    const { cluster, admin, token } = await clusterWithAdmin();
    const owner = await cluster.connect(1);
    const hostile = '<img src=x onerror=alert(1)>.txt';
    await owner.ok('register', { userId: 'olga', password: 'olga-secret-pw' });
    await owner.ok('login', { userId: 'olga', password: 'olga-secret-pw', peerAddress: '127.0.0.1:6881' });
    await owner.ok('create_group', { groupId: 'lab' });
    await owner.ok('share_file', shareFields('lab', hostile, testBytes(40_000, 1)));
    await cluster.converged();

    const groups = await adminCall(admin.port, 'GET', '/api/groups', { headers: bearer(token) });
    expect(groups.json).toEqual({ total: 1, groups: [{ groupId: 'lab', ownerId: 'olga', members: [{ userId: 'olga', joinedAt: expect.any(String) }], requests: 0, files: 1 }] });
    const files = await adminCall(admin.port, 'GET', '/api/files', { headers: bearer(token) });
    expect(files.json.files).toEqual([
      expect.objectContaining({ groupId: 'lab', name: hostile, size: 40_000, sharedBy: 'olga', seeders: 1, holders: [{ userId: 'olga', complete: true, serving: true, online: true }] }),
    ]);
  });
});

describe('admin page: security events', () => {
  it('records a refused replication link (a tracker with another cluster secret)', async () => {
    const { cluster, admin, token } = await clusterWithAdmin();
    await cluster.stopTracker(2);
    const addresses = cluster.ports.map((port) => ({ host: '127.0.0.1', port }));
    await cluster.start(2, { cluster: { trackers: addresses, secret: 'another-secret-0123456789-abcdef' } });
    let events: any[] = [];
    await eventually(async () => {
      events = (await adminCall(admin.port, 'GET', '/api/events', { headers: bearer(token) })).json.events;
      return events.some((e) => e.kind === 'replication_refused');
    }, 10_000);
    expect(events.find((e) => e.kind === 'replication_refused')).toMatchObject({ peer: 2, message: expect.stringMatching(/^replication link with tracker 2 refused: bad cluster secret \(4001\)$/) });
  });
});
