import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { ProtocolError } from '@groupshare/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeCluster, FakeTracker, freePort } from '../../test/fake-tracker.js';
import { TrackerLink, type TrackerLinkInit, type TrackerRef } from './tracker-link.js';

// ---- harness: everything started here is torn down after each test ----------------------------

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tracker(cluster: FakeCluster, port = 0): Promise<FakeTracker> {
  const t = await FakeTracker.start(cluster, port);
  let killed = false;
  const kill = t.kill.bind(t);
  t.kill = async () => {
    if (killed) return;
    killed = true;
    await kill();
  };
  cleanups.push(() => t.kill());
  return t;
}

function link(trackers: TrackerLinkInit['trackers'], init: Partial<TrackerLinkInit> = {}): TrackerLink {
  const l = new TrackerLink({
    trackers,
    connectTimeoutMs: 500,
    requestTimeoutMs: 3_000,
    backoff: { initialMs: 20, maxMs: 100 },
    ...init,
  });
  cleanups.push(() => l.stop());
  return l;
}

function connected(l: TrackerLink): Promise<TrackerRef> {
  return once(l, 'connected').then(([ref]) => ref as TrackerRef);
}

async function waitFor(cond: () => boolean, what: string, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function loggedIn(l: TrackerLink, userId = 'alice'): Promise<string> {
  const { token } = await l.request('login', { userId, password: 'alice-password' });
  return token;
}

// ---- tests ------------------------------------------------------------------------------------

describe('TrackerLink', () => {
  it('matches replies to requests, turns error replies into ProtocolError, remembers the session', async () => {
    const a = await tracker(new FakeCluster());
    const l = link([a.hostPort], { peerAddress: '127.0.0.1:6881' });
    l.start();

    // Pipelined: each reply reaches its own request.
    const [ping, groups] = await Promise.allSettled([l.request('ping'), l.request('list_groups')]);
    expect(ping).toMatchObject({ status: 'fulfilled', value: { now: expect.any(String) } });
    expect(groups).toMatchObject({ status: 'rejected', reason: { name: 'ProtocolError', code: 'ERR_NOT_LOGGED_IN' } });
    expect((groups as PromiseRejectedResult).reason).toBeInstanceOf(ProtocolError);

    await expect(l.request('login', { userId: 'alice', password: 'wrong' })).rejects.toMatchObject({ code: 'ERR_BAD_CREDENTIALS' });
    expect(l.session).toBeUndefined();
    await loggedIn(l);
    expect(l.session).toMatchObject({ userId: 'alice', peerAddress: '127.0.0.1:6881' });
    // The init's peer address went out with the login that gave none.
    expect(a.received.find((r) => r.type === 'login' && r.password !== 'wrong')).toMatchObject({ peerAddress: '127.0.0.1:6881' });

    await expect(l.request('create_group', { groupId: 'lab' })).resolves.toEqual({ groupId: 'lab' });
    await expect(l.request('create_group', { groupId: 'lab' })).rejects.toMatchObject({ code: 'ERR_GROUP_EXISTS' });
    const ids = a.received.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);

    await l.request('logout');
    expect(l.session).toBeUndefined();
  });

  it('asks again after ERR_BUSY, after the pause the tracker asks for, until its deadline', async () => {
    const a = await tracker(new FakeCluster());
    const l = link([a.hostPort], { requestTimeoutMs: 1_000 });
    l.start();
    a.busy.set('login', 3);
    await loggedIn(l);
    expect(a.received.filter((r) => r.type === 'login')).toHaveLength(4);
    // Busy for longer than the request may take: the caller gets ERR_BUSY, with the tracker's words.
    a.busy.set('create_group', 1_000);
    await expect(l.request('create_group', { groupId: 'lab' })).rejects.toMatchObject({ code: 'ERR_BUSY', message: /busy hashing passwords \(still busy after 1000 ms\)/ });
    const tries = a.received.filter((r) => r.type === 'create_group').length;
    expect(tries).toBeGreaterThan(5);
    expect(tries).toBeLessThanOrEqual(21);
  });

  it('ignores frames it does not understand, with a badFrame event, and keeps working', async () => {
    const a = await tracker(new FakeCluster());
    const l = link([a.hostPort]);
    const bad: string[] = [];
    l.on('badFrame', ({ reason }) => bad.push(reason));
    l.start();
    await l.request('ping');

    a.sendRaw('not json');
    a.sendRaw('[1,2]');
    a.sendRaw(JSON.stringify({ id: 424242, ok: true, result: {} }));
    a.sendRaw(JSON.stringify({ push: 'no_such_push', data: {} }));
    a.sendRaw(JSON.stringify({ push: 'join_requested', data: { groupId: 7 } }));
    await waitFor(() => bad.length === 5, 'five badFrame events');
    expect(bad[0]).toMatch(/not valid JSON/);
    expect(bad[2]).toMatch(/unknown request id 424242/);

    await expect(l.request('ping')).resolves.toMatchObject({ now: expect.any(String) });
    expect(l.connectedTracker).toEqual({ tracker: 1, address: `127.0.0.1:${a.port}` });
  });

  it('fails over to the next tracker within 2 s and resumes the session before anything else', async () => {
    const cluster = new FakeCluster();
    const a = await tracker(cluster);
    const b = await tracker(cluster);
    const l = link([a.hostPort, b.hostPort]);
    const pushes: unknown[] = [];
    l.on('push', (p) => pushes.push(p));
    const failovers: unknown[] = [];
    l.on('failover', (f) => failovers.push(f));
    l.start();
    const token = await loggedIn(l);
    expect(l.connectedTracker?.tracker).toBe(1);

    const disconnected = once(l, 'disconnected');
    const reconnected = connected(l);
    const killedAt = Date.now();
    await a.kill();
    expect((await disconnected)[0]).toMatchObject({ tracker: 1 });
    expect(await reconnected).toEqual({ tracker: 2, address: `127.0.0.1:${b.port}` });
    expect(Date.now() - killedAt).toBeLessThan(2_000);
    expect(failovers).toEqual([{ from: { tracker: 1, address: `127.0.0.1:${a.port}` }, to: { tracker: 2, address: `127.0.0.1:${b.port}` } }]);

    await expect(l.request('list_groups')).resolves.toEqual({ groups: [] });
    const onB = b.receivedOn(1);
    expect(onB[0]).toMatchObject({ type: 'resume', token });
    expect(onB.map((r) => r.type)).toEqual(['resume', 'list_groups']);
    expect(l.session?.token).toBe(token);

    b.push('join_requested', { groupId: 'lab', userId: 'bob' });
    await waitFor(() => pushes.length === 1, 'the push from B');
    expect(pushes[0]).toEqual({ push: 'join_requested', data: { groupId: 'lab', userId: 'bob' } });
  });

  it('re-sends an in-flight read-only request after failover, and fails an in-flight create_group with ERR_CONNECTION_LOST', async () => {
    const cluster = new FakeCluster();
    const a = await tracker(cluster);
    const b = await tracker(cluster);
    const l = link([a.hostPort, b.hostPort]);
    l.start();
    await loggedIn(l);
    a.stall.add('list_groups');
    a.createGroupDelayMs = 10_000;

    const groups = l.request('list_groups');
    const created = l.request('create_group', { groupId: 'lab' });
    created.catch(() => {}); // asserted below
    await waitFor(() => a.received.some((r) => r.type === 'create_group'), 'both requests to reach A');
    await a.kill();

    await expect(groups).resolves.toEqual({ groups: [] });
    const err = await created.then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ name: 'ConnectionLostError', code: 'ERR_CONNECTION_LOST' });
    expect((err as Error).message).toMatch(/before create_group was answered; it may or may not have happened — check with list_groups/);
    // B saw the resume, then the re-sent list_groups, and never the create_group.
    expect(b.receivedOn(1).map((r) => r.type)).toEqual(['resume', 'list_groups']);
  });

  it('connects to the second tracker when the first is not listening', async () => {
    const dead = await freePort();
    const b = await tracker(new FakeCluster());
    const l = link([{ host: '127.0.0.1', port: dead }, b.hostPort]);
    const failed = once(l, 'connectFailed');
    const up = connected(l);
    l.start();
    expect((await failed)[0]).toMatchObject({ tracker: 1, reason: expect.stringMatching(/ECONNREFUSED/) });
    expect(await up).toMatchObject({ tracker: 2 });
    await expect(l.request('ping')).resolves.toBeDefined();
    expect(b.connections).toBe(1);
  });

  it('gives up on a tracker that accepts TCP but never answers, after connectTimeoutMs', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    });
    const b = await tracker(new FakeCluster());
    const port = (silent.address() as { port: number }).port;
    const l = link([{ host: '127.0.0.1', port }, b.hostPort], { connectTimeoutMs: 200 });
    const failed = once(l, 'connectFailed');
    const started = Date.now();
    l.start();
    expect((await failed)[0]).toMatchObject({ tracker: 1, reason: 'no connection within 200 ms' });
    expect((await connected(l)).tracker).toBe(2);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('rejects with ERR_TRACKER_UNAVAILABLE while every tracker is down, and reconnects when one returns', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const l = link(
      [
        { host: '127.0.0.1', port: p1 },
        { host: '127.0.0.1', port: p2 },
      ],
      { requestTimeoutMs: 300 },
    );
    l.start();
    const err = await l.request('ping').then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ name: 'TrackerUnavailableError', code: 'ERR_TRACKER_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/no tracker could be reached within 300 ms, so ping was not sent \(last failure: .*ECONNREFUSED/);

    const up = connected(l);
    await tracker(new FakeCluster(), p2);
    expect(await up).toMatchObject({ tracker: 2 });
    await expect(l.request('ping')).resolves.toBeDefined();
  });

  it('emits sessionLost when the resume is refused, and lets queued requests meet ERR_NOT_LOGGED_IN', async () => {
    const cluster = new FakeCluster();
    const a = await tracker(cluster);
    const b = await tracker(cluster);
    const l = link([a.hostPort, b.hostPort]);
    const lost: unknown[] = [];
    l.on('sessionLost', (info) => lost.push(info));
    l.start();
    await loggedIn(l);

    cluster.sessions.clear(); // the session expired meanwhile
    await a.kill();
    const queued = l.request('list_groups'); // made while disconnected
    await expect(queued).rejects.toMatchObject({ code: 'ERR_NOT_LOGGED_IN' });
    expect(lost).toEqual([{ reason: 'this session has ended; log in again' }]);
    expect(l.session).toBeUndefined();
    expect(b.receivedOn(1).map((r) => r.type)).toEqual(['resume', 'list_groups']);

    // Logging in again works, and is not followed by another resume attempt.
    await loggedIn(l);
    expect(l.session?.userId).toBe('alice');
  });

  it('completes a logout whose reply was lost: the failed resume shows it took effect', async () => {
    const cluster = new FakeCluster();
    const a = await tracker(cluster);
    const b = await tracker(cluster);
    const l = link([a.hostPort, b.hostPort]);
    const lost: unknown[] = [];
    l.on('sessionLost', (info) => lost.push(info));
    l.start();
    await loggedIn(l);
    a.mute.add('logout'); // A ends the session but the reply never arrives

    const logout = l.request('logout');
    await waitFor(() => a.received.some((r) => r.type === 'logout'), 'the logout to reach A');
    await a.kill();
    await expect(logout).resolves.toEqual({});
    expect(lost).toEqual([]);
    expect(l.session).toBeUndefined();
  });

  it('forgetSession() during the resume on a tracker that came back: the tracker ends the session (logout), and it is never resumed again', async () => {
    const cluster = new FakeCluster();
    const a = await tracker(cluster);
    const l = link([a.hostPort]);
    const events: string[] = [];
    for (const e of ['sessionLost', 'sessionResumed'] as const) l.on(e, () => events.push(e));
    l.start();
    const token = await loggedIn(l);
    await a.kill();
    await waitFor(() => l.connectedTracker === undefined, 'the link to notice A is gone');

    const back = await tracker(cluster, a.port); // the same tracker, back on its port
    back.resumeDelayMs = 300;
    await waitFor(() => back.received.some((r) => r.type === 'resume'), 'the resume to reach the tracker');
    l.forgetSession(); // a logout while no tracker answered yet
    await connected(l);

    expect(back.receivedOn(1).map((r) => r.type)).toEqual(['resume', 'logout']);
    expect(cluster.sessions.has(token)).toBe(false);
    expect(l.session).toBeUndefined();
    expect(events).toEqual([]);
    await expect(l.request('list_groups')).rejects.toMatchObject({ code: 'ERR_NOT_LOGGED_IN' });

    // The next reconnect resumes nothing.
    await back.kill();
    const again = await tracker(cluster, a.port);
    await connected(l);
    await l.request('ping');
    expect(again.received.map((r) => r.type)).toEqual(['ping']);
  });

  it('leaves a tracker that stops answering pings', async () => {
    const cluster = new FakeCluster();
    const a = await tracker(cluster);
    const b = await tracker(cluster);
    const l = link([a.hostPort, b.hostPort], { heartbeatMs: 100 });
    l.start();
    const token = await loggedIn(l);
    const disconnected = once(l, 'disconnected');
    a.freeze();
    expect((await disconnected)[0]).toMatchObject({ tracker: 1, reason: 'no answer to pings for 100 ms' });
    await waitFor(() => l.connectedTracker?.tracker === 2, 'failover to B');
    expect(b.receivedOn(1)[0]).toMatchObject({ type: 'resume', token });
  });

  it('stop() rejects pending requests and stops reconnecting', async () => {
    const a = await tracker(new FakeCluster());
    const l = link([a.hostPort]);
    l.start();
    await l.request('ping');
    a.stall.add('list_groups');
    const pending = l.request('list_groups');
    await waitFor(() => a.received.some((r) => r.type === 'list_groups'), 'list_groups to reach A');

    const stopped = l.stop();
    expect(l.stop()).toBe(stopped); // idempotent
    await expect(pending).rejects.toMatchObject({ name: 'LinkStoppedError', code: 'ERR_LINK_STOPPED' });
    await stopped;
    await expect(l.request('ping')).rejects.toMatchObject({ code: 'ERR_LINK_STOPPED' });
    await sleep(300);
    expect(a.connections).toBe(1);
  });

  it('stop() during backoff means no further connection attempts', async () => {
    const port = await freePort();
    const l = link([{ host: '127.0.0.1', port }], { backoff: { initialMs: 50, maxMs: 50 } });
    let failures = 0;
    l.on('connectFailed', () => failures++);
    l.start();
    await waitFor(() => failures >= 2, 'two failed attempts');
    await l.stop();
    const a = await tracker(new FakeCluster(), port);
    const before = failures;
    await sleep(300);
    expect(a.connections).toBe(0);
    expect(failures).toBe(before);
  });

  it('waitForTracker(false): with no tracker connected, queued and new requests fail at once; a connected one still answers', async () => {
    const cluster = new FakeCluster();
    const a = await tracker(cluster);
    const l = link([a.hostPort], { requestTimeoutMs: 10_000 });
    l.start();
    await connected(l);
    l.waitForTracker(false);
    await expect(l.request('ping')).resolves.toMatchObject({ now: expect.any(String) }); // connected: as before
    const { port } = a.hostPort;
    await a.kill();
    await waitFor(() => l.connectedTracker === undefined, 'the link to notice');
    const started = Date.now();
    await expect(l.request('ping')).rejects.toMatchObject({ name: 'TrackerUnavailableError', message: expect.stringMatching(/^no tracker is reachable, so ping was not sent/) });
    l.waitForTracker(true);
    const queued = l.request('ping'); // waits for a tracker again...
    await sleep(50);
    l.waitForTracker(false); // ...until told not to
    await expect(queued).rejects.toMatchObject({ name: 'TrackerUnavailableError' });
    expect(Date.now() - started).toBeLessThan(1_000);
    l.waitForTracker(true);
    const later = l.request('ping');
    await tracker(cluster, port); // the tracker is back on its address
    await expect(later).resolves.toMatchObject({ now: expect.any(String) });
  });
});
