// Accessibility and the keyboard, in a real browser against real peers: axe-core finds no
// serious or critical violation on the login screen and the main screens (groups, a group's
// files with availability, join requests, the share form, downloads with a piece bar) at
// 1280×800 and 390×844; the screenshots in docs/web-ui.md are taken here. And a member goes from
// creating his account to cancelling a download with the keyboard alone.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { joinAsSeeder, ScriptedPeer } from '@groupshare/testkit/peers';
import { Cleanup, fileFixture } from '@groupshare/testkit/scenario';
import { passwordOf } from '@groupshare/tracker/testing';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { DESKTOP, launchBrowser, openPage, PHONE } from './browser.js';
import { downloadRow, expectClean, fileRow, groupItem, openGroupInPage, seriousViolations, tabTo } from './page-helpers.js';
import { createGroupInPage, logInInPage, webStage, type WebStage } from './web-stage.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const IMAGES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/images');

/** A slow seeder (about 320 KiB/s) of an 8 MiB file in `lab`, let in by `accept`. */
async function slowSeeder(stage: WebStage, name: string, accept: (userId: string) => Promise<void>): Promise<void> {
  const data = randomBytes(8 * 1024 * 1024);
  const fixture = fileFixture('lab', name, data, 256 * 1024);
  const seeder = cleanup.add(await ScriptedPeer.listen({ name: 'seed', data, pieceLength: 256 * 1024, infoHash: fixture.infoHash, behaviour: { kind: 'honest', blocksPerSecond: 20 } }));
  await joinAsSeeder(seeder, { ws: await stage.cluster.connect(1), userId: 'seed', groupId: 'lab', share: fixture.share, accept });
}

/** The owner's page accepts `userId` in the open group's join requests. */
function acceptIn(page: Page): (userId: string) => Promise<void> {
  return async (userId) => {
    await openGroupInPage(page, 'lab');
    await page.getByRole('listitem').filter({ hasText: userId }).getByRole('button', { name: 'Accept', exact: true }).click();
    await page.getByText(`Accepted ${userId} in lab`).waitFor(); // the tracker has it: the member may share now
  };
}

