// A headless peer (`--headless --web`) is a service: logged in once from the page, it shares a
// file; stopped with SIGTERM it exits cleanly, and started again it shares the file again from
// its remembered session, with nobody logging in, so another member downloads it whole.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Cleanup } from '@groupshare/testkit/scenario';
import { afterEach, describe, expect, it } from 'vitest';
import { aliceAndBobInLab, downloadRow, expectClean, fileRow, openGroupInPage } from './page-helpers.js';
import { webStage } from './web-stage.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

describe('the peer web UI: a headless peer', () => {
  it('stopped with SIGTERM and started again resumes its shares without a login', async () => {
    const stage = await webStage(cleanup);
    const alicePeer = await stage.peer('alice', { headless: true });
    const bobPeer = await stage.peer('bob');
    const data = randomBytes(2 * 1024 * 1024 + 777);
    await writeFile(path.join(alicePeer.root, 'kept.bin'), data);
    const { alice, bob } = await aliceAndBobInLab(cleanup, alicePeer, bobPeer);
    await alice.page.getByRole('button', { name: 'Share a file', exact: true }).click();
    await alice.page.getByLabel('Folder', { exact: true }).selectOption({ label: alicePeer.root });
    await alice.page.getByRole('button', { name: 'Pick kept.bin', exact: true }).click();
    await alice.page.getByRole('button', { name: 'Share', exact: true }).click();
    await fileRow(alice.page, 'kept.bin').waitFor({ timeout: 30_000 });
    await alice.context.close();

    const exit = await alicePeer.client.kill('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    await stage.restart(alicePeer);

    // Nobody logs in to alice's page: her peer is back from its remembered session and serves.
    await bob.page.reload();
    await openGroupInPage(bob.page, 'lab');
    const row = fileRow(bob.page, 'kept.bin');
    await row.getByRole('button', { name: 'Download', exact: true }).click();
    await bob.page.getByRole('button', { name: 'Start download', exact: true }).click();
    await downloadRow(bob.page, 'kept.bin').getByText('100 %', { exact: true }).waitFor({ timeout: 30_000 });
    await downloadRow(bob.page, 'kept.bin').getByText('completed').waitFor({ timeout: 30_000 });
    expect(sha1(await readFile(path.join(bobPeer.downloads, 'kept.bin')))).toBe(sha1(data));
    expectClean(bob.watch);
  });
});
