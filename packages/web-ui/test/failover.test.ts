// Tracker failover seen from the page, with two real tracker processes: the tracker the peer
// uses is killed; the page says so and where the peer moved, stays logged in, and what it shows
// still comes from the cluster (a group created on the first tracker is still listed).
import { Cleanup } from '@groupshare/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from './browser.js';
import { expectClean } from './page-helpers.js';
import { createGroupInPage, logInInPage, webStage } from './web-stage.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('the peer web UI: tracker failover', () => {
  it('tells of the failover as it happens and stays logged in', async () => {
    const stage = await webStage(cleanup, { trackers: 2 });
    const alicePeer = await stage.peer('alice');
    const browser = await launchBrowser();
    cleanup.defer(() => browser.close());
    const { page, watch } = await openPage(browser, alicePeer.url);
    await logInInPage(page, 'alice', { create: true });
    await createGroupInPage(page, 'lab');
    await stage.cluster.waitConverged([1, 2], 10_000);

    // The peer's first tracker is the first line of tracker_info.txt.
    await stage.cluster.kill(1);
    const moved = page.getByText(`Moved to the tracker at ${stage.cluster.address(2)}; still logged in`);
    await moved.waitFor({ timeout: 20_000 });
    await page.reload();
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    await page.getByRole('link', { name: 'lab', exact: true }).waitFor();
    expect(await page.getByLabel('User id').count()).toBe(0);
    expectClean(watch);
  });
});
