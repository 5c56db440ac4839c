// The admin page's protections, over real HTTP to a real tracker's admin server: nothing without
// a login, the Host allow-list (DNS rebinding), same-origin and CSRF checks on every change, the
// session cookie's name and flags, the CSP, the token file's mode, and the admin password set on
// the console.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD_FILE, setAdminPassword } from '../src/admin/admin-credentials.js';
import { AdminServer } from '../src/index.js';
import { AdminBrowser, adminCall, bearer } from './admin-helpers.js';
import { passwordFile, startTestConsole } from './console-helpers.js';
import { startTestTracker, type TestTracker } from './helpers.js';

let t: TestTracker | undefined;
let admin: AdminServer | undefined;
afterEach(async () => {
  await admin?.stop();
  await t?.stop();
  admin = t = undefined;
});

async function trackerWithAdmin(init: Parameters<typeof startTestTracker>[0] = {}): Promise<{ t: TestTracker; admin: AdminServer; token: string }> {
  t = await startTestTracker(init);
  admin = await AdminServer.create({ tracker: t.tracker, host: '127.0.0.1', port: 0 });
  await admin.start();
  return { t, admin, token: (await readFile(admin.tokenFile, 'utf8')).trim() };
}

const READS = ['/api/cluster', '/api/users', '/api/groups', '/api/files', '/api/events'];

describe('admin page: authentication', () => {
  it('answers no API route without a login or the token; the token file is 0600 and kept across restarts', async () => {
    const { t, admin, token } = await trackerWithAdmin();
    expect((await stat(admin.tokenFile)).mode & 0o777).toBe(0o600);
    expect(admin.tokenFile).toBe(path.join(t.dataDir, 'admin-token'));
    for (const url of READS) {
      const reply = await adminCall(admin.port, 'GET', url);
      expect(reply.status, url).toBe(401);
      expect(reply.json.error.code, url).toBe('ERR_NOT_LOGGED_IN');
      expect((await adminCall(admin.port, 'GET', url, { headers: bearer(`${token}x`) })).status, url).toBe(401);
      expect((await adminCall(admin.port, 'GET', url, { headers: bearer(token) })).status, url).toBe(200);
    }
    const add = await adminCall(admin.port, 'POST', '/api/users/add', { body: { userId: 'mallory', password: 'mallory-password' }, headers: { origin: `http://127.0.0.1:${admin.port}` } });
    expect(add.status).toBe(401);
    expect((await t.services().reader.user.count())).toBe(0);

    await admin.stop();
    const again = await AdminServer.create({ tracker: t.tracker, host: '127.0.0.1', port: 0 });
    expect(again.tokenCreated).toBe(false);
    expect((await readFile(again.tokenFile, 'utf8')).trim()).toBe(token);
  });

  it('logs in with the admin password set on the console; a wrong one is refused, recorded, then throttled', async () => {
    const { t, admin } = await trackerWithAdmin();
    const origin = { origin: `http://127.0.0.1:${admin.port}` };
    // No password set: none works (there is no default).
    expect((await adminCall(admin.port, 'POST', '/api/login', { body: { password: 'admin' }, headers: origin })).status).toBe(401);
    await setAdminPassword(t.services(), t.dataDir, 'operator password 1');
    const file = path.join(t.dataDir, ADMIN_PASSWORD_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^\$argon2id\$/);

    const browser = await AdminBrowser.login(admin, 'operator password 1');
    expect((await browser.get('/api/users')).status).toBe(200);
    const session = await browser.get('/api/session');
    expect(session.json).toEqual({ loggedIn: true, csrfToken: browser.csrf });

    for (let i = 0; i < 5; i++) {
      expect((await adminCall(admin.port, 'POST', '/api/login', { body: { password: `guess ${i}` }, headers: origin })).status).toBe(401);
    }
    const throttled = await adminCall(admin.port, 'POST', '/api/login', { body: { password: 'operator password 1' }, headers: origin });
    expect(throttled.status).toBe(429);
    const events = (await browser.get('/api/events')).json.events;
    expect(events.map((e: any) => [e.kind, e.count])).toEqual([
      ['admin_login_throttled', 1],
      ['admin_login_failed', 6],
    ]);

    expect((await browser.post('/api/logout', {})).json).toEqual({ loggedIn: false });
    expect((await browser.get('/api/users')).status).toBe(401);
  });

  it('set_admin_password on the console: the page accepts the new password at once; a bad one changes nothing', async () => {
    const { t, admin } = await trackerWithAdmin();
    const con = startTestConsole(t.tracker);
    expect(await con.run(`set_admin_password --password-file ${await passwordFile(t.dataDir, 'short', 'bad.txt')}`)).toMatch(/^error: .*nothing was changed\n$/);
    expect(await con.run('set_admin_password')).toMatch(/^error: this console is not a terminal, so the password cannot be asked for/);
    const printed = await con.run(`set_admin_password --password-file ${await passwordFile(t.dataDir, 'console-set password')}`);
    expect(printed).toBe(`admin password set for this tracker (its argon2 hash is in ${path.join(t.dataDir, ADMIN_PASSWORD_FILE)}); the admin page accepts it at the next login\n`);
    const browser = await AdminBrowser.login(admin, 'console-set password');
    expect((await browser.get('/api/cluster')).status).toBe(200);
  });

  it('lists a throttled client login among the security events', async () => {
    const { t, token, admin } = await trackerWithAdmin({ loginThrottle: { freeFailures: 1, baseDelayMs: 60_000 } });
    const client = await t.connect();
    await client.ok('register', { userId: 'erin', password: 'erin-secret-pw' });
    expect(await client.fails('login', { userId: 'erin', password: 'wrong-password' })).toBe('ERR_BAD_CREDENTIALS');
    expect(await client.fails('login', { userId: 'erin', password: 'erin-secret-pw' })).toBe('ERR_RATE_LIMITED');
    const events = (await adminCall(admin.port, 'GET', '/api/events', { headers: bearer(token) })).json.events;
    expect(events).toEqual([expect.objectContaining({ kind: 'login_throttled', userId: 'erin', ip: '127.0.0.1', count: 1 })]);
  });
});

