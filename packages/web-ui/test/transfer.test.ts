// Sharing, downloading and syncing in real browsers against real peers: alice shares a file
// picked under her chosen folder and uploads another from the browser; bob downloads into a
// folder he types, watches the page reach 100 % and the SHA-1 on disk match; both sync a folder
// with the group from their pages (bob with the keyboard alone), alice's file arrives in bob's
// folder, and the page shows "up to date" and a conflict by its copy's name; a slow download is
// cancelled with its partial file deleted.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { joinAsSeeder, ScriptedPeer } from '@groupshare/testkit/peers';
import { Cleanup, fileFixture } from '@groupshare/testkit/scenario';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE } from './browser.js';
import { aliceAndBobInLab, downloadRow, expectClean, fileRow, openGroupInPage, seriousViolations, syncedRow, tabTo } from './page-helpers.js';
import { webStage } from './web-stage.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');
const IMAGES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/images');

describe('the peer web UI: sharing and downloading', () => {
  it('shares a picked file and an uploaded one, downloads into a chosen folder to 100 % with the SHA-1 matching, and syncs folders', async () => {
    const stage = await webStage(cleanup);
    const [alicePeer, bobPeer] = [await stage.peer('alice', { args: ['--web-max-upload', '64KiB'] }), await stage.peer('bob')];
    const data = randomBytes(3 * 1024 * 1024 + 12_345);
    await writeFile(path.join(alicePeer.root, 'data.bin'), data);
    const { alice, bob } = await aliceAndBobInLab(cleanup, alicePeer, bobPeer);

    // alice: Share a file → her folder → pick data.bin → Share.
    await alice.page.getByRole('button', { name: 'Share a file', exact: true }).click();
    await alice.page.getByLabel('Folder', { exact: true }).selectOption({ label: alicePeer.root });
    await alice.page.getByRole('button', { name: 'Pick data.bin', exact: true }).click();
    await expect(alice.page.getByLabel('Path', { exact: true }).inputValue()).resolves.toBe(path.join(alicePeer.root, 'data.bin'));
    await alice.page.getByRole('button', { name: 'Share', exact: true }).click();
    await fileRow(alice.page, 'data.bin').waitFor({ timeout: 30_000 });

    // ... and a browser upload into a subfolder of her folder: the bytes land there and are shared.
    const notes = Buffer.from('notes from the browser\n'.repeat(1000));
    await alice.page.getByRole('button', { name: 'Share a file', exact: true }).click();
    await alice.page.getByLabel('Folder', { exact: true }).selectOption({ label: alicePeer.root });
    // A file over her peer's --web-max-upload (64 KiB) is refused as soon as it is picked, and nothing is sent.
    await alice.page.getByText('At most 64 KiB per file.').waitFor();
    await alice.page.getByLabel('File to upload').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(100 * 1024) });
    await alice.page.getByRole('alert').getByText('big.bin is 100 KiB, larger than this peer accepts from the web page (64 KiB; see --web-max-upload)').waitFor();
    const uploads: string[] = [];
    alice.page.on('request', (r) => {
      if (r.url().includes('/uploads?')) uploads.push(r.url());
    });
    await alice.page.getByRole('button', { name: 'Upload and share', exact: true }).click();
    await alice.page.getByLabel('File to upload').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: notes });
    await alice.page.getByLabel('Subfolder').fill('uploads');
    await alice.page.getByRole('button', { name: 'Upload and share', exact: true }).click();
    await fileRow(alice.page, 'notes.txt').waitFor({ timeout: 30_000 });
    expect(sha1(await readFile(path.join(alicePeer.root, 'uploads', 'notes.txt')))).toBe(sha1(notes));
    expect(uploads.map((u) => new URL(u).searchParams.get('name'))).toEqual(['notes.txt']);

    // bob: the file's row, Download, a folder of his choosing, Start download, 100 %.
    await openGroupInPage(bob.page, 'lab');
    const row = fileRow(bob.page, 'data.bin');
    await row.waitFor();
    await row.getByRole('button', { name: 'Download', exact: true }).click();
    const destination = bob.page.getByLabel('Destination folder');
    await expect(destination.inputValue()).resolves.toBe(bobPeer.downloads);
    const chosen = path.join(bobPeer.root, 'incoming');
    await destination.fill(chosen);
    await bob.page.getByRole('button', { name: 'Start download', exact: true }).click();
    const dl = downloadRow(bob.page, 'data.bin');
    await dl.getByText('100 %', { exact: true }).waitFor({ timeout: 30_000 });
    await dl.getByText('completed').waitFor({ timeout: 30_000 });
    expect(sha1(await readFile(path.join(chosen, 'data.bin')))).toBe(sha1(data));

    // alice stops sharing the upload (nobody else holds it): its row goes from both pages.
    await fileRow(alice.page, 'notes.txt').getByRole('button', { name: 'Stop sharing', exact: true }).click();
    await fileRow(alice.page, 'notes.txt').waitFor({ state: 'detached', timeout: 10_000 });
    await bob.page.reload();
    await openGroupInPage(bob.page, 'lab');
    await fileRow(bob.page, 'data.bin').waitFor();
    expect(await fileRow(bob.page, 'notes.txt').count()).toBe(0);

    // Folder sync. alice's folder holds a report (its name markup) and her plan; bob's holds his
    // own plan.txt, a version made without knowing hers: a conflict, both kept.
    const report = randomBytes(300_000);
    const reportName = '<img src=x onerror=alert(1)> report.bin';
    const aliceSync = path.join(alicePeer.root, 'lab-sync');
    const bobSync = path.join(bobPeer.downloads, 'lab-sync');
    await mkdir(aliceSync);
    await mkdir(bobSync);
    await writeFile(path.join(aliceSync, reportName), report);
    await writeFile(path.join(aliceSync, 'plan.txt'), 'plan by alice\n');
    await writeFile(path.join(bobSync, 'plan.txt'), 'plan by bob\n');
    await alice.page.getByRole('button', { name: 'Sync a folder', exact: true }).click();
    await alice.page.getByLabel('In folder', { exact: true }).selectOption({ label: alicePeer.root });
    await alice.page.getByLabel('Subfolder to sync').fill('lab-sync');
    await alice.page.getByRole('button', { name: 'Sync folder', exact: true }).click();
    await syncedRow(alice.page, aliceSync).getByText('up to date', { exact: true }).waitFor({ timeout: 30_000 });

    // bob with the keyboard alone: the group and his downloads folder are the form's first choices.
    await bob.page.locator('body').focus();
    await tabTo(bob.page, 'Sync a folder');
    await bob.page.keyboard.press('Enter');
    await tabTo(bob.page, 'Subfolder to sync');
    await bob.page.keyboard.type('lab-sync');
    await tabTo(bob.page, 'Sync folder');
    await bob.page.keyboard.press('Enter');
    const bobRow = syncedRow(bob.page, bobSync);
    await bobRow.getByText('up to date, 1 conflict', { exact: true }).waitFor({ timeout: 30_000 });
    expect(sha1(await readFile(path.join(bobSync, reportName)))).toBe(sha1(report));
    const copy = (await readdir(bobSync)).find((f) => f.includes('.sync-conflict-')) as string;
    expect(copy).toMatch(/^plan\.sync-conflict-\d{8}-\d{6}-(alice|bob)\.txt$/);
    expect([await readFile(path.join(bobSync, 'plan.txt'), 'utf8'), await readFile(path.join(bobSync, copy), 'utf8')].sort()).toEqual(['plan by alice\n', 'plan by bob\n']);
    await bobRow.getByRole('group', { name: `Conflicts in ${bobSync}` }).getByText(copy, { exact: true }).waitFor({ timeout: 10_000 });
    await bobRow.getByText(`${reportName}: received`, { exact: false }).waitFor();
    // The markup in a name stays text; axe finds nothing serious at either size; at 390 px the
    // row's Unsync stays within the screen.
    expect(await bob.page.locator('section.synced img').count()).toBe(0);
    const found: string[] = [];
    for (const size of [DESKTOP, PHONE]) {
      await bob.page.setViewportSize(size);
      found.push(...(await seriousViolations(bob.page)).map((v) => `synced folders at ${size.width}: ${v}`));
    }
    const unsync = bobRow.getByRole('button', { name: 'Unsync', exact: true });
    const box = await unsync.boundingBox();
    expect(box !== null && box.x >= 0 && box.x + box.width <= PHONE.width).toBe(true);
    await bob.page.setViewportSize(DESKTOP);
    expect(found).toEqual([]);
    await bob.page.locator('section.synced').screenshot({ path: path.join(IMAGES, 'synced.png') });

    // alice unsyncs, after saying so; her files stay.
    const aliceRow = syncedRow(alice.page, aliceSync);
    await aliceRow.getByRole('button', { name: 'Unsync', exact: true }).click();
    await alice.page.getByRole('button', { name: 'Stop syncing', exact: true }).click();
    await aliceRow.waitFor({ state: 'detached', timeout: 10_000 });
    await alice.page.getByText('No folders synced.', { exact: false }).waitFor();
    expect(sha1(await readFile(path.join(aliceSync, reportName)))).toBe(sha1(report));
    expectClean(alice.watch);
    expectClean(bob.watch);
  });

  it('cancels a running download and deletes its partial file', async () => {
    const stage = await webStage(cleanup);
    const [alicePeer, bobPeer] = [await stage.peer('alice'), await stage.peer('bob')];
    const { alice, bob } = await aliceAndBobInLab(cleanup, alicePeer, bobPeer);

    // A slow seeder (about 320 KiB/s) so the download is still running when bob cancels.
    const data = randomBytes(8 * 1024 * 1024);
    const fixture = fileFixture('lab', 'slow.bin', data, 256 * 1024);
    const seeder = cleanup.add(await ScriptedPeer.listen({ name: 'seed', data, pieceLength: 256 * 1024, infoHash: fixture.infoHash, behaviour: { kind: 'honest', blocksPerSecond: 20 } }));
    await joinAsSeeder(seeder, {
      ws: await stage.cluster.connect(1),
      userId: 'seed',
      groupId: 'lab',
      share: fixture.share,
      accept: async (userId) => {
        await openGroupInPage(alice.page, 'lab');
        await alice.page.getByRole('listitem').filter({ hasText: userId }).getByRole('button', { name: 'Accept', exact: true }).click();
        await alice.page.getByText(`Accepted ${userId} in lab`).waitFor(); // the tracker has it: the member may share now
      },
    });

    await openGroupInPage(bob.page, 'lab');
    await fileRow(bob.page, 'slow.bin').getByRole('button', { name: 'Download', exact: true }).click();
    await bob.page.getByRole('button', { name: 'Start download', exact: true }).click();
    const dl = downloadRow(bob.page, 'slow.bin');
    await dl.getByText(/^[1-9]\d? %$/).waitFor({ timeout: 30_000 });
    const partial = async (): Promise<string[]> => (await readdir(bobPeer.downloads).catch(() => [])).filter((f) => f.includes('slow.bin'));
    expect(await partial()).not.toEqual([]);

    await dl.getByRole('button', { name: 'Cancel', exact: true }).click();
    await bob.page.getByLabel('Delete the partial file').check();
    await bob.page.getByRole('button', { name: 'Cancel download', exact: true }).click();
    await dl.waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(partial, { timeout: 5_000 }).toEqual([]);
    expect(existsSync(path.join(bobPeer.downloads, 'slow.bin'))).toBe(false);
    expectClean(bob.watch);
  });
});
