// GET /status and /digest (issue 14, item 3): answered only to trusted addresses or callers
// proving the cluster secret, rate-limited per address, and cheap however often they are called
// (the digest is recomputed only after writes). /health stays public.
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { STATUS_BURST, STATUS_PROOF_HEADER, registerHttpRoutes, statusProof } from '../src/api/http-routes.js';
import { loggedIn, startTestTracker, type TestTracker } from './helpers.js';

let t: TestTracker | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const get = (url: string, remoteAddress: string, headers: Record<string, string> = {}) => ({ method: 'GET' as const, url, remoteAddress, headers });

describe('GET /status and /digest', () => {
  it('refuse a caller outside the trusted set with 403; loopback is served, /health is public', async () => {
    t = await startTestTracker();
    const app = t.tracker.app;
    for (const url of ['/status', '/digest']) {
      const refused = await app.inject(get(url, '192.0.2.7'));
      expect(refused.statusCode, url).toBe(403);
      expect(refused.body, url).not.toMatch(/digest"|"users"|vector/);
      expect((await app.inject(get(url, '127.0.0.1'))).statusCode, url).toBe(200);
    }
    expect((await app.inject(get('/health', '192.0.2.7'))).json()).toMatchObject({ status: 'ok', tracker: 1 });
  });

  it('serve a caller proving the cluster secret, for that route and a minute only', async () => {
    const app = Fastify();
    let now = 1_700_000_000_000;
    registerHttpRoutes(app, { trackerNumber: 2, uptimeS: () => 1, status: async () => ({ users: 3 }), digest: async () => ({ digest: 'd' }), secret: 's3cret', now: () => now });
    const proof = statusProof('s3cret', '/status', now);
    expect((await app.inject(get('/status', '192.0.2.7', { [STATUS_PROOF_HEADER]: proof }))).json()).toEqual({ users: 3 });
    expect((await app.inject(get('/digest', '192.0.2.7', { [STATUS_PROOF_HEADER]: proof }))).statusCode).toBe(403); // another route
    expect((await app.inject(get('/status', '192.0.2.7', { [STATUS_PROOF_HEADER]: statusProof('wrong', '/status', now) }))).statusCode).toBe(403);
    now += 61_000;
    expect((await app.inject(get('/status', '192.0.2.7', { [STATUS_PROOF_HEADER]: proof }))).statusCode).toBe(403); // too old
    await app.close();
  });

  it(`answer 429 past ${STATUS_BURST} calls in a burst from one address, and not to another`, async () => {
    const app = Fastify();
    let now = 1_700_000_000_000;
    registerHttpRoutes(app, { trackerNumber: 1, uptimeS: () => 1, status: async () => ({}), digest: async () => ({ digest: 'd' }), now: () => now });
    const codes = [];
    for (let i = 0; i < STATUS_BURST + 1; i++) codes.push((await app.inject(get('/digest', '127.0.0.5'))).statusCode);
    expect(codes.slice(0, STATUS_BURST).every((c) => c === 200)).toBe(true);
    const refused = await app.inject(get('/digest', '127.0.0.5'));
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect((await app.inject(get('/digest', '127.0.0.6'))).statusCode).toBe(200);
    expect((await app.inject(get('/health', '127.0.0.5'))).statusCode).toBe(200); // not limited
    now += 100;
    expect((await app.inject(get('/digest', '127.0.0.5'))).statusCode).toBe(200); // refilled
    await app.close();
  });

  it('20 parallel /digest calls with six maximum-size files shared delay another client\'s ping by a few ms, and follow every write', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice');
    await alice.ok('create_group', { groupId: 'big' });
    const size = 64 * 2 ** 30;
    for (let i = 0; i < 6; i++) {
      const pieces = (i.toString(16) + 'b').repeat(20 * 262_144);
      await alice.ok('share_file', { groupId: 'big', name: `disk${i}.img`, size, sha1: 'c'.repeat(40), pieceLength: 256 * 1024, pieces });
    }
    const url = `http://127.0.0.1:${t.tracker.port}/digest`;
    const digest = async () => ((await (await fetch(url)).json()) as { digest: string }).digest;
    const first = await digest();
    const pinger = await t.connect();
    let worst = 0;
    const calls = Promise.all(Array.from({ length: 20 }, digest));
    let done = false;
    void calls.then(() => (done = true));
    while (!done) {
      const started = performance.now();
      await pinger.ok('ping');
      worst = Math.max(worst, performance.now() - started);
    }
    expect(new Set(await calls)).toEqual(new Set([first]));
    expect(worst).toBeLessThan(25);
    // A write changes the digest at once.
    await alice.ok('create_group', { groupId: 'another' });
    expect(await digest()).not.toBe(first);
  });
});
