// Accounts over a real WebSocket: registration rules, login and its throttle, sessions.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestTracker, type TestTracker } from './helpers.js';

let t: TestTracker;
afterEach(async () => t?.stop());

describe('register', () => {
  it('creates an account that can log in, with ids case-insensitive', async () => {
    t = await startTestTracker();
    const c = await t.connect();
    expect(await c.ok('register', { userId: 'Alice', password: 'alice-password' })).toEqual({ userId: 'alice' });
    expect(await c.fails('register', { userId: 'ALICE', password: 'another-password' })).toBe('ERR_USER_EXISTS');
    const login = await c.ok('login', { userId: 'alice', password: 'alice-password' });
    expect(login.userId).toBe('alice');
    expect(login.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses bad ids and passwords with the reason', async () => {
    t = await startTestTracker();
    const c = await t.connect();
    const short = await c.request('register', { userId: 'bob', password: 'short' });
    expect(short.ok).toBe(false);
    expect(!short.ok && short.error.message).toMatch(/at least 8/);
    for (const userId of ['../etc', 'a/b', 'x'.repeat(33), '', 'bob\u001b[31m', 'ünïcode', '\u212Aelvin']) {
      expect(await c.fails('register', { userId, password: 'long-enough-password' })).toBe('ERR_BAD_MESSAGE');
    }
    const huge = await c.request('register', { userId: 'bob', password: 'p'.repeat(10_000) });
    expect(!huge.ok && huge.error.code).toBe('ERR_BAD_MESSAGE');
    expect(JSON.stringify(huge)).not.toContain('pppppppppp'); // the password is not echoed
    expect((await t.tracker.status()).users).toBe(0);
  });
});

describe('login', () => {
  it('gives an unknown user the same reply as a wrong password', async () => {
    t = await startTestTracker();
    const c = await t.connect();
    await c.ok('register', { userId: 'carol', password: 'carol-password' });
    const wrong = await c.request('login', { userId: 'carol', password: 'not-the-password' });
    const unknown = await c.request('login', { userId: 'nobody', password: 'not-the-password' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'ERR_BAD_CREDENTIALS' } });
    expect(unknown.ok === false && unknown.error).toEqual(wrong.ok === false && wrong.error);
  });

  it('throttles repeated failures per user id and per address, and a correct password waits too', async () => {
    t = await startTestTracker({ loginThrottle: { freeFailures: 3, baseDelayMs: 60_000 } });
    const c = await t.connect();
    await c.ok('register', { userId: 'dave', password: 'dave-password' });
    for (let i = 0; i < 3; i++) expect(await c.fails('login', { userId: 'dave', password: `guess-${i}-xx` })).toBe('ERR_BAD_CREDENTIALS');
    const limited = await c.request('login', { userId: 'dave', password: 'dave-password' });
    expect(limited).toMatchObject({ ok: false, error: { code: 'ERR_RATE_LIMITED' } });
    expect(!limited.ok && limited.error.retryAfterMs).toBeGreaterThan(50_000);
    // The address is throttled too: guessing another account from here is slowed the same way.
    expect(await c.fails('login', { userId: 'erin', password: 'whatever-pw' })).toBe('ERR_RATE_LIMITED');
    // Only the keys that failed are throttled: no global lock-out.
    t.services().throttle.strict.reset('ip:127.0.0.1');
    expect(await c.fails('login', { userId: 'dave', password: 'dave-password' })).toBe('ERR_RATE_LIMITED');
    await c.ok('register', { userId: 'erin', password: 'erin-password' });
    expect((await c.ok('login', { userId: 'erin', password: 'erin-password' })).userId).toBe('erin');
  });

  it("a stranger's 50 wrong passwords from one address do not lock the owner out at another", async () => {
    t = await startTestTracker(); // the production throttle
    const setup = await t.connect();
    await setup.ok('register', { userId: 'kelvin', password: 'kelvin-password' });
    const stranger = await t.connect({ localAddress: '127.0.0.2' });
    const codes = [];
    for (let i = 0; i < 50; i++) codes.push(await stranger.fails('login', { userId: 'kelvin', password: `guess-${i}-xxxx` }));
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('ERR_BAD_CREDENTIALS'));
    expect(new Set(codes.slice(5))).toEqual(new Set(['ERR_RATE_LIMITED']));
    // The stranger stays slowed down, even with the right password, and for other accounts too.
    expect(await stranger.fails('login', { userId: 'kelvin', password: 'kelvin-password' })).toBe('ERR_RATE_LIMITED');
    expect(await stranger.fails('login', { userId: 'setup', password: 'whatever-pw' })).toBe('ERR_RATE_LIMITED');
    // The owner, from a fresh address, gets in at once.
    const owner = await t.connect({ localAddress: '127.0.0.3' });
    const started = Date.now();
    expect((await owner.ok('login', { userId: 'kelvin', password: 'kelvin-password' })).userId).toBe('kelvin');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses a second login on the same connection and requests before login', async () => {
    t = await startTestTracker();
    const c = await t.connect();
    expect(await c.fails('create_group', { groupId: 'g' })).toBe('ERR_NOT_LOGGED_IN');
    expect(await c.fails('list_groups')).toBe('ERR_NOT_LOGGED_IN');
    expect(await c.fails('logout')).toBe('ERR_NOT_LOGGED_IN');
    await c.ok('register', { userId: 'fay', password: 'fay-password' });
    await c.ok('login', { userId: 'fay', password: 'fay-password' });
    expect(await c.fails('login', { userId: 'fay', password: 'fay-password' })).toBe('ERR_ALREADY_LOGGED_IN');
  });

  it('answers ERR_BUSY instead of queueing unbounded argon2 work', async () => {
    t = await startTestTracker({ hashConcurrency: 1, hashQueue: 1 });
    const clients = await Promise.all(Array.from({ length: 6 }, () => t.connect()));
    const replies = await Promise.all(clients.map((c, i) => c.request('register', { userId: `u${i}`, password: 'same-password' })));
    const codes = replies.map((r) => (r.ok ? 'ok' : r.error.code));
    expect(codes.filter((c) => c === 'ERR_BUSY').length).toBeGreaterThanOrEqual(3);
    expect(codes.filter((c) => c === 'ok').length).toBeGreaterThanOrEqual(1);
    const busy = replies.find((r) => !r.ok);
    expect(busy && !busy.ok && busy.error.retryAfterMs).toBeGreaterThan(0);
    expect((await t.tracker.status()).users).toBe(codes.filter((c) => c === 'ok').length);
  });
});

