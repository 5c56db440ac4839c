// The shell on a terminal (readline in terminal mode over in-process streams, as a user at a
// prompt sees it): the questions download_file, cancel_download and exit ask, and the live status
// line of a running download. bob's download waits where an earlier run left it (half of the
// pieces on disk, the sharer logged out), so every state is stable while the test looks.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { aliceSharesWithBob, leavePartialDownload, startWorld, TestShell, type TestWorld } from './helpers.js';

const MiB = 1024 * 1024;

/** alice shared `data` as data.bin in lab, let bob in, and logged out; bob has half of it in `dest`. */
async function halfDownloaded(world: TestWorld, dest: string): Promise<void> {
  const data = randomBytes(2 * MiB);
  const { alice, bob } = await aliceSharesWithBob(world, data, 'bob-setup');
  alice.send('logout');
  await alice.waitFor('logged out alice');
  expect(await alice.end()).toBe(0);
  expect(await bob.end()).toBe(0);
  await leavePartialDownload(dest, 'data.bin', data, [0, 1, 2, 3]);
}

it('asks before creating a folder and before deleting what was downloaded, with its real size; shows a live status line', async () => {
  await using world = await startWorld();
  const dest = path.join(world.dir, 'in');
  await halfDownloaded(world, dest);
  const bob = TestShell.terminal(world, 'bob');
  bob.send('login bob bob-password');
  await bob.waitFor('logged in as bob');

  bob.send('download_file lab data.bin ~/elsewhere');
  await bob.waitFor(`create folder ${path.join(world.dir, 'elsewhere')}? [Y/n] `);
  bob.send('n');
  await bob.waitFor(`download_file: did not create ${path.join(world.dir, 'elsewhere')}; nothing was downloaded`, 'err');
  expect(existsSync(path.join(world.dir, 'elsewhere'))).toBe(false);

  bob.send(`download_file lab data.bin ${dest}`);
  await bob.waitFor('downloading data.bin from lab');
  // Under the prompt, rewritten every second while the download runs.
  await bob.waitFor('[data.bin 50% 1 MiB/2 MiB down 0 B/s up 0 B/s ETA - 0 peers]', 'out', 5_000);

  bob.send('cancel_download lab data.bin');
  await bob.waitFor('delete the 1 MiB already downloaded? [y/N] ');
  bob.send('y');
  await bob.waitFor(`cancelled the download of data.bin from lab; deleted the 1 MiB downloaded into ${dest}`);
  expect(await readdir(dest)).toEqual([]);
  bob.send('exit'); // nothing runs now: no question
  expect(await bob.exit).toBe(0);
  expect(bob.out).not.toContain('still running');
});

it('exit with a download running: leaving it (the default) resumes it at the next login; cancelling it asks about its data', async () => {
  await using world = await startWorld();
  const dest = path.join(world.dir, 'in');
  await halfDownloaded(world, dest);
  const bob = TestShell.terminal(world, 'bob');
  bob.send('login bob bob-password', `download_file lab data.bin ${dest}`);
  await bob.waitFor('downloading data.bin from lab');
  bob.send('exit');
  await bob.waitFor('1 download is still running: data.bin');
  await bob.waitFor('leave them to resume at your next login? [Y/n] ');
  bob.send('');
  await bob.waitFor('they resume at your next login');
  expect(await bob.exit).toBe(0);

  const again = TestShell.terminal(world, 'bob');
  again.send('login bob bob-password');
  await again.waitFor('resuming the download of data.bin from lab (4 of 8 pieces already here)');
  again.stdin.write('\u0004'); // Ctrl-D on the empty line leaves, as exit does
  await again.waitFor('leave them to resume at your next login? [Y/n] ');
  again.send('n');
  await again.waitFor('delete the 1 MiB already downloaded? [y/N] ');
  again.send('yes');
  await again.waitFor(`cancelled the download of data.bin from lab; deleted the 1 MiB downloaded into ${dest}`);
  expect(await again.exit).toBe(0);
  expect(await readdir(dest)).toEqual([]);
  const remembered = JSON.parse(await readFile(path.join(world.dir, 'bob', 'downloads-bob.json'), 'utf8')) as { downloads: unknown[] };
  expect(remembered.downloads).toEqual([]);
});
