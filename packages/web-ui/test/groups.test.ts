// Accounts and groups in real browsers against a real tracker and real peers with --web: nothing
// but the login form before login; create an account and log in; create a group; a second user
// asks to join from another peer's page and the owner, on the open page, sees the request in its
// inbox within a second and accepts it; log out. And two peers' pages in one browser (one cookie
// jar) stay logged in side by side.
import { Cleanup } from '@groupshare/testkit/scenario';
import { afterEach, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from './browser.js';
import { aliceAndBobInLab, expectClean, groupItem, openGroupInPage } from './page-helpers.js';
import { createGroupInPage, logInInPage, webStage } from './web-stage.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('the peer web UI: accounts and groups', () => {
  it('shows only the login form before login, then groups, a join request accepted in the page, and log out', async () => {
    const stage = await webStage(cleanup);
    const [alicePeer, bobPeer] = [await stage.peer('alice'), await stage.peer('bob')];
    const browser = await launchBrowser();
    cleanup.defer(() => browser.close());
    const alice = await openPage(browser, alicePeer.url);
    const bob = await openPage(browser, bobPeer.url);

    // Before login: the login form and nothing else.
    await alice.page.getByLabel('User id').waitFor();
    expect(await alice.page.getByRole('button', { name: 'Create group' }).count()).toBe(0);
    expect(await alice.page.getByRole('navigation', { name: 'Groups' }).count()).toBe(0);
    // A login to an account that does not exist: the tracker's answer, as text; still logged out.
    await alice.page.getByLabel('User id').fill('alice');
    await alice.page.getByLabel('Password').fill('not-her-password');
    await alice.page.getByRole('button', { name: 'Log in', exact: true }).click();
    await alice.page.getByRole('alert').waitFor();
    expect(await alice.page.getByRole('button', { name: 'Log out' }).count()).toBe(0);

    await logInInPage(alice.page, 'alice', { create: true });
    await createGroupInPage(alice.page, 'lab');
    await logInInPage(bob.page, 'bob', { create: true });

    // A group that exists already: the tracker's refusal, as text, and the field keeps its value.
    await alice.page.getByLabel('Group id').fill('lab');
    await alice.page.getByRole('button', { name: 'Create group', exact: true }).click();
    await alice.page.getByRole('navigation', { name: 'Groups' }).getByRole('alert').waitFor();
    await expect(alice.page.getByLabel('Group id').inputValue()).resolves.toBe('lab');
    await alice.page.getByLabel('Group id').fill('');

    // bob asks; alice's open page counts it in the inbox badge within a second.
    await bob.page.reload();
    const asked = Date.now();
    await groupItem(bob.page, 'lab').getByRole('button', { name: 'Ask to join', exact: true }).click();
    const badge = alice.page.getByRole('button', { name: /^Requests/ });
    await badge.getByText('1', { exact: true }).waitFor({ timeout: 5_000 });
    const reachedMs = Date.now() - asked;
    expect(reachedMs).toBeLessThan(1_000);
    await alice.page.getByText('bob asks to join lab').waitFor();

    // alice accepts in the inbox; bob is told and sees the group's files section.
    await badge.click();
    await alice.page.getByRole('region', { name: 'Join requests inbox' }).getByRole('button', { name: 'Accept', exact: true }).click();
    await badge.getByText('0', { exact: true }).waitFor();
    await bob.page.getByText('Your request to join lab was accepted').waitFor({ timeout: 10_000 });
    await openGroupInPage(bob.page, 'lab');
    await bob.page.getByRole('button', { name: 'Share a file', exact: true }).waitFor();

    // Log out: back to the login form, and a reload does not bring the shell back.
    await alice.page.getByRole('button', { name: 'Log out', exact: true }).click();
    await alice.page.getByLabel('User id').waitFor();
    await alice.page.reload();
    await alice.page.getByLabel('User id').waitFor();
    expect(await alice.page.getByRole('button', { name: 'Log out' }).count()).toBe(0);

    // With the tracker gone, bob's Log out still ends the session here, and the login form says
    // in the shell's words that the trackers were not told.
    await stage.cluster.kill(1);
    await bob.page.getByRole('button', { name: 'Log out', exact: true }).click();
    await bob.page.getByLabel('User id').waitFor();
    await bob.page.getByRole('status').getByText('no tracker reachable, so the trackers were not told: the session ends there when it expires').waitFor();
    expectClean(alice.watch);
    expectClean(bob.watch);
  });

  it("keeps two peers' pages in one browser logged in side by side", async () => {
    const stage = await webStage(cleanup);
    const [alicePeer, bobPeer] = [await stage.peer('alice'), await stage.peer('bob')];
    const browser = await launchBrowser();
    cleanup.defer(() => browser.close());
    // One context: one cookie jar for both ports, as in a person's browser.
    const { context, page: alice, watch } = await openPage(browser, alicePeer.url);
    const bob = await context.newPage();
    await bob.goto(bobPeer.url);
    await logInInPage(alice, 'alice', { create: true });
    await logInInPage(bob, 'bob', { create: true });
    await alice.reload();
    await bob.reload();
    await alice.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    await bob.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    await expect(alice.locator('.who').textContent()).resolves.toMatch(/^alice/);
    await expect(bob.locator('.who').textContent()).resolves.toMatch(/^bob/);
    expectClean(watch);
  });

  it('joins through both pages with the group page\'s Accept', async () => {
    const stage = await webStage(cleanup);
    const [alicePeer, bobPeer] = [await stage.peer('alice'), await stage.peer('bob')];
    const { alice, bob } = await aliceAndBobInLab(cleanup, alicePeer, bobPeer);
    await bob.page.reload();
    await groupItem(bob.page, 'lab').getByRole('button', { name: 'Leave', exact: true }).click();
    await groupItem(bob.page, 'lab').getByRole('button', { name: 'Ask to join', exact: true }).waitFor();
  });
});
