// Managing downloads from a piped shell, against a real tracker and real peers in-process:
// cancel_download (keep, then delete: only the download's own hidden files go), show_downloads'
// line, list_shares on both sides, download_file's destination folder and `~`, case-insensitive
// command names, and what client.log records of the downloads and the session's uploads.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aliceSharesWithBob, leavePartialDownload, startWorld } from './helpers.js';

const MiB = 1024 * 1024;
const HIDDEN = ['.data.bin.groupshare-journal', '.data.bin.groupshare-part', '.data.bin.groupshare-state.json'];

describe('managing downloads from a piped shell', () => {
  it('cancel_download keeps the partial data unless told --delete, forgets the download and withdraws its pieces', async () => {
    await using world = await startWorld();
    const data = randomBytes(2 * MiB); // 8 pieces of 256 KiB
    const { alice, bob } = await aliceSharesWithBob(world, data);
    alice.send('logout'); // nobody serves it now: bob's download stays where it resumes
    await alice.waitFor('logged out alice');

    const dest = path.join(world.dir, 'in');
    await leavePartialDownload(dest, 'data.bin', data, [0, 1, 2, 3]);
    await writeFile(path.join(dest, 'keep.me'), 'the user’s own file');
    bob.send(`download_file lab data.bin "${dest}"`, 'Show_downloads', 'list_files lab');
    await bob.waitFor(/^\[D\] \[lab\] data\.bin {2}50% {2}1 MiB\/2 MiB {2}down 0 B\/s {2}up 0 B\/s {2}ETA - {2}0 peers$/m);
    await bob.waitFor(/^data\.bin\s+2 MiB\s+0\s+1\s+no\s/m); // bob's half is listed as a partial peer

    bob.send('cancel_download lab data.bin', 'SHOW_DOWNLOADS', 'list_files lab');
    await bob.waitFor(`cancelled the download of data.bin from lab; kept the 1 MiB downloaded into ${dest} (no --delete given; download_file resumes from it)`);
    await bob.waitFor('no downloads in this session');
    await bob.waitFor(/^data\.bin\s+2 MiB\s+0\s+0\s+no\s/m); // withdrawn from the tracker
    expect((await readdir(dest)).sort()).toEqual([...HIDDEN, 'keep.me'].sort());

    bob.send(`download_file lab data.bin "${dest}"`, 'show_downloads', 'cancel_download lab data.bin --delete');
    await bob.waitFor(/^\[D\] \[lab\] data\.bin {2}50%/m);
    await bob.waitFor(`cancelled the download of data.bin from lab; deleted the 1 MiB downloaded into ${dest}`);
    expect(await readdir(dest)).toEqual(['keep.me']);

    // Forgotten: not resumed at the next login, and a second cancel finds nothing.
    bob.send('cancel_download lab data.bin', 'logout', 'login bob bob-password', 'show_downloads');
    await bob.waitFor('cancel_download: no download of data.bin from lab is running or waiting to resume', 'err');
    await bob.waitFor(/logged in as bob[^\n]*\n(?:[^\n]*\n)*no downloads in this session/);
    expect(bob.out).not.toContain('resuming the download');

    // A download that got nothing yet leaves nothing behind, without a question.
    const empty = path.join(world.dir, 'empty');
    bob.send(`download_file lab data.bin "${empty}"`, 'cancel_download lab data.bin');
    await bob.waitFor('cancelled the download of data.bin from lab; nothing had been downloaded');
    expect(await readdir(empty)).toEqual([]);
    expect(bob.out).not.toContain('[data.bin '); // no live status line when piped
    expect(await bob.end()).toBe(1);
    expect(await alice.end()).toBe(0);
  });

  it('download_file makes a missing folder (~ is home) and refuses a file; list_shares and client.log tell who got what', async () => {
    await using world = await startWorld();
    const data = randomBytes(2 * MiB);
    const { alice, bob } = await aliceSharesWithBob(world, data);
    await mkdir(path.join(world.dir, 'docs'));
    await writeFile(path.join(world.dir, 'docs', 'report.txt'), 'not a folder');

    bob.send('download_file lab data.bin ~/docs/report.txt', 'download_file lab data.bin ~/new/inner');
    await bob.waitFor(`download_file: ${path.join(world.dir, 'docs', 'report.txt')} is a file, not a folder`, 'err');
    await bob.waitFor(`created folder ${path.join(world.dir, 'new', 'inner')}`);
    await bob.waitFor('[C] [lab] data.bin: complete, SHA-1 verified');
    expect((await readFile(path.join(world.dir, 'new', 'inner', 'data.bin'))).equals(data)).toBe(true);

    // The completed download is in bob's share library now: listed once, as a share, with the
    // connection it was downloaded over (to alice) still open.
    bob.send('list_shares');
    await bob.waitFor(/^group\s+file\s+size\s+pieces\s+uploaded\s+peers\s+from\n\s*lab\s+data\.bin\s+2 MiB\s+8\/8\s+0 B\s+1\s+shared$/m);
    alice.send('List_Shares');
    await alice.waitFor(/^lab\s+data\.bin\s+2 MiB\s+8\/8\s+2 MiB\s+1\s+shared$/m);

    alice.send('logout');
    await alice.waitFor('logged out alice');
    expect(await bob.end()).toBe(1); // the refused destination
    expect(await alice.end()).toBe(0);

    const bobLog = await readFile(path.join(world.dir, 'bob', 'client.log'), 'utf8');
    const dest = path.join(world.dir, 'new', 'inner');
    expect(bobLog).toMatch(new RegExp(`download-start group=lab file=data\\.bin dest=${dest} how=new size=${2 * MiB} present=0/8 sha1=[0-9a-f]{40}\\n`));
    expect(bobLog).toMatch(/download-source group=lab file=data\.bin peer=127\.0\.0\.1:\d+\n/);
    expect(bobLog).toMatch(new RegExp(`download-end group=lab file=data\\.bin result=complete seconds=[\\d.]+ bytes=${2 * MiB} peers=1 path=${dest}/data\\.bin sha1=match\\n`));
    expect(bobLog).toMatch(new RegExp(`download-from group=lab file=data\\.bin peer=127\\.0\\.0\\.1:\\d+ bytes=${2 * MiB}\\n`));
    expect(bobLog).toMatch(/session-end user=bob reason=exit uploaded=0 uploads=0\n/);
    const aliceLog = await readFile(path.join(world.dir, 'alice', 'client.log'), 'utf8');
    expect(aliceLog).toMatch(new RegExp(`upload group=lab file=data\\.bin peer=127\\.0\\.0\\.1:\\d+ user=bob bytes=${2 * MiB}\\n`));
    expect(aliceLog).toMatch(new RegExp(`session-end user=alice reason=logout uploaded=${2 * MiB} uploads=1\\n`));
    expect(existsSync(path.join(world.dir, 'docs', 'report.txt', 'data.bin'))).toBe(false);
  });
});