// Registrations cost an argon2 hash each: one address cannot take the capacity logins need.
describe('registration limits', () => {
  it('70 concurrent registrations from one address: refused early (ERR_BUSY), and a login at the same time succeeds', async () => {
    t = await startTestTracker(); // production hashing limits
    const owner = await t.connect({ localAddress: '127.0.0.3' });
    await owner.ok('register', { userId: 'kelvin', password: 'kelvin-password' });
    const flood = await Promise.all(Array.from({ length: 70 }, () => t.connect({ localAddress: '127.0.0.2' })));
    const replies = Promise.all(flood.map((c, i) => c.request('register', { userId: `flood${i}`, password: 'flood-password' })));
    await new Promise((r) => setTimeout(r, 200)); // every registration has arrived and is hashing or refused
    const login = await owner.request('login', { userId: 'kelvin', password: 'kelvin-password' });
    expect(login).toMatchObject({ ok: true, result: { userId: 'kelvin' } });
    const codes = (await replies).map((r) => (r.ok ? 'ok' : r.error.code));
    expect(codes.filter((c) => c === 'ok').length).toBeGreaterThanOrEqual(2);
    expect(new Set(codes)).toEqual(new Set(['ok', 'ERR_BUSY']));
    expect((await t.tracker.status()).users).toBe(1 + codes.filter((c) => c === 'ok').length);
  });

  it('past a burst of 30, an address registers one a second (ERR_RATE_LIMITED); other addresses are not affected', async () => {
    t = await startTestTracker();
    const c = await t.connect({ localAddress: '127.0.0.2' });
    const codes: string[] = [];
    for (let i = 0; i < 31; i++) {
      const r = await c.request('register', { userId: `burst${i}`, password: 'burst-password' });
      codes.push(r.ok ? 'ok' : r.error.code);
      if (!r.ok) expect(r.error.retryAfterMs).toBeGreaterThan(0);
    }
    // 30 in the burst; a few more may have been refilled while the first ones hashed.
    expect(codes.slice(0, 30)).toEqual(Array(30).fill('ok'));
    let extra = 0;
    while ((await c.request('register', { userId: `more${extra}`, password: 'burst-password' })).ok) extra += 1;
    expect(extra).toBeLessThan(10);
    // Asking for a taken id is answered as before and costs nothing.
    expect(await c.fails('register', { userId: 'burst0', password: 'burst-password' })).toBe('ERR_USER_EXISTS');
    const other = await t.connect({ localAddress: '127.0.0.3' });
    expect(await other.ok('register', { userId: 'elsewhere', password: 'other-password' })).toEqual({ userId: 'elsewhere' });
  });
});

