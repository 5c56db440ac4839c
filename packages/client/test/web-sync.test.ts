// Synced folders through the web API (docs/web-api.md, /api/synced): a client runs its shell and
// `--web` in one process, so the page's routes and the shell's commands meet in one engine.
// Binding is confined to the roots like every path the API takes, guarded like every POST, and
// refused with the shell's stable codes; two members' folders converge, a conflict is named, and
// the event stream carries the folders' state.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startWorld, until } from './helpers.js';
import { aliceAndBobWithLab, type WebClient } from './web-client.js';

const sha1 = (b: Buffer | string): string => createHash('sha1').update(b).digest('hex');

/** The folder `dir` of `web`'s synced folders, once `ready` holds for it. */
function syncedFolder(web: WebClient, dir: string, ready: (f: any) => boolean): Promise<any> {
  return until(`${dir} in /api/synced`, async () => {
    const f = (await web.get('/api/synced')).json.folders?.find((x: { dir: string }) => x.dir === dir);
    return f !== undefined && ready(f) ? f : undefined;
  }, 20_000);
}

describe('synced folders in the web API', () => {
  it('binds a folder inside a root, refuses what the shell refuses and anything outside the roots, and unbinds', async () => {
    await using world = await startWorld();
    const root = path.join(world.dir, 'shared');
    const outside = path.join(world.dir, 'elsewhere');
    await mkdir(root);
    await mkdir(outside);
    await symlink(outside, path.join(root, 'way-out'));
    const { alice, bob } = await aliceAndBobWithLab(world, ['--web-root', root]);
    const web = alice.web;
    expect((await web.get('/api/synced')).json).toEqual({ folders: [] });

    // Outside the roots: `../`, an absolute path elsewhere, a link inside a root leading out.
    for (const typed of ['../elsewhere', outside, path.join(root, 'way-out'), path.join(root, 'way-out', 'new')]) {
      const r = await web.post('/api/synced', { groupId: 'lab', path: typed });
      expect([r.status, r.json.error.code], typed).toEqual([403, 'ERR_OUTSIDE_ROOTS']);
    }
    expect(await readdir(outside)).toEqual([]);
    // A group that is not there: refused before the folder is made.
    const typo = path.join(root, 'typo');
    const noGroup = await web.post('/api/synced', { groupId: 'nolab', path: typo });
    expect([noGroup.status, noGroup.json.error.code]).toEqual([404, 'ERR_NO_SUCH_GROUP']);
    expect(existsSync(typo)).toBe(false);
    // State changes from another site, or without the page's CSRF token.
    const lab = path.join(root, 'lab files');
    const csrf = await web.post('/api/synced', { groupId: 'lab', path: lab }, { 'x-csrf-token': '' });
    expect([csrf.status, csrf.json.error.code]).toEqual([403, 'ERR_CSRF']);
    const cross = await web.post('/api/synced', { groupId: 'lab', path: lab }, { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' });
    expect([cross.status, cross.json.error.code]).toEqual([403, 'ERR_FORBIDDEN_ORIGIN']);
    const bad = await web.post('/api/synced', { groupId: 'lab' });
    expect([bad.status, bad.json.error.code]).toEqual([400, 'ERR_BAD_REQUEST']);
    expect(existsSync(lab)).toBe(false);

    // The folder is made, bound, synced; the shell's list_synced shows the same binding.
    const bound = await web.post('/api/synced', { groupId: 'Lab', path: lab, mirrorDeletes: true });
    expect(bound.status).toBe(200);
    expect(bound.json).toEqual({ groupId: 'lab', dir: lab, mirrorDeletes: true });
    await writeFile(path.join(lab, 'a.txt'), 'a');
    const folder = await syncedFolder(web, lab, (f) => f.files === 1 && f.state === 'up-to-date');
    expect(folder).toMatchObject({ groupId: 'lab', mirrorDeletes: true, insideRoots: true, conflicts: 0, conflictCopies: [], watch: 'watching', summary: 'up to date' });
    alice.shell.send('list_synced');
    await alice.shell.waitFor(`lab  ${lab} (mirrors deletions)  1 file, up to date`);

    const again = await web.post('/api/synced', { groupId: 'lab', path: lab });
    expect([again.status, again.json.error.code]).toEqual([409, 'ERR_ALREADY_SYNCED']);
    const nested = await web.post('/api/synced', { groupId: 'lab', path: path.join(lab, 'inner') });
    expect([nested.status, nested.json.error.code]).toEqual([409, 'ERR_NESTED_SYNC']);

    const unbound = await web.post('/api/synced/unsync', { groupId: 'lab', path: lab });
    expect(unbound.json).toEqual({ groupId: 'lab', dir: lab, mirrorDeletes: true });
    expect((await web.get('/api/synced')).json).toEqual({ folders: [] });
    expect(await readFile(path.join(lab, 'a.txt'), 'utf8')).toBe('a'); // the files stay
    const notSynced = await web.post('/api/synced/unsync', { groupId: 'lab', path: lab });
    expect([notSynced.status, notSynced.json.error.code]).toEqual([404, 'ERR_NOT_SYNCED']);
    const outUnsync = await web.post('/api/synced/unsync', { groupId: 'lab', path: outside });
    expect([outUnsync.status, outUnsync.json.error.code]).toEqual([403, 'ERR_OUTSIDE_ROOTS']);

    const api = (await web.get('/api/openapi.json')).json;
    expect(api.paths['/api/synced'].post.requestBody.content['application/json'].schema.required).toEqual(['groupId', 'path']);
    expect(Object.keys(api.paths)).toContain('/api/synced/unsync');
    await bob.shell.end();
    expect(await alice.shell.end()).toBe(0);
  });

  it("converges two members' folders, names a conflict's copy, and streams the folders' state", async () => {
    await using world = await startWorld();
    const aliceDir = path.join(world.dir, 'alice-lab');
    await mkdir(aliceDir);
    const report = Buffer.from('quarterly figures\n'.repeat(5000));
    await writeFile(path.join(aliceDir, 'report.txt'), report);
    await writeFile(path.join(aliceDir, 'plan.txt'), 'plan by alice\n');
    const { alice, bob } = await aliceAndBobWithLab(world);
    alice.shell.send(`sync_folder lab "${aliceDir}"`);
    await alice.shell.waitFor(`syncing ${aliceDir} with lab`);

    // Not yet a member: bob may not bind a folder to lab.
    const refused = await bob.web.post('/api/synced', { groupId: 'lab', path: 'lab' });
    expect([refused.status, refused.json.error.code]).toEqual([403, 'ERR_NOT_MEMBER']);
    await bob.web.post('/api/groups/lab/join');
    await alice.web.post('/api/groups/lab/requests/bob/accept');

    // bob's folder (relative: inside his downloads folder) holds his own plan.txt: a conflict.
    const downloads = (await bob.web.get('/api/roots')).json.downloadsDir as string;
    const bobDir = path.join(await realpath(downloads), 'lab');
    await mkdir(bobDir);
    await writeFile(path.join(bobDir, 'plan.txt'), 'plan by bob\n');
    const stream = bob.web.events();
    await stream.ready;
    expect((await bob.web.post('/api/synced', { groupId: 'lab', path: 'lab' })).json).toEqual({ groupId: 'lab', dir: bobDir, mirrorDeletes: false });

    const folder = await syncedFolder(bob.web, bobDir, (f) => f.state === 'up-to-date' && f.files === 3 && f.conflictCopies.length === 1);
    expect(sha1(await readFile(path.join(bobDir, 'report.txt')))).toBe(sha1(report));
    const copy = folder.conflictCopies[0] as string;
    expect(copy).toMatch(/^plan\.sync-conflict-\d{8}-\d{6}-(alice|bob)\.txt$/);
    const versions = [await readFile(path.join(bobDir, 'plan.txt'), 'utf8'), await readFile(path.join(bobDir, copy), 'utf8')];
    expect(versions.sort()).toEqual(['plan by alice\n', 'plan by bob\n']);
    expect(folder).toMatchObject({ conflicts: 1, summary: 'up to date, 1 conflict' });
    expect(folder.events.map((e: { text: string }) => e.text)).toContain('report.txt: received');
    expect(folder.events.find((e: { kind: string }) => e.kind === 'conflict')).toMatchObject({ path: 'plan.txt', warn: true, text: `plan.txt was changed here and by another member at once: both kept, one as ${copy}` });

    // The stream told the page as it went: the folder syncing, then up to date with the conflict named.
    const states = (): any[] => stream.events.filter((e) => e.event === 'synced').flatMap((e) => (e.data as { folders: any[] }).folders);
    await until('the up-to-date folder with its conflict copy on the stream', () => states().find((f) => f.state === 'up-to-date' && f.conflictCopies.includes(copy)));
    expect(states().some((f) => f.state !== 'up-to-date' || f.files < 3)).toBe(true);
    stream.close();
    await bob.shell.end();
    await alice.shell.end();
  });
});
