/**
 * The replication transport over real WebSockets on loopback: trackers converge whatever the
 * order of writes and connections, ops travel through intermediaries, the wrong secret gets
 * nothing, restarts catch up, order is causal, and large backlogs move in bounded batches.
 * Hostile peers are in peer-link.test.ts.
 */
import { MAX_OPS_PER_BATCH } from '@groupshare/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CloseCode } from './constants.js';
import { MemoryReplicaStore } from '../../test/memory-replica-store.js';
import { backoffDelay } from './peer-links.js';
import { closedPort, converged, ids, sleep, startLinks, startServers, stopAll, until, type TestTracker } from '../../test/replication-cluster.js';

let running: TestTracker[] = [];
afterEach(async () => {
  await stopAll(running);
  running = [];
});

async function servers(count: number): Promise<TestTracker[]> {
  running = await startServers(count);
  return running;
}

const liveTo = (t: TestTracker, peer: number): boolean => t.links?.status().find((s) => s.peer === peer)?.state === 'live';

describe('ReplicationLinks', () => {
  it('two trackers converge on writes made before and after they connect', async () => {
    const [a, b] = (await servers(2)) as [TestTracker, TestTracker];
    for (let i = 0; i < 3; i++) a.store.write();
    for (let i = 0; i < 2; i++) b.store.write();
    startLinks(a, running);
    startLinks(b, running);
    await until(() => converged(a.store, b.store), 'initial sync');
    expect(a.store.log).toHaveLength(5);

    for (let i = 0; i < 4; i++) a.store.write();
    b.store.write();
    await until(() => converged(a.store, b.store), 'live sync');
    expect(a.store.vectorNow()).toEqual({ '1': 7, '2': 3 });
    // Nothing is echoed back: each op crossed the link exactly once.
    expect(a.links?.status()[0]).toMatchObject({ peer: 2, state: 'live', sentOps: 7, receivedOps: 3 });
    expect(b.links?.status()[0]).toMatchObject({ peer: 1, state: 'live', sentOps: 3, receivedOps: 7, direction: 'accept' });
    expect(a.events.filter((e) => e.type === 'live')).toHaveLength(1);
  });

  it('three trackers in a full mesh converge', async () => {
    const ts = await servers(3);
    for (const t of ts) startLinks(t, ts);
    for (const t of ts) for (let i = 0; i < 5; i++) t.store.write();
    await until(() => converged(...ts.map((t) => t.store)), 'mesh sync');
    await until(() => ts.every((t) => t.links?.status().every((s) => s.state === 'live')), 'all links live');
    for (const t of ts) t.store.write();
    await until(() => converged(...ts.map((t) => t.store)), 'mesh sync after more writes');
    expect(ts[2]?.store.vectorNow()).toEqual({ '1': 6, '2': 6, '3': 6 });
  });

  it('an op reaches a tracker through another when the direct link is down', async () => {
    const [t1, t2, t3] = (await servers(3)) as [TestTracker, TestTracker, TestTracker];
    // Tracker 1 dials tracker 3, and its list gives tracker 3 a port nothing listens on.
    const wrong = [t1.address, t2.address, { ...t3.address, port: await closedPort() }];
    startLinks(t1, running, { trackers: wrong });
    startLinks(t2, running);
    startLinks(t3, running);
    const op = t1.store.write();
    await until(() => ids(t3.store).includes(`${op.origin}:${op.seq}`), 'op 1:1 at tracker 3');
    expect(liveTo(t1, 3)).toBe(false);
    expect(liveTo(t3, 1)).toBe(false);
    t3.store.write();
    await until(() => converged(t1.store, t2.store, t3.store), 'convergence through tracker 2');
  });

  it('refuses a tracker with the wrong secret and keeps retrying with backoff', async () => {
    const [a, b] = (await servers(2)) as [TestTracker, TestTracker];
    a.store.write();
    b.store.write();
    startLinks(b, running, { backoff: undefined, secret: 'the other secret' });
    startLinks(a, running, { backoff: undefined }); // the default backoff: 200 ms doubling to 1 s
    await sleep(1_000);
    const attempts = a.events.filter((e) => e.type === 'closed' && e.status.peer === 2);
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.length).toBeLessThan(20);
    expect(attempts.every((e) => e.code === CloseCode.BAD_SECRET)).toBe(true);
    expect(a.events.some((e) => e.type === 'live') || b.events.some((e) => e.type === 'live')).toBe(false);
    expect(ids(a.store)).toEqual(['1:1']);
    expect(ids(b.store)).toEqual(['2:1']);
    expect(b.lines.some((l) => l.level === 40 && /bad cluster secret/.test(l.msg))).toBe(true);
  });

  it('catches up after the accepting tracker restarts', async () => {
    const [a, b] = (await servers(2)) as [TestTracker, TestTracker];
    startLinks(a, running);
    const first = startLinks(b, running);
    a.store.write();
    await until(() => converged(a.store, b.store), 'first sync');
    await first.stop();
    expect(b.links?.status()[0]?.state).toBe('closed');
    for (let i = 0; i < 5; i++) a.store.write();
    b.store.write(); // written while replication is down
    await sleep(50);
    expect(ids(b.store)).toHaveLength(2);
    startLinks(b, running); // same store, same port
    await until(() => converged(a.store, b.store), 'catch-up after restart');
    await until(() => b.links?.status()[0]?.caughtUp === true, 'tracker 2 reports it caught up');
    expect(a.store.vectorNow()).toEqual({ '1': 6, '2': 1 });
  });

  it('keeps the newest link when a restarted dialer connects before the old socket dies', async () => {
    const [a, b] = (await servers(2)) as [TestTracker, TestTracker];
    const old = startLinks(a, running);
    startLinks(b, running);
    await until(() => liveTo(a, 2), 'first link');
    const replacement = startLinks(a, running); // tracker 1 "restarted"; `old` still has its socket
    await until(() => old.status()[0]?.state !== 'live', 'old link replaced');
    expect(b.events.some((e) => e.type === 'closed' && e.code === CloseCode.REPLACED)).toBe(true);
    await old.stop(); // a real restart leaves no old process to redial
    await until(() => liveTo(b, 1) && replacement.status()[0]?.state === 'live', 'one live link');
    a.store.write();
    await until(() => converged(a.store, b.store), 'sync on the new link');
    expect(b.links?.status().filter((s) => s.state === 'live')).toHaveLength(1);
  });

  it('sends ops in the local order of the sender, across origins', async () => {
    const [t1, t2, t3] = (await servers(3)) as [TestTracker, TestTracker, TestTracker];
    startLinks(t1, running);
    startLinks(t2, running);
    // Interleave: each write on one tracker follows (causally) the previous one on the other.
    for (let i = 0; i < 5; i++) {
      const x = t1.store.write();
      await until(() => ids(t2.store).includes(`1:${x.seq}`), 'op at tracker 2');
      const y = t2.store.write();
      await until(() => ids(t1.store).includes(`2:${y.seq}`), 'op at tracker 1');
    }
    await t1.links?.stop(); // tracker 3 can learn only from tracker 2
    startLinks(t3, running);
    await until(() => converged(t2.store, t3.store), 'tracker 3 caught up from tracker 2');
    expect(ids(t3.store)).toEqual(ids(t2.store));
    expect(ids(t2.store).slice(0, 4)).toEqual(['1:1', '2:1', '1:2', '2:2']);
  });

  it('moves a large backlog in bounded batches without resending', async () => {
    const [a, b] = (await servers(2)) as [TestTracker, TestTracker];
    for (let i = 0; i < 10_000; i++) a.store.write();
    b.store = new MemoryReplicaStore(2, { applyDelayMs: 5 }); // a slow receiver: the window matters
    const apply = vi.spyOn(b.store, 'applyRemote');
    startLinks(a, running);
    startLinks(b, running);
    await until(() => converged(a.store, b.store), '10,000 ops', 20_000);
    const sizes = apply.mock.calls.map(([ops]) => ops.length);
    expect(sizes.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_OPS_PER_BATCH);
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(10_000);
    expect(a.links?.status()[0]?.sentOps).toBe(10_000);
    expect(ids(b.store)).toEqual(ids(a.store));
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay to the cap, jittered between half and all of it', () => {
    const b = { initialMs: 200, maxMs: 5_000 };
    expect([0, 1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, b, () => 0.999999))).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
    expect([0, 1, 5].map((n) => backoffDelay(n, b, () => 0))).toEqual([100, 200, 2500]);
  });
});
