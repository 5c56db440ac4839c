// The join-request inbox's browser notifications, in a real browser against real processes:
// once the owner allowed them, three requests to one group within a second give one
// notification at once and one summing up the rest after 10 s (never more than one per group per
// 10 s), and clicking a notification opens the group with that request's Accept focused.
import { Cleanup, signUp } from '@groupshare/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from './browser.js';
import { expectClean } from './page-helpers.js';
import { createGroupInPage, logInInPage, webStage } from './web-stage.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

interface Shown {
  title: string;
  body: string;
  at: number;
}

describe('the peer web UI: join-request notifications', () => {
  it('coalesces notifications per group per 10 s and opens the request with Accept focused', async () => {
    const stage = await webStage(cleanup);
    const alicePeer = await stage.peer('alice');
    const browser = await launchBrowser();
    cleanup.defer(() => browser.close());
    const { context, page, watch } = await openPage(browser, alicePeer.url);
    // Headless Chromium shows no notifications: a stand-in records what the page asks to show,
    // with the permission still to be given (the page asks only when the user presses its button).
    await context.addInitScript(() => {
      const shown: { title: string; body: string; at: number; note: unknown }[] = [];
      let permission = 'default';
      class FakeNotification {
        static get permission(): string {
          return permission;
        }
        static requestPermission(): Promise<string> {
          permission = 'granted';
          return Promise.resolve(permission);
        }
        onclick: (() => void) | null = null;
        constructor(title: string, opts: { body?: string } = {}) {
          shown.push({ title, body: opts.body ?? '', at: Date.now(), note: this });
        }
        close(): void {}
      }
      Object.assign(window, { Notification: FakeNotification, __shown: shown });
    });
    await page.reload();
    await logInInPage(page, 'alice', { create: true });
    await createGroupInPage(page, 'lab');
    await page.getByRole('button', { name: /^Requests/ }).click();
    await page.getByRole('button', { name: 'Notify me of new requests', exact: true }).click();
    await page.getByText('Browser notifications are on.').waitFor();
    await page.getByRole('button', { name: /^Requests/ }).click();
    await page.goto(`${alicePeer.url}#/`);

    const started = Date.now();
    for (const user of ['bob', 'carol', 'dave']) {
      const ws = await stage.cluster.connect(1);
      await signUp(ws, user);
      await ws.ok('join_group', { groupId: 'lab' });
    }
    const shown = (): Promise<Shown[]> => page.evaluate(() => (window as unknown as { __shown: Shown[] }).__shown.map(({ title, body, at }) => ({ title, body, at })));
    await expect.poll(async () => (await shown()).length, { timeout: 5_000 }).toBe(1);
    expect((await shown())[0]?.body).toBe('bob asks to join lab');
    await page.getByRole('button', { name: /^Requests/ }).getByText('3', { exact: true }).waitFor();
    // carol's and dave's wait for the group's 10 s to pass, then come as one.
    await expect.poll(async () => (await shown()).length, { timeout: 15_000, interval: 500 }).toBe(2);
    const [first, second] = (await shown()) as [Shown, Shown];
    expect(second.body).toBe('2 new requests to join lab');
    expect(second.at - first.at).toBeGreaterThanOrEqual(10_000);
    expect(second.at - started).toBeLessThan(15_000);

    // Clicking the first opens lab with bob's Accept focused: Enter accepts him.
    await page.evaluate(() => {
      const w = window as unknown as { __shown: { note: { onclick: (() => void) | null } }[] };
      w.__shown[0]?.note.onclick?.();
    });
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('li')?.textContent ?? ''), { timeout: 5_000 }).toMatch(/^bob/);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Accept');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: /^Requests/ }).getByText('2', { exact: true }).waitFor();
    expectClean(watch);
  });
});
