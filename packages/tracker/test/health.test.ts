// GET /health and /ready (issue 18): 200 only when the tracker accepts clients and its database
// answers, else 503 with the reason; ready once every replication link is live and caught up.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCluster } from './cluster-helpers.js';
import { startTestTracker } from './helpers.js';

const get = (url: string) => ({ method: 'GET' as const, url, remoteAddress: '192.0.2.7' });

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('GET /health', () => {
  it('is 200 while serving, and 503 naming the database once its file is gone', async () => {
    await using t = await startTestTracker();
    const app = t.tracker.app;
    expect((await app.inject(get('/health'))).json()).toMatchObject({ status: 'ok', tracker: 1 });
    await rm(path.join(t.dataDir, 'tracker.db'));
    const reply = await app.inject(get('/health'));
    expect(reply.statusCode).toBe(503);
    expect(reply.json()).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('tracker.db is gone') });
    expect((await app.inject(get('/ready'))).statusCode).toBe(503);
  });

  it('is 503 "shutting down" once the tracker is stopping', async () => {
    const t = await startTestTracker();
    const stopping = t.stop();
    const reply = await t.tracker.app.inject(get('/health'));
    expect(reply.statusCode).toBe(503);
    expect(reply.json()).toMatchObject({ status: 'unavailable', reason: 'the tracker is shutting down' });
    await stopping;
  });
});

describe('GET /ready', () => {
  it('is 200 on two trackers linked and caught up, and 503 on the one left when the other stops', async () => {
    await using c = await startCluster(2);
    const one = c.trackers[0]!;
    await until(async () => (await one.app.inject(get('/ready'))).statusCode === 200);
    await c.stopTracker(2);
    const reply = await one.app.inject(get('/ready'));
    expect(reply.statusCode).toBe(503);
    expect(reply.json().reason).toMatch(/^tracker 2: replication link (closed|connecting)/);
    // Still healthy: it serves its clients alone.
    expect((await one.app.inject(get('/health'))).statusCode).toBe(200);
    // A tracker gone for good (forget_tracker) is no longer waited for.
    expect(one.links!.forget(2)).toBe(true);
    expect((await one.app.inject(get('/ready'))).statusCode).toBe(200);
    await c.start(2);
    await until(async () => (await one.app.inject(get('/ready'))).statusCode === 200);
  });
});
