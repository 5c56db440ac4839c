// Sessions across a two-tracker cluster: a logout, an expiry or the per-user cap ends a session
// on every tracker, its connections everywhere are logged out, and the trackers agree on it.
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SESSIONS_PER_USER } from '../src/state/apply-sessions.js';
import { startCluster, type TestCluster } from './cluster-helpers.js';

let cluster: TestCluster;
afterEach(async () => cluster?.stop());

const PASSWORD = 'alice-password';

describe('a session ending on one tracker', () => {
  it('logout on tracker 1: the same session on tracker 2 (and on tracker 1) is logged out within 1 s', async () => {
    cluster = await startCluster(2);
    const a1 = await cluster.connect(1);
    await a1.ok('register', { userId: 'alice', password: PASSWORD });
    const { token } = await a1.ok('login', { userId: 'alice', password: PASSWORD });
    await cluster.converged();
    const b2 = await cluster.connect(2);
    await b2.ok('resume', { token });
    const c1 = await cluster.connect(1);
    await c1.ok('resume', { token });
    // Another session of alice's is not touched.
    const other = await cluster.connect(2);
    await other.ok('login', { userId: 'alice', password: PASSWORD });
    await cluster.converged();

    await a1.ok('logout');
    const loggedOutAt = Date.now();
    const pushed = await b2.waitForPush('session_ended', () => true, 1_000);
    expect(Date.now() - loggedOutAt).toBeLessThan(1_000);
    expect(pushed.data.reason).toMatch(/logged out/);
    expect(await b2.fails('create_group', { groupId: 'after-logout' })).toBe('ERR_NOT_LOGGED_IN');
    await c1.waitForPush('session_ended', () => true, 1_000);
    expect(await c1.fails('list_groups')).toBe('ERR_NOT_LOGGED_IN');
    expect(a1.pushes.filter((p) => p.push === 'session_ended')).toEqual([]); // it asked; it is not told
    expect(await a1.fails('list_groups')).toBe('ERR_NOT_LOGGED_IN');
    await other.ok('create_group', { groupId: 'still-in' });
    await cluster.converged();
    expect((await cluster.connect(2).then((c) => c.request('resume', { token }))).ok).toBe(false);
  });
});

describe('session cap per user', () => {
  it(`logins past ${MAX_SESSIONS_PER_USER} on two trackers end the oldest sessions; both trackers agree`, async () => {
    cluster = await startCluster(2);
    const setup = await cluster.connect(1);
    await setup.ok('register', { userId: 'alice', password: PASSWORD });
    await cluster.converged();
    const first = await cluster.connect(2);
    const { token: oldest } = await first.ok('login', { userId: 'alice', password: PASSWORD });
    await cluster.converged();
    const logins = MAX_SESSIONS_PER_USER + 10;
    const tokens: string[] = [];
    for (let i = 1; i < logins; i += 2) {
      // Two at a time, one on each tracker: which one is older is decided by the op order.
      const pair = await Promise.all([1, 2].map((n) => cluster.connect(n).then((c) => c.ok('login', { userId: 'alice', password: PASSWORD }))));
      for (const { token } of pair) tokens.push(token as string);
    }
    await cluster.converged();
    for (const tracker of cluster.trackers) expect(await tracker!.services.reader.session.count({ where: { userId: 'alice' } })).toBe(MAX_SESSIONS_PER_USER);
    // The oldest session's connection was logged out and told why; it cannot be resumed.
    expect((await first.waitForPush('session_ended', () => true, 2_000)).data.reason).toMatch(/oldest/);
    expect(await first.fails('list_groups')).toBe('ERR_NOT_LOGGED_IN');
    const probe = await cluster.connect(1);
    expect(await probe.fails('resume', { token: oldest })).toBe('ERR_SESSION_INVALID');
    expect((await probe.ok('resume', { token: tokens.at(-1)! })).userId).toBe('alice');
  });
});

describe('expired sessions', () => {
  it('are deleted on both trackers by one sweep op; their connections are told; digests agree', async () => {
    cluster = await startCluster(2, { sessionTtlMs: 400, sessionSweepMs: 150 });
    const a = await cluster.connect(1);
    await a.ok('register', { userId: 'alice', password: PASSWORD });
    await a.ok('login', { userId: 'alice', password: PASSWORD });
    const b = await cluster.connect(2);
    await b.ok('register', { userId: 'bob', password: 'bob-password' });
    await b.ok('login', { userId: 'bob', password: 'bob-password', peerAddress: '127.0.0.1:7001' });
    await cluster.converged();
    expect(await cluster.trackers[1]!.services.reader.session.count()).toBe(2);

    expect((await a.waitForPush('session_ended', () => true, 3_000)).data.reason).toMatch(/expired/);
    await b.waitForPush('session_ended', () => true, 3_000);
    const digest = await cluster.converged();
    for (const tracker of cluster.trackers) {
      expect(await tracker!.services.reader.session.count()).toBe(0);
      expect(await tracker!.digest()).toBe(digest);
    }
    // Deleted by sweep ops in the replicated log (tracker 2 sweeps an interval after tracker 1,
    // so they rarely both name a session; when they do, the second finds nothing to delete).
    const sweeps = await cluster.trackers[1]!.services.reader.opLog.findMany({ where: { op: { contains: '"sessions_expired"' } } });
    const named = sweeps.flatMap((s) => (JSON.parse(s.op) as { sessions: Array<{ userId: string }> }).sessions.map((x) => x.userId));
    expect(new Set(named)).toEqual(new Set(['alice', 'bob']));
  });
});
