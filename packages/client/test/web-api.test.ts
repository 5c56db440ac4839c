// The web API over a real tracker: a client runs its shell and `--web` in one process; the tests
// speak HTTP to it as the page does and check what the user would see (answers, events, files on
// disk, what the shell prints).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { leavePartialDownload, startWorld, TestShell, until } from './helpers.js';
import { aliceAndBobWithLab, startWebShell } from './web-client.js';

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

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
    // And the other way round: a group the shell creates is announced on the page's stream.
    const stream = web.events();
    await stream.ready;
    shell.send('create_group lab2');
    const event = await until('the groups event', () => stream.events.find((e) => e.event === 'groups'));
    expect(event.data).toEqual({ groupId: 'lab2' });
    stream.close();
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

  it('shares a file from a root, shows its availability, and another peer downloads it through its web API', async () => {
    await using world = await startWorld();
    const data = randomBytes(1_200_000);
    const shared = path.join(world.dir, 'mine');
    await mkdir(shared);
    await writeFile(path.join(shared, 'data.bin'), data);
    const { alice, bob } = await aliceAndBobWithLab(world, ['--web-root', shared]);

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

    const stream = bob.web.events();
    await stream.ready;
    // An idle stream sends nothing but its opening lines.
    await new Promise((r) => setTimeout(r, 400));
    expect(stream.events).toEqual([]);
    const started = await bob.web.post('/api/downloads', { groupId: 'lab', name: 'data.bin', destination: 'got' });
    expect(started.status).toBe(200);
    const done = await until('the download to complete', async () =>
      (await bob.web.get('/api/downloads')).json.downloads.find((d: { state: string }) => d.state === 'completed'),
    );
    expect(done).toMatchObject({ id: started.json.id, name: 'data.bin', size: data.length, done: data.length });
    expect([...Buffer.from(done.pieces, 'base64')].every((p) => p === 2)).toBe(true);
    const downloadsDir = (await bob.web.get('/api/roots')).json.downloadsDir;
    expect(sha1(await readFile(path.join(downloadsDir, 'got', 'data.bin')))).toBe(sha1(data));
    // The event stream carried the progress, coalesced, up to the completed state.
    await until('the completed state on the stream', () =>
      stream.events.find((e) => e.event === 'downloads' && (e.data as { downloads: Array<{ state: string }> }).downloads.some((d) => d.state === 'completed')),
    );
    const progress = stream.events.filter((e) => e.event === 'downloads');
    for (let i = 1; i < progress.length; i++) expect((progress[i] as { at: number }).at - (progress[i - 1] as { at: number }).at).toBeGreaterThanOrEqual(50);
    stream.close();
    // The shell of the same peer announced it.
    await bob.shell.waitFor('[C] [lab] data.bin: complete, SHA-1 verified');

    await alice.shell.end();
    await bob.shell.end();
  });

  it('a download waiting for an offline holder shows its piece bar and offline-only pieces; cancelling it deletes the partial data; the stream says it is gone', async () => {
    await using world = await startWorld();
    const data = randomBytes(1_200_000); // 5 pieces of 256 KiB
    await writeFile(path.join(world.dir, 'data.bin'), data);
    const alice = TestShell.start(world, 'alice', { env: { HOME: world.dir } });
    alice.send('create_user alice alice-password', 'create_user bob bob-password', 'login alice alice-password', 'create_group lab', 'upload_file ~/data.bin lab');
    await alice.waitFor('sharing data.bin in lab');
    const bob = await startWebShell(world, 'bob', ['--stall-after', '0.3']);
    await bob.web.login('bob', 'bob-password');
    await bob.web.post('/api/groups/lab/join');
    alice.send('accept_request lab bob', 'logout');
    await alice.waitFor('logged out alice');

    const files = (await bob.web.get('/api/groups/lab/files')).json.files;
    expect(files[0]).toMatchObject({ name: 'data.bin', holders: [{ userId: 'alice', online: false }], offlineOnlyPieces: 5 });
    expect([...Buffer.from(files[0].availability, 'base64')]).toEqual([0, 0, 0, 0, 0]);

    const downloadsDir = (await bob.web.get('/api/roots')).json.downloadsDir;
    const partDir = path.join(downloadsDir, 'part');
    await leavePartialDownload(partDir, 'data.bin', data, [0, 1]);
    const before = await readdir(partDir);
    expect(before.length).toBeGreaterThan(0);
    const stream = bob.web.events();
    await stream.ready;
    const started = await bob.web.post('/api/downloads', { groupId: 'lab', name: 'data.bin', destination: partDir });
    expect(started.status).toBe(200);
    const waiting = await until('the download to wait', async () =>
      (await bob.web.get('/api/downloads')).json.downloads.find((d: { state: string }) => d.state === 'waiting'),
    );
    expect(waiting).toMatchObject({ piecesDone: 2, pieceCount: 5, reason: expect.stringContaining('no online member') });
    expect([...Buffer.from(waiting.pieces, 'base64')]).toEqual([2, 2, 0, 0, 0]);

    const cancel = await bob.web.post(`/api/downloads/${started.json.id}/cancel`, { deletePartial: true });
    expect(cancel.json).toEqual({ deleted: true });
    expect(await readdir(partDir)).toEqual([]);
    expect((await bob.web.get('/api/downloads')).json.downloads).toEqual([]);
    const removed = await until('the removal event', () =>
      stream.events.find((e) => e.event === 'downloads' && (e.data as { removed: string[] }).removed.includes(started.json.id)),
    );
    expect(removed).toBeDefined();
    stream.close();
    await alice.end();
    await bob.shell.end();
  });

  it('API tokens work for scripts without a cookie or CSRF token, are listed by label only, and stop working when revoked; OpenAPI describes the routes', async () => {
    await using world = await startWorld();
    const { shell, web } = await startWebShell(world, 'alice');
    await web.get('/api/session').then((s) => (web.csrf = s.json.csrfToken));
    await web.post('/api/accounts', { userId: 'alice', password: 'alice-password' });
    await web.login('alice', 'alice-password');
    const made = await web.post('/api/tokens', { label: 'backup script' });
    expect(made.json.token).toMatch(/^gst_/);
    expect((await web.get('/api/tokens')).json).toEqual({ tokens: [{ label: 'backup script', createdAt: expect.any(String) }] });

    const { WebClient } = await import('./web-client.js');
    const script = new WebClient(web.base);
    const auth = { authorization: `Bearer ${made.json.token}`, origin: '', 'sec-fetch-site': '' };
    expect((await script.request('POST', '/api/groups', { groupId: 'scripted' }, auth)).json).toEqual({ groupId: 'scripted' });
    expect((await script.get('/api/groups', auth)).json.groups.map((g: { id: string }) => g.id)).toEqual(['scripted']);
    expect((await script.get('/api/groups', { authorization: 'Bearer gst_forged' })).status).toBe(401);

    await web.post('/api/tokens/backup%20script/revoke');
    expect((await script.get('/api/groups', auth)).status).toBe(401);

    const api = (await web.get('/api/openapi.json')).json;
    expect(api.openapi).toMatch(/^3\./);
    for (const route of ['/api/session/login', '/api/groups/{groupId}/files', '/api/downloads/{id}/cancel', '/api/events', '/api/browse']) expect(Object.keys(api.paths)).toContain(route);
    expect(api.paths['/api/downloads'].post.requestBody.content['application/json'].schema.required).toEqual(['groupId', 'name']);
    expect(api.paths['/api/session/logout'].post.responses['200'].content['application/json'].schema.properties).toEqual({ trackerTold: { type: 'boolean' } });
    await shell.end();
  });

  it('rejects and accepts requests, stops a share, leaves a group and logs out from the web; the stream tells the answers and a lost tracker', async () => {
    await using world = await startWorld();
    const { alice, bob } = await aliceAndBobWithLab(world);
    const bobEvents = bob.web.events();
    const aliceEvents = alice.web.events();
    await Promise.all([bobEvents.ready, aliceEvents.ready]);

    // As a page's fetch may send it: the JSON content type and no body at all.
    expect((await bob.web.request('POST', '/api/groups/lab/join', undefined, { 'content-type': 'application/json' })).json).toEqual({ groupId: 'lab' });
    expect((await bob.web.get('/api/groups')).json.groups).toMatchObject([{ id: 'lab', member: false, requested: true }]);
    expect((await alice.web.post('/api/groups/lab/requests/bob/reject')).status).toBe(200);
    await until('the rejection', () => bobEvents.events.find((e) => e.event === 'request-answered'));
    expect(bobEvents.events.find((e) => e.event === 'request-answered')?.data).toEqual({ groupId: 'lab', accepted: false });
    await bob.web.post('/api/groups/lab/join');
    await alice.web.post('/api/groups/lab/requests/bob/accept');
    await until('the acceptance', () => bobEvents.events.find((e) => e.event === 'request-answered' && (e.data as { accepted: boolean }).accepted));

    const up = await alice.web.post('/api/groups/lab/uploads?folder=up&name=notes.txt', Buffer.from('meeting notes\n'));
    expect(up.json).toEqual({ name: 'notes.txt', alreadyShared: false });
    await until('the share event', () => aliceEvents.events.find((e) => e.event === 'shares'));
    expect((await bob.web.get('/api/groups/lab/files')).json.files.map((f: { name: string }) => f.name)).toEqual(['notes.txt']);
    expect((await alice.web.post('/api/groups/lab/files/notes.txt/stop')).json).toEqual({ withdrawn: true });
    expect((await bob.web.get('/api/groups/lab/files')).json.files).toEqual([]);

    expect((await bob.web.post('/api/groups/lab/leave')).json).toEqual({ groupId: 'lab', groupDeleted: false, newOwner: null });
    expect((await alice.web.get('/api/groups/lab/members')).json.members.map((m: { userId: string }) => m.userId)).toEqual(['alice']);

    expect((await alice.web.post('/api/session/logout')).json).toEqual({ trackerTold: true });
    expect((await alice.web.get('/api/groups')).status).toBe(401);
    alice.shell.send('list_groups');
    await alice.shell.waitFor('you are not logged in', 'err');
    bobEvents.close();
    aliceEvents.close();

    const again = bob.web.events();
    await again.ready;
    await world.tracker.stop();
    const lost = await until('the tracker event', () => again.events.find((e) => e.event === 'tracker'));
    expect(lost.data).toEqual({ state: 'disconnected', address: `127.0.0.1:${world.port}` });
    again.close();
    // With no tracker reachable the logout still ends the session here, and says the trackers were not told.
    expect((await bob.web.post('/api/session/logout')).json).toEqual({ trackerTold: false });
    expect((await bob.web.get('/api/groups')).status).toBe(401);
    await alice.shell.end();
    await bob.shell.end();
  });
});
