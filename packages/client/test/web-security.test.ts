// The web interface's defences, each against the attack it is for: a forged Host (DNS
// rebinding), cross-site POSTs and a missing CSRF token, cookies of two peers on one host, path
// tricks out of the chosen folders, the page's headers, and no default or leaked secrets.
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPiped, startWorld } from './helpers.js';
import { startWebShell, WebClient } from './web-client.js';

async function aliceLoggedIn(world: Awaited<ReturnType<typeof startWorld>>, extra: string[] = []) {
  const peer = await startWebShell(world, 'alice', extra);
  await peer.web.get('/api/session').then((s) => (peer.web.csrf = s.json.csrfToken));
  await peer.web.post('/api/accounts', { userId: 'alice', password: 'alice-password' });
  expect((await peer.web.login('alice', 'alice-password')).status).toBe(200);
  return peer;
}

describe('web security', () => {
  it('answers only to allowed Host names; refuses cross-site and token-less POSTs, changing nothing', async () => {
    await using world = await startWorld();
    const { shell, web } = await aliceLoggedIn(world);
    const port = web.base.port;
    for (const host of [`evil.example:${port}`, `attacker.test`, `127.0.0.1:${Number(port) + 1}`, `localhost.evil.example:${port}`]) {
      const r = await web.get('/api/session', { host });
      expect([r.status, r.json?.error.code], host).toEqual([421, 'ERR_BAD_HOST']);
    }
    expect((await web.get('/', { host: 'evil.example' })).status).toBe(421);
    expect((await web.get('/api/session', { host: `localhost:${port}` })).status).toBe(200);

    const refusals: Array<[Record<string, string>, string]> = [
      [{ 'x-csrf-token': '' }, 'ERR_CSRF'],
      [{ 'x-csrf-token': 'not-the-token' }, 'ERR_CSRF'],
      [{ origin: 'http://evil.example' }, 'ERR_FORBIDDEN_ORIGIN'],
      [{ origin: 'null' }, 'ERR_FORBIDDEN_ORIGIN'],
      [{ 'sec-fetch-site': 'cross-site', origin: '' }, 'ERR_FORBIDDEN_ORIGIN'],
      [{ 'sec-fetch-site': 'same-site', origin: '' }, 'ERR_FORBIDDEN_ORIGIN'],
    ];
    for (const [headers, code] of refusals) {
      const r = await web.post('/api/groups', { groupId: 'lab' }, headers);
      expect([r.status, r.json.error.code], JSON.stringify(headers)).toEqual([403, code]);
    }
    // A login from another site is refused too (login CSRF).
    const other = new WebClient(web.base);
    await other.get('/api/session');
    expect((await other.post('/api/session/login', { userId: 'alice', password: 'alice-password' })).json.error.code).toBe('ERR_CSRF');
    // State changes are POSTs: GET does not log out.
    expect((await web.get('/api/session/logout')).status).toBe(404);
    expect((await web.get('/api/groups')).json.groups).toEqual([]);
    expect((await web.post('/api/groups', { groupId: 'lab' })).status).toBe(200);
    await shell.end();
  });

  it('names the cookie after the web port (HttpOnly, SameSite=Lax), so two peers on one host stay logged in side by side; a new id at login', async () => {
    await using world = await startWorld();
    const alice = await startWebShell(world, 'alice');
    const bob = await startWebShell(world, 'bob');
    const first = await alice.web.get('/api/session');
    const setCookie = (first.headers['set-cookie'] ?? [])[0] as string;
    expect(setCookie).toMatch(new RegExp(`^gs_${alice.web.base.port}=`));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/);
    alice.web.csrf = first.json.csrfToken;
    await alice.web.post('/api/accounts', { userId: 'alice', password: 'alice-password' });
    await alice.web.post('/api/accounts', { userId: 'bob', password: 'bob-password' });
    const anonymous = alice.web.cookies.get(`gs_${alice.web.base.port}`);
    await alice.web.login('alice', 'alice-password');
    expect(alice.web.cookies.get(`gs_${alice.web.base.port}`)).not.toBe(anonymous);

    // One browser, one cookie jar for the host: both peers' cookies live in it side by side.
    const browser = new WebClient(alice.web.base);
    for (const [k, v] of alice.web.cookies) browser.cookies.set(k, v);
    await bob.web.login('bob', 'bob-password');
    for (const [k, v] of bob.web.cookies) browser.cookies.set(k, v);
    expect((await browser.get('/api/session')).json).toMatchObject({ loggedIn: true, userId: 'alice' });
    const atBob = new WebClient(bob.web.base);
    for (const [k, v] of browser.cookies) atBob.cookies.set(k, v);
    expect((await atBob.get('/api/session')).json).toMatchObject({ loggedIn: true, userId: 'bob' });
    await alice.shell.end();
    await bob.shell.end();
  });

  it('serves the page with CSP, nosniff, no framing and no referrer; the API with no-store', async () => {
    await using world = await startWorld();
    const { shell, web } = await startWebShell(world, 'alice');
    for (const url of ['/', '/index.html', '/groups/lab']) {
      const r = await web.get(url);
      expect(r.status, url).toBe(200);
      expect(r.text).toContain('<title>groupshare peer</title>');
      expect(r.headers['content-security-policy']).toBe("default-src 'self'; script-src 'self'; frame-ancestors 'none'");
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
    }
    expect((await web.get('/api/session')).headers['cache-control']).toBe('no-store');
    // Before login even an unknown API path says only "log in first".
    expect((await web.get('/api/nothing-here')).json.error.code).toBe('ERR_NOT_LOGGED_IN');
    await shell.end();
  });

  it('lists, reads and writes nothing outside the roots: ../, absolute paths and links out are refused', async () => {
    await using world = await startWorld();
    const root = path.join(world.dir, 'root');
    const outside = path.join(world.dir, 'outside');
    await mkdir(root);
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret.txt'), 'not for the web\n');
    await writeFile(path.join(root, 'fine.txt'), 'shareable\n');
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'link-out.txt'));
    await symlink(outside, path.join(root, 'dir-out'));
    const { shell, web } = await aliceLoggedIn(world, ['--web-root', root]);
    await web.post('/api/groups', { groupId: 'lab' });
    const downloadsDir = (await web.get('/api/roots')).json.downloadsDir;

    const listing = await web.get('/api/browse?root=root1&path=');
    expect(listing.json.entries).toEqual([{ name: 'fine.txt', kind: 'file', size: 10 }]);
    for (const p of ['..', '../outside', outside, 'dir-out']) {
      const r = await web.get(`/api/browse?root=root1&path=${encodeURIComponent(p)}`);
      expect([r.status, r.json.error.code], p).toEqual([403, 'ERR_OUTSIDE_ROOTS']);
    }
    for (const p of [path.join(outside, 'secret.txt'), '../outside/secret.txt', `${root}/../outside/secret.txt`, path.join(root, 'link-out.txt'), path.join(root, 'dir-out', 'secret.txt'), '/etc/passwd']) {
      const r = await web.post('/api/groups/lab/shares', { path: p });
      expect([r.status, r.json.error.code], p).toEqual([403, 'ERR_OUTSIDE_ROOTS']);
    }
    expect((await web.post('/api/groups/lab/shares', { path: path.join(root, 'fine.txt') })).json).toEqual({ name: 'fine.txt', alreadyShared: false });

    // Writing: a download's destination and an upload's folder and name.
    const elsewhere = path.join(world.dir, 'made-by-web');
    const d = await web.post('/api/downloads', { groupId: 'lab', name: 'fine.txt', destination: elsewhere });
    expect(d.json.error.code).toBe('ERR_OUTSIDE_ROOTS');
    await expect(stat(elsewhere)).rejects.toThrow();
    const up = (folder: string, name: string) => web.post(`/api/groups/lab/uploads?folder=${encodeURIComponent(folder)}&name=${encodeURIComponent(name)}`, Buffer.from('uploaded bytes'));
    expect((await up(outside, 'x.txt')).json.error.code).toBe('ERR_OUTSIDE_ROOTS');
    expect((await up(path.join(root, 'dir-out'), 'x.txt')).json.error.code).toBe('ERR_OUTSIDE_ROOTS');
    expect((await up(path.join(root, 'dir-out', 'new-sub'), 'x.txt')).json.error.code).toBe('ERR_OUTSIDE_ROOTS');
    expect((await up('.', '../x.txt')).status).toBe(400);
    expect((await up(root, 'fine.txt')).json.error.code).toBe('ERR_PATH'); // never overwrites
    expect(await readFile(path.join(root, 'fine.txt'), 'utf8')).toBe('shareable\n');
    const refused = await web.post('/api/groups/nobody-here/uploads?folder=uploads&name=stray.txt', Buffer.from('x'));
    expect(refused.json.error.code).toBe('ERR_NO_SUCH_GROUP');
    await expect(stat(path.join(downloadsDir, 'uploads', 'stray.txt'))).rejects.toThrow(); // not left behind
    expect((await up('uploads', 'new.txt')).json).toEqual({ name: 'new.txt', alreadyShared: false });
    expect(await readFile(path.join(downloadsDir, 'uploads', 'new.txt'), 'utf8')).toBe('uploaded bytes');
    await shell.end();
  });

  it('keeps the tracker session 0600 in the data directory and never in JSON; a logout in the shell logs the browser out and forgets it', async () => {
    await using world = await startWorld();
    const { shell, web } = await aliceLoggedIn(world);
    const file = path.join(world.dir, 'alice', 'session.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const { token } = JSON.parse(await readFile(file, 'utf8')) as { token: string };
    for (const url of ['/api/session', '/api/groups', '/api/roots', '/api/shares', '/api/downloads', '/api/tokens']) expect((await web.get(url)).text, url).not.toContain(token);
    shell.send('logout');
    await shell.waitFor('logged out alice');
    expect((await web.get('/api/groups')).status).toBe(401);
    expect((await web.get('/api/session')).json.loggedIn).toBe(false);
    await expect(stat(file)).rejects.toThrow();
    await shell.end();
  });

  it('refuses a non-loopback --web without --web-allow-remote, --headless without --web, and a missing --web-root', async () => {
    await using world = await startWorld();
    const remote = await runPiped(['--data-dir', path.join(world.dir, 'x'), '--web', '0.0.0.0:0', '127.0.0.1:0', world.infoFile], []);
    expect(remote.status).toBe(2);
    expect(remote.err).toMatch(/^client: --web 0\.0\.0\.0:0: not a loopback address; .* Add --web-allow-remote/);
    const headless = await runPiped(['--data-dir', path.join(world.dir, 'x'), '--headless', '127.0.0.1:0', world.infoFile], []);
    expect([headless.status, headless.err]).toEqual([2, 'client: --headless needs --web <host:port> (the web page is its only interface)\n']);
    const noRoot = await runPiped(['--data-dir', path.join(world.dir, 'x'), '--web', '127.0.0.1:0', '--web-root', path.join(world.dir, 'missing'), '127.0.0.1:0', world.infoFile], []);
    expect(noRoot.status).toBe(2);
    expect(noRoot.err).toBe(`client: --web-root/--web-downloads: ${path.join(world.dir, 'missing')}: no such folder\n`);
  });

  it('serves over TLS with --web-tls-cert/--web-tls-key, with a Secure cookie', async () => {
    await using world = await startWorld();
    const cert = path.join(world.dir, 'cert.pem');
    const key = path.join(world.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const { shell, web } = await startWebShell(world, 'alice', ['--web-tls-cert', cert, '--web-tls-key', key]);
    expect(web.base.protocol).toBe('https:');
    const answer = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
      https
        .get(new URL('/api/session', web.base), { ca: [execFileSync('cat', [cert])], servername: 'localhost', checkServerIdentity: () => undefined }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: (res.headers['set-cookie'] ?? [])[0] ?? '' }));
        })
        .on('error', reject);
    });
    expect(answer.status).toBe(200);
    expect(answer.cookie).toMatch(/; Secure/);
    await shell.end();
  });
});
