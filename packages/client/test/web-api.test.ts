// The web API over a real tracker: a client runs its shell and `--web` in one process; the tests
// speak HTTP to it as the page does and check what the user would see (answers, events, files on
// disk, what the shell prints).
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startWorld, TestShell } from './helpers.js';
import { startWebShell } from './web-client.js';

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the web API', () => {
  it('answers nothing but the session before login; logs in, lists and creates groups; the shell sees the login', async () => {
    await using world = await startWorld();
    const { shell, web } = await startWebShell(world, 'alice');
    await shell.waitFor('web interface at http://127.0.0.1:');
    for (const url of ['/api/groups', '/api/downloads', '/api/shares', '/api/roots', '/api/events', '/api/tokens']) {
      const r = await web.get(url);
      expect(r.status, url).toBe(401);
      expect(r.json.error.code, url).toBe('ERR_NOT_LOGGED_IN');
    }
    const session = await web.get('/api/session');
    expect(session.json).toMatchObject({ loggedIn: false, peer: { webPort: web.base.port === '' ? 80 : Number(web.base.port) } });
    web.csrf = session.json.csrfToken;

    expect((await web.post('/api/accounts', { userId: 'Alice', password: 'alice-password' })).json).toEqual({ userId: 'alice' });
    const wrong = await web.post('/api/session/login', { userId: 'alice', password: 'not-her-password' });
    expect([wrong.status, wrong.json.error.code]).toEqual([401, 'ERR_BAD_CREDENTIALS']);
    expect((await web.get('/api/groups')).status).toBe(401);

    const login = await web.login('alice', 'alice-password');
    expect(login.status).toBe(200);
    expect((await web.get('/api/session')).json).toMatchObject({ loggedIn: true, userId: 'alice' });
    expect(JSON.stringify(login.json)).not.toMatch(/token"/); // csrfToken only, never the tracker's session token

    expect((await web.post('/api/groups', { groupId: 'lab' })).json).toEqual({ groupId: 'lab' });
    expect((await web.get('/api/groups')).json.groups).toEqual([{ id: 'lab', owner: 'alice', memberCount: 1, member: true, isOwner: true, requested: false }]);
    // The same engine: the shell is logged in as alice and sees the group.
    shell.send('list_groups');
    await shell.waitFor(/lab\s+alice\s+1\s+owner/);
    expect(await shell.end()).toBe(0);
  });

  it('a join request reaches the owner\'s event stream within 1 s; accepting it in the web tells the requester', async () => {
    await using world = await startWorld();
    const { shell, web } = await startWebShell(world, 'alice');
    const bob = TestShell.start(world, 'bob');
    bob.send('create_user alice alice-password', 'create_user bob bob-password', 'login bob bob-password');
    await bob.waitFor('logged in as bob');
    expect((await web.login('alice', 'alice-password')).status).toBe(200);
    await web.post('/api/groups', { groupId: 'lab' });
    const stream = web.events();
    await stream.ready;

    const asked = Date.now();
    bob.send('join_group lab');
    const event = await until('the request event', () => stream.events.find((e) => e.event === 'request'));
    expect(event.data).toEqual({ groupId: 'lab', userId: 'bob' });
    expect(event.at - asked).toBeLessThan(1_000);

    expect((await web.get('/api/groups/lab/requests')).json.requests).toMatchObject([{ userId: 'bob' }]);
    expect((await web.post('/api/groups/lab/requests/bob/accept')).status).toBe(200);
    await bob.waitFor('your request to join lab was accepted');
    expect((await web.get('/api/groups/lab/members')).json.members.map((m: { userId: string }) => m.userId)).toEqual(['alice', 'bob']);
    stream.close();
    await bob.end();
    await shell.end();
  });

  it('shares a file from a root, shows its availability, and another peer downloads it through its web API; cancel deletes a partial file', async () => {
    await using world = await startWorld();
    const data = randomBytes(1_200_000);
    const shared = path.join(world.dir, 'mine');
    await import('node:fs/promises').then((fs) => fs.mkdir(shared));
    await writeFile(path.join(shared, 'data.bin'), data);
    const alice = await startWebShell(world, 'alice', ['--web-root', shared]);
    const bob = await startWebShell(world, 'bob');
    await alice.web.get('/api/session').then((s) => (alice.web.csrf = s.json.csrfToken));
    await alice.web.post('/api/accounts', { userId: 'alice', password: 'alice-password' });
    await alice.web.post('/api/accounts', { userId: 'bob', password: 'bob-password' });
    await alice.web.login('alice', 'alice-password');
    await bob.web.login('bob', 'bob-password');
    await alice.web.post('/api/groups', { groupId: 'lab' });

    const roots = (await alice.web.get('/api/roots')).json;
    expect(roots.roots.map((r: { id: string }) => r.id)).toEqual(['downloads', 'root1']);
    const listing = (await alice.web.get('/api/browse?root=root1&path=')).json;
    expect(listing.entries).toEqual([{ name: 'data.bin', kind: 'file', size: data.length }]);
    const share = await alice.web.post('/api/groups/lab/shares', { path: path.join(shared, 'data.bin') });
    expect(share.json).toEqual({ name: 'data.bin', alreadyShared: false });
    alice.shell.send('list_shares');
    await alice.shell.waitFor(/data\.bin/);
    expect((await alice.web.get('/api/shares')).json.shares).toMatchObject([{ groupId: 'lab', name: 'data.bin', kind: 'share', size: data.length }]);

    await bob.web.post('/api/groups/lab/join');
    await alice.web.post('/api/groups/lab/requests/bob/accept');
    const files = (await bob.web.get('/api/groups/lab/files')).json.files;
    expect(files).toHaveLength(1);
    const file = files[0];
    expect(file).toMatchObject({ name: 'data.bin', size: data.length, seeders: 1, holders: [{ userId: 'alice', online: true, complete: true }], offlineOnlyPieces: 0 });
    expect([...Buffer.from(file.availability, 'base64')]).toEqual(new Array(file.pieceCount).fill(1));

    const started = await bob.web.post('/api/downloads', { groupId: 'lab', name: 'data.bin', destination: 'got' });
    expect(started.status).toBe(200);
    const done = await until('the download to complete', async () =>
      (await bob.web.get('/api/downloads')).json.downloads.find((d: { state: string }) => d.state === 'completed'),
    );
    expect(done).toMatchObject({ id: started.json.id, name: 'data.bin', size: data.length, done: data.length });
    expect([...Buffer.from(done.pieces, 'base64')].every((p) => p === 2)).toBe(true);
    const downloadsDir = (await bob.web.get('/api/roots')).json.downloadsDir;
    expect(sha1(await readFile(path.join(downloadsDir, 'got', 'data.bin')))).toBe(sha1(data));
    // The shell of the same peer announced it.
    await bob.shell.waitFor('[C] [lab] data.bin: complete, SHA-1 verified');

    await alice.shell.end();
    await bob.shell.end();
  });
});
