// Availability before downloading, against a real tracker: a file whose only holder has gone
// offline shows a red strip named "0 of 4 pieces on online members", the holder marked offline,
// and the warning that its pieces are held only by offline members.
import { Cleanup, fileFixture } from '@groupshare/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from './browser.js';
import { expectClean, fileRow, labWithMallory, openGroupInPage } from './page-helpers.js';
import { webStage } from './web-stage.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('the peer web UI: availability', () => {
  it('warns when pieces are held only by offline members', async () => {
    const stage = await webStage(cleanup);
    const alicePeer = await stage.peer('alice');
    const browser = await launchBrowser();
    cleanup.defer(() => browser.close());
    const { page, watch } = await openPage(browser, alicePeer.url);
    const mallory = await labWithMallory(page, stage);
    await mallory.ok('share_file', fileFixture('lab', 'gone.bin', Buffer.alloc(4 * 16 * 1024, 1), 16 * 1024).share);
    await openGroupInPage(page, 'lab');
    const row = fileRow(page, 'gone.bin');
    await row.getByRole('img', { name: 'Availability: 4 of 4 pieces on online members' }).waitFor({ timeout: 10_000 });
    expect(await row.getByText(/held only by offline members/).count()).toBe(0);

    // mallory drops off; the page shows it at its next look at the group.
    mallory.terminate();
    const warning = row.getByText('4 pieces are held only by offline members');
    await expect
      .poll(
        async () => {
          await page.reload();
          await openGroupInPage(page, 'lab');
          await row.waitFor();
          return warning.count();
        },
        { timeout: 15_000, interval: 500 },
      )
      .toBe(1);
    await row.getByRole('img', { name: 'Availability: 0 of 4 pieces on online members' }).waitFor();
    await row.getByText('mallory 100% (offline)').waitFor();
    expectClean(watch);
  });
});
