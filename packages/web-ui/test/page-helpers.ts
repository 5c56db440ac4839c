/**
 * Steps the browser tests take again and again, each as a person would in the page: open a
 * group, ask to join it, accept a request, wait for a row's text, move with Tab; and axe-core's
 * findings.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { signUp, type WsClient } from '@groupshare/tracker/testing';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Cleanup } from '@groupshare/testkit/scenario';
import { launchBrowser, openPage, type OpenedPage, type PageWatch } from './browser.js';
import { createGroupInPage, logInInPage, type WebPeer, type WebStage } from './web-stage.js';

/** The list item of `groupId` in the groups list. */
export function groupItem(page: Page, groupId: string): Locator {
  return page.getByRole('navigation', { name: 'Groups' }).getByRole('listitem').filter({ has: page.getByRole('link', { name: groupId, exact: true }) });
}

/** Opens a group's page by its link. */
export async function openGroupInPage(page: Page, groupId: string): Promise<void> {
  await page.getByRole('link', { name: groupId, exact: true }).click();
  await page.getByRole('heading', { name: groupId, exact: true, level: 2 }).waitFor();
}

/** The table row of the file `name` (its row header is the name). */
export function fileRow(page: Page, name: string): Locator {
  return page.getByRole('table', { name: /^Files in / }).getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
}

/** A pattern for an accessible name that begins with `text` (then `tail`). */
function beginsWith(text: string, tail = ''): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${tail}`);
}

/** The downloads table's row of `name`. */
export function downloadRow(page: Page, name: string): Locator {
  return page.getByRole('table', { name: 'Downloads', exact: true }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: beginsWith(name, '\\b') }) });
}

/** `member` asks to join `groupId`; the owner accepts in its own page (the group's Join requests). */
export async function joinThroughPages(owner: Page, member: Page, memberId: string, groupId: string): Promise<void> {
  await member.reload();
  await groupItem(member, groupId).getByRole('button', { name: 'Ask to join', exact: true }).click();
  await openGroupInPage(owner, groupId);
  await owner.getByRole('listitem').filter({ hasText: memberId }).getByRole('button', { name: 'Accept', exact: true }).click();
  await member.getByText(`Your request to join ${groupId} was accepted`).waitFor({ timeout: 10_000 });
}

/** Nothing the page must never do happened: no CSP violation, no uncaught error, no dialog. */
export function expectClean(watch: PageWatch): void {
  expect(watch.cspViolations).toEqual([]);
  expect(watch.pageErrors).toEqual([]);
  expect(watch.dialogs).toEqual([]);
}

/**
 * alice logs in (a new account) and creates `lab` in `page`; `mallory`, a bare tracker
 * connection with a peer address nobody listens on, asks to join and alice accepts in the page.
 * Tests then share files as mallory with `share_file` (any name, any piece count).
 */
export async function labWithMallory(page: Page, stage: WebStage): Promise<WsClient> {
  await logInInPage(page, 'alice', { create: true });
  await createGroupInPage(page, 'lab');
  const mallory = await stage.cluster.connect(1);
  await signUp(mallory, 'mallory', '127.0.0.1:9');
  await mallory.ok('join_group', { groupId: 'lab' });
  await openGroupInPage(page, 'lab');
  await page.getByRole('listitem').filter({ hasText: 'mallory' }).getByRole('button', { name: 'Accept', exact: true }).click();
  await page.getByText('Accepted mallory in lab').waitFor(); // the tracker has it: mallory may share now
  return mallory;
}

/**
 * The start of most two-member flows: a fresh browser with alice's and bob's pages open, both
 * accounts created in their pages, alice's group `lab`, and bob a member of it (asked and
 * accepted through the pages).
 */
export async function aliceAndBobInLab(cleanup: Cleanup, alicePeer: WebPeer, bobPeer: WebPeer): Promise<{ alice: OpenedPage; bob: OpenedPage }> {
  const browser = await launchBrowser();
  cleanup.defer(() => browser.close());
  const alice = await openPage(browser, alicePeer.url);
  const bob = await openPage(browser, bobPeer.url);
  await logInInPage(alice.page, 'alice', { create: true });
  await createGroupInPage(alice.page, 'lab');
  await logInInPage(bob.page, 'bob', { create: true });
  await joinThroughPages(alice.page, bob.page, 'bob', 'lab');
  return { alice, bob };
}

/** axe-core's serious and critical findings on the page as it is now, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** The accessible name of the focused element, as far as these pages give one. */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as (HTMLElement & { labels?: NodeListOf<HTMLLabelElement> }) | null;
    if (!el) return '';
    return (el.getAttribute('aria-label') ?? el.labels?.[0]?.textContent ?? el.textContent ?? '').trim();
  });
}

/** Presses Tab until the focused element is named `name` (at most 80 presses). */
export async function tabTo(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    if ((await focusedName(page)) === name) return;
  }
  throw new Error(`Tab never reached "${name}"`);
}

/** The synced folders table's row of the folder `dir`. */
export function syncedRow(page: Page, dir: string): Locator {
  return page.getByRole('table', { name: 'Synced folders', exact: true }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: beginsWith(dir) }) });
}