describe('sessions', () => {
  it('resume continues a session on a new connection; logout ends it everywhere', async () => {
    t = await startTestTracker();
    const a = await t.connect();
    await a.ok('register', { userId: 'gus', password: 'gus-password' });
    const { token } = await a.ok('login', { userId: 'gus', password: 'gus-password', peerAddress: '127.0.0.1:7777' });
    a.close();
    const b = await t.connect();
    expect(await b.ok('resume', { token })).toMatchObject({ userId: 'gus', peerAddress: '127.0.0.1:7777' });
    await b.ok('create_group', { groupId: 'gus-group' });
    await b.ok('logout');
    expect(await b.fails('list_groups')).toBe('ERR_NOT_LOGGED_IN');
    const c = await t.connect();
    expect(await c.fails('resume', { token })).toBe('ERR_SESSION_INVALID');
    expect(await c.fails('resume', { token: 'A'.repeat(43) })).toBe('ERR_SESSION_INVALID');
  });

  it('expired sessions cannot be resumed', async () => {
    let now = Date.now();
    t = await startTestTracker({ sessionTtlMs: 1_000, now: () => now });
    const a = await t.connect();
    await a.ok('register', { userId: 'hal', password: 'hal-password' });
    const { token, expiresAt } = await a.ok('login', { userId: 'hal', password: 'hal-password' });
    expect(Date.parse(expiresAt)).toBe(now + 1_000);
    now += 2_000;
    const b = await t.connect();
    expect(await b.fails('resume', { token })).toBe('ERR_SESSION_INVALID');
    // The connection that logged in is out too, not only new ones.
    expect(await a.fails('list_groups')).toBe('ERR_SESSION_INVALID');
    expect(await a.fails('list_groups')).toBe('ERR_NOT_LOGGED_IN');
  });

  it('stores only hashes of passwords and tokens', async () => {
    t = await startTestTracker();
    const a = await t.connect();
    await a.ok('register', { userId: 'ivy', password: 'ivy-password' });
    const { token } = await a.ok('login', { userId: 'ivy', password: 'ivy-password' });
    const prisma = t.services().store.prisma;
    const user = await prisma.user.findUniqueOrThrow({ where: { id: 'ivy' } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    const sessions = await prisma.session.findMany();
    expect(sessions.map((s) => s.tokenHash)).not.toContain(token);
    const log = (await prisma.opLog.findMany()).map((o) => o.op).join('\n');
    expect(log).not.toContain(token);
    expect(log).not.toContain('ivy-password');
  });
});
