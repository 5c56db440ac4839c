// One engine, one state: what the shell of a `--web` peer does shows on its open page at once,
// without a reload (a group the shell creates appears in the list; a file the shell shares
// appears in the group's table and among the shares; a folder the shell syncs appears among the
// synced folders, up to date, and goes when the shell unsyncs it; the shell's logout sends the
// page back to the login form).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Cleanup } from '@groupshare/testkit/scenario';
import { afterEach, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from './browser.js';
import { expectClean, fileRow, syncedRow } from './page-helpers.js';
import { createGroupInPage, logInInPage, webStage } from './web-stage.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('the peer web UI and its shell', () => {
  it("shows the shell's group, share, synced folder and logout on the open page at once", async () => {
    const stage = await webStage(cleanup);
    const alicePeer = await stage.peer('alice');
    const browser = await launchBrowser();
    cleanup.defer(() => browser.close());
    const { page, watch } = await openPage(browser, alicePeer.url);
    await logInInPage(page, 'alice', { create: true });

    await createGroupInPage(page, 'lab');
    await alicePeer.client.run('create_group den', /^created group den\b/);
    await page.getByRole('link', { name: 'den', exact: true }).waitFor({ timeout: 5_000 });
    const file = path.join(alicePeer.root, 'from-shell.txt');
    await writeFile(file, 'shared from the shell\n');
    await alicePeer.client.run(`upload_file ${file} lab`, /^sharing from-shell\.txt in lab\b/);
    await fileRow(page, 'from-shell.txt').waitFor({ timeout: 5_000 });
    await page.getByRole('table', { name: 'Shares', exact: true }).getByRole('rowheader', { name: /^from-shell\.txt/ }).waitFor();

    const synced = path.join(alicePeer.root, 'synced');
    await mkdir(synced);
    await writeFile(path.join(synced, 'a.txt'), 'a');
    await alicePeer.client.run(`sync_folder lab ${synced}`, /^syncing .* with lab\b/);
    await syncedRow(page, synced).getByText('up to date', { exact: true }).waitFor({ timeout: 10_000 });
    await alicePeer.client.run(`unsync_folder lab ${synced}`, /^stopped syncing .* with lab\b/);
    await syncedRow(page, synced).waitFor({ state: 'detached', timeout: 5_000 });

    await alicePeer.client.run('logout', /^logged out\b/);
    await page.getByLabel('User id').waitFor({ timeout: 5_000 });
    expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(0);
    expectClean(watch);
  });
});