describe('admin page: the page', () => {
  it('serves the built index.html and its assets, nothing else of the disk; 503 with the reason when not built', async () => {
    t = await startTestTracker();
    const pageDir = path.join(t.dataDir, 'page');
    admin = await AdminServer.create({ tracker: t.tracker, host: '127.0.0.1', port: 0, pageDir });
    await admin.start();
    const missing = await adminCall(admin.port, 'GET', '/');
    expect(missing.status).toBe(503);
    expect(missing.text).toMatch(/^The admin page is not built \(no .*index\.html\): run `pnpm run setup`/);
    await mkdir(path.join(pageDir, 'assets'), { recursive: true });
    await writeFile(path.join(pageDir, 'index.html'), '<!doctype html><title>admin</title>');
    await writeFile(path.join(pageDir, 'assets', 'index-abc.js'), 'console.log(1)');
    const page = await adminCall(admin.port, 'GET', '/');
    expect([page.status, page.headers['content-type'], page.text]).toEqual([200, 'text/html; charset=utf-8', '<!doctype html><title>admin</title>']);
    const script = await adminCall(admin.port, 'GET', '/assets/index-abc.js');
    expect([script.status, script.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    for (const url of ['/assets/..%2F..%2Ftracker.db', '/assets/%2e%2e%2fadmin-token', '/assets/../admin-token', '/admin-token', '/tracker.db']) {
      const reply = await adminCall(admin.port, 'GET', url);
      expect(reply.status, url).toBe(404);
      expect(reply.text, url).not.toMatch(/SQLite|gsa_/);
    }
  });
});

describe('admin page: browser protections', () => {
  it('refuses a forged Host (DNS rebinding) on the page, the API and login; loopback names pass', async () => {
    const { admin, token } = await trackerWithAdmin();
    for (const host of ['evil.example', `evil.example:${admin.port}`, `127.0.0.1:${admin.port + 1}`, '127.0.0.1', '192.0.2.1']) {
      for (const [method, url] of [['GET', '/'], ['GET', '/api/users'], ['POST', '/api/login']] as const) {
        const reply = await adminCall(admin.port, method, url, { headers: { host, ...bearer(token) }, ...(method === 'POST' ? { body: { password: token } } : {}) });
        expect(reply.status, `${host} ${url}`).toBe(421);
        expect(reply.json.error.code).toBe('ERR_HOST');
        expect(reply.headers['set-cookie']).toBeUndefined();
      }
    }
    for (const host of [`localhost:${admin.port}`, `[::1]:${admin.port}`, `127.0.0.1:${admin.port}`]) {
      expect((await adminCall(admin.port, 'GET', '/api/users', { headers: { host, ...bearer(token) } })).status, host).toBe(200);
    }
  });

  it('changes nothing on a POST from another origin or without the CSRF token', async () => {
    const { t, admin, token } = await trackerWithAdmin();
    const browser = await AdminBrowser.login(admin, token);
    const body = { userId: 'mallory', password: 'mallory-password' };
    const refusals: Array<[Record<string, string | null>, string]> = [
      [{ origin: 'http://evil.example' }, 'ERR_ORIGIN'],
      [{ origin: 'null' }, 'ERR_ORIGIN'],
      [{ origin: null, 'sec-fetch-site': 'cross-site' }, 'ERR_ORIGIN'],
      [{ origin: null }, 'ERR_ORIGIN'],
      [{ 'x-csrf-token': null }, 'ERR_CSRF'],
      [{ 'x-csrf-token': '' }, 'ERR_CSRF'],
      [{ 'x-csrf-token': `${browser.csrf.slice(1)}A` }, 'ERR_CSRF'],
    ];
    for (const [headers, code] of refusals) {
      const reply = await browser.post('/api/users/add', body, headers);
      expect(reply.status, JSON.stringify(headers)).toBe(403);
      expect(reply.json.error.code).toBe(code);
    }
    const login = await adminCall(admin.port, 'POST', '/api/login', { body: { password: token }, headers: { origin: 'http://evil.example' } });
    expect(login.status).toBe(403);
    expect(await t.services().reader.user.count()).toBe(0);
    expect((await browser.post('/api/users/add', body, { origin: null, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('names the cookie with the port, SameSite=Lax and HttpOnly; every answer carries the CSP; no secret in any JSON', async () => {
    const { t, admin, token } = await trackerWithAdmin();
    const login = await adminCall(admin.port, 'POST', '/api/login', { body: { password: token }, headers: { origin: `http://127.0.0.1:${admin.port}` } });
    const cookie = login.headers['set-cookie']![0]!;
    expect(cookie).toMatch(new RegExp(`^groupshare_admin_${admin.port}=[\\w-]{40,}; Path=/; HttpOnly; SameSite=Lax; Max-Age=\\d+$`));
    const browser = await AdminBrowser.login(admin, token);
    await browser.post('/api/users/add', { userId: 'frank', password: 'frank-password-1' });
    const client = await t.connect();
    await client.ok('login', { userId: 'frank', password: 'frank-password-1' });
    for (const url of ['/', ...READS, '/api/session']) {
      const reply = await browser.get(url);
      expect(reply.headers['content-security-policy'], url).toMatch(/^default-src 'self'; script-src 'self'(;|$)/);
      expect(reply.text, url).not.toMatch(/argon2|frank-password|tokenHash/);
      expect(reply.text, url).not.toContain(token);
      expect(reply.text, url).not.toContain(browser.cookie.split('=')[1]);
    }
  });
});
