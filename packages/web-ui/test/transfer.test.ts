// Sharing and downloading in real browsers against real peers: alice shares a file picked under
// her chosen folder and uploads another from the browser; bob downloads into a folder he types,
// watches the page reach 100 % and the SHA-1 on disk match; a slow download is cancelled with its
// partial file deleted.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { joinAsSeeder, ScriptedPeer } from '@groupshare/testkit/peers';
import { Cleanup, fileFixture } from '@groupshare/testkit/scenario';
import { afterEach, describe, expect, it } from 'vitest';
import { aliceAndBobInLab, downloadRow, expectClean, fileRow, openGroupInPage } from './page-helpers.js';
import { webStage } from './web-stage.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

describe('the peer web UI: sharing and downloading', () => {
  it('shares a picked file and an uploaded one, and downloads into a chosen folder to 100 % with the SHA-1 matching', async () => {
    const stage = await webStage(cleanup);
    const [alicePeer, bobPeer] = [await stage.peer('alice'), await stage.peer('bob')];
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
    await alice.page.getByLabel('File to upload').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: notes });
    await alice.page.getByLabel('Subfolder').fill('uploads');
    await alice.page.getByRole('button', { name: 'Upload and share', exact: true }).click();
    await fileRow(alice.page, 'notes.txt').waitFor({ timeout: 30_000 });
    expect(sha1(await readFile(path.join(alicePeer.root, 'uploads', 'notes.txt')))).toBe(sha1(notes));

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