describe('the peer web UI: accessibility and keyboard', () => {
  it('has no serious or critical axe violation at 1280×800 and 390×844 (and takes the screenshots)', async () => {
    await mkdir(IMAGES, { recursive: true });
    const stage = await webStage(cleanup);
    const [alicePeer, bobPeer] = [await stage.peer('alice'), await stage.peer('bob')];
    await writeFile(path.join(alicePeer.root, 'survey-2026.csv'), randomBytes(5 * 1024 * 1024));
    const browser = await launchBrowser();
    cleanup.defer(() => browser.close());
    const alice = await openPage(browser, alicePeer.url);
    const bob = await openPage(browser, bobPeer.url);
    const found: string[] = [];
    const check = async (page: Page, screen: string): Promise<void> => {
      for (const size of [DESKTOP, PHONE]) {
        await page.setViewportSize(size);
        found.push(...(await seriousViolations(page)).map((v) => `${screen} at ${size.width}×${size.height}: ${v}`));
      }
      await page.setViewportSize(DESKTOP);
    };

    await alice.page.getByLabel('User id').waitFor();
    await check(alice.page, 'login');
    await alice.page.screenshot({ path: path.join(IMAGES, 'login.png') });

    await logInInPage(alice.page, 'alice', { create: true });
    await createGroupInPage(alice.page, 'lab');
    await alice.page.getByRole('button', { name: 'Share a file', exact: true }).click();
    await alice.page.getByLabel('Folder', { exact: true }).selectOption({ label: alicePeer.root });
    await alice.page.getByRole('button', { name: 'Pick survey-2026.csv', exact: true }).click();
    await check(alice.page, 'share form');
    await alice.page.screenshot({ path: path.join(IMAGES, 'share.png') });
    await alice.page.getByRole('button', { name: 'Share', exact: true }).click();
    await fileRow(alice.page, 'survey-2026.csv').waitFor({ timeout: 30_000 });

    await logInInPage(bob.page, 'bob', { create: true });
    await bob.page.reload();
    await groupItem(bob.page, 'lab').getByRole('button', { name: 'Ask to join', exact: true }).click();
    await alice.page.getByRole('button', { name: /^Requests/ }).click();
    await alice.page.getByRole('region', { name: 'Join requests inbox' }).getByText('bob → lab').waitFor();
    await check(alice.page, 'join requests');
    await alice.page.screenshot({ path: path.join(IMAGES, 'requests.png') });
    await alice.page.getByRole('region', { name: 'Join requests inbox' }).getByRole('button', { name: 'Accept', exact: true }).click();
    await alice.page.getByRole('button', { name: /^Requests/ }).click();
    await slowSeeder(stage, 'field-recordings.tar', acceptIn(alice.page));

    await bob.page.getByText('Your request to join lab was accepted').waitFor({ timeout: 10_000 });
    await openGroupInPage(bob.page, 'lab');
    await fileRow(bob.page, 'survey-2026.csv').getByRole('button', { name: 'Download', exact: true }).click();
    await bob.page.getByRole('button', { name: 'Start download', exact: true }).click();
    await downloadRow(bob.page, 'survey-2026.csv').getByText('completed').waitFor({ timeout: 30_000 });
    await fileRow(bob.page, 'field-recordings.tar').getByRole('button', { name: 'Download', exact: true }).click();
    await check(bob.page, 'download form');
    await bob.page.getByRole('button', { name: 'Start download', exact: true }).click();
    await downloadRow(bob.page, 'field-recordings.tar').getByText(/^[1-9]\d? %$/).waitFor({ timeout: 30_000 });
    await check(bob.page, 'group files and downloads');
    await bob.page.screenshot({ path: path.join(IMAGES, 'group.png'), fullPage: true });
    await bob.page.setViewportSize(PHONE);
    await bob.page.screenshot({ path: path.join(IMAGES, 'phone.png') });
    await bob.page.setViewportSize(DESKTOP);
    await downloadRow(bob.page, 'field-recordings.tar').getByRole('button', { name: 'Cancel', exact: true }).click();
    await check(bob.page, 'cancel');
    await bob.page.screenshot({ path: path.join(IMAGES, 'cancel.png'), fullPage: true });

    expect(found).toEqual([]);
    expectClean(alice.watch);
    expectClean(bob.watch);
  });

  it('goes from creating an account to cancelling a download with the keyboard alone', async () => {
    const stage = await webStage(cleanup);
    const [alicePeer, bobPeer] = [await stage.peer('alice'), await stage.peer('bob')];
    const browser = await launchBrowser();
    cleanup.defer(() => browser.close());
    const alice = await openPage(browser, alicePeer.url);
    await logInInPage(alice.page, 'alice', { create: true });
    await createGroupInPage(alice.page, 'lab');
    await slowSeeder(stage, 'slow.bin', acceptIn(alice.page));

    // bob, keyboard only: account, login, ask to join.
    const { page, watch } = await openPage(browser, bobPeer.url);
    await page.getByLabel('User id').waitFor();
    await tabTo(page, 'User id');
    await page.keyboard.type('bob');
    await tabTo(page, 'Password');
    await page.keyboard.type(passwordOf('bob'));
    await tabTo(page, 'Create account');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor({ timeout: 20_000 });
    await tabTo(page, 'Ask to join');
    await page.keyboard.press('Enter');
    await acceptIn(alice.page)('bob');
    await page.getByText('Your request to join lab was accepted').waitFor({ timeout: 10_000 });

    // The group, the file's Download, Start download, then Cancel and delete the partial file.
    await page.locator('body').focus();
    await tabTo(page, 'lab');
    await page.keyboard.press('Enter');
    await fileRow(page, 'slow.bin').waitFor();
    await tabTo(page, 'Download');
    await page.keyboard.press('Enter');
    await tabTo(page, 'Start download');
    await page.keyboard.press('Enter');
    const dl = downloadRow(page, 'slow.bin');
    await dl.getByText(/^[1-9]\d? %$/).waitFor({ timeout: 30_000 });
    await tabTo(page, 'Cancel');
    await page.keyboard.press('Enter');
    await tabTo(page, 'Delete the partial file');
    await page.keyboard.press('Space');
    await tabTo(page, 'Cancel download');
    await page.keyboard.press('Enter');
    await dl.waitFor({ state: 'detached', timeout: 10_000 });
    expect((await readdir(bobPeer.downloads)).filter((f) => f.includes('slow.bin'))).toEqual([]);
    expectClean(watch);
  });
});
