// The tracker's admin page in a real Chromium, against real tracker processes (the built dist/):
// the admin logs in with the token file, sees the two-tracker cluster and then tracker 2 down,
// adds a user who then logs in over the tracker protocol, and finds a hostile file name shown as
// text. Checked by axe at both window sizes; the dashboard's screenshot goes to docs/images/.
import { AxeBuilder } from '@axe-core/playwright';
import { fileFixture, testBytes } from '@groupshare/testkit/scenario';
import { ProcessCluster, WsClient, freePort, passwordOf, signUp } from '@groupshare/tracker/testing';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, launchBrowser, openPage } from './browser.js';
import { expectClean } from './page-helpers.js';

const DOCS_IMAGES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/images');
const HOSTILE = '<img src=x onerror=alert(1)>"\'><b onmouseover=alert(2)>x.txt';

let browser: Browser;
let cluster: ProcessCluster;
let adminUrl: string;

beforeAll(async () => {
  cluster = await ProcessCluster.create({ size: 2 });
  const port = await freePort();
  await Promise.all([cluster.start(1, 15_000, ['--admin', `127.0.0.1:${port}`]), cluster.start(2)]);
  adminUrl = `http://127.0.0.1:${port}/`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

/** No serious or critical axe violation on the page as it is now. */
async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`)).toEqual([]);
}

function trackerRow(page: Page, n: number) {
  return page.getByRole('table', { name: 'Trackers' }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^Tracker ${n}\\b`) }) });
}

/**
 * 200 file names that would run script if they ever became markup or a URL (each sets
 * window.__pwned or opens a dialog). No "/": the protocol refuses it in a file name.
 */
function hostileNames(): string[] {
  const forms = [
    (i: number) => `<img src=x onerror="window.__pwned=${i}">`,
    (i: number) => `<script>window.__pwned=${i}<script>`,
    (i: number) => `"><svg onload=alert(${i})>`,
    (i: number) => `'><iframe srcdoc="<script>parent.__pwned=${i}<script>">`,
    (i: number) => `javascript:alert(${i})`,
    (i: number) => `<a href="javascript:alert(${i})">x<a>`,
    (i: number) => `{{constructor.constructor('alert(${i})')()}}`,
    (i: number) => `<b onmouseover=alert(${i})>hover me`,
  ];
  return Array.from({ length: 200 }, (_, i) => `${forms[i % forms.length]!(i)} #${i}`);
}

describe('tracker admin page in Chromium', () => {
  it('logs in with the token, shows the cluster then a tracker down, adds a user who logs in', async () => {
    const owner = await WsClient.connect(cluster.url(1));
    await signUp(owner, 'olga', '127.0.0.1:6881');
    await owner.ok('create_group', { groupId: 'lab' });
    await owner.ok('share_file', fileFixture('lab', HOSTILE, testBytes(40_000, 3)).share);

    const { context, page, watch } = await openPage(browser, adminUrl, DESKTOP);
    await page.getByRole('heading', { name: 'Log in to the admin page' }).waitFor();
    await expectAccessible(page);
    await page.getByLabel('Password', { exact: true }).fill('not the token');
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong admin password or token' }).waitFor();
    const token = (await readFile(path.join(cluster.dataDir(1), 'admin-token'), 'utf8')).trim();
    await page.getByLabel('Password', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();

    await expect.poll(async () => trackerRow(page, 2).getByRole('cell').first().textContent(), { timeout: 10_000 }).toBe('Up');
    await expect.poll(async () => trackerRow(page, 2).getByRole('cell').nth(3).textContent(), { timeout: 10_000 }).toBe('equal');
    await page.getByRole('table', { name: 'Shared files' }).getByRole('rowheader', { name: HOSTILE, exact: true }).waitFor();

    const users = page.getByRole('form', { name: 'Add a user' });
    await users.getByLabel('User id').fill('grace');
    await users.getByLabel('Password').fill(passwordOf('grace'));
    await users.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('status').filter({ hasText: 'added user grace' }).waitFor();
    await page.getByRole('table', { name: 'Users' }).getByRole('rowheader', { name: 'grace', exact: true }).waitFor();
    const grace = await WsClient.connect(cluster.url(2));
    await expect.poll(async () => (await grace.request('login', { userId: 'grace', password: passwordOf('grace') })).ok, { timeout: 10_000 }).toBe(true);

    await cluster.kill(2);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(async () => trackerRow(page, 2).getByRole('cell').first().textContent(), { timeout: 10_000 }).toMatch(/^Down/);
    await page.getByRole('list', { name: 'Security events' }).getByText('wrong admin password or token from 127.0.0.1').waitFor();
    await expectAccessible(page);
    await page.screenshot({ path: path.join(DOCS_IMAGES, 'admin-page.png'), fullPage: true });

    await page.setViewportSize(PHONE);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in to the admin page' }).waitFor();
    await expectAccessible(page);
    expectClean(watch);
    owner.terminate();
    grace.terminate();
    await context.close();
  });

  it('shows 200 hostile file names as text, and no script runs', async () => {
    const owner = await WsClient.connect(cluster.url(1));
    await owner.ok('login', { userId: 'olga', password: passwordOf('olga'), peerAddress: '127.0.0.1:6881' });
    await owner.ok('create_group', { groupId: 'hostile' });
    const names = hostileNames();
    for (const [i, name] of names.entries()) await owner.ok('share_file', fileFixture('hostile', name, testBytes(1_000, 100 + i)).share);

    const { context, page, watch } = await openPage(browser, adminUrl, DESKTOP);
    const token = (await readFile(path.join(cluster.dataDir(1), 'admin-token'), 'utf8')).trim();
    await page.getByLabel('Password', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    const files = page.getByRole('table', { name: 'Shared files' });
    await files.getByRole('rowheader', { name: names[199]!, exact: true }).waitFor();
    const shown = await files.getByRole('rowheader').allTextContents();
    for (const name of names) expect(shown).toContain(name);
    await page.mouse.move(400, 400);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('main img, main svg, main iframe, main script, main a[href^="javascript"]').count()).toBe(0);
    expectClean(watch);
    owner.terminate();
    await context.close();
  });
});
