// upload_file through the shell: the tracker lists the file with this peer as its seeder while
// the user is logged in; logout takes it offline; login shares it again; stop_share withdraws it.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hashPieces, infoHash } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';
import { startWorld, TestShell } from './helpers.js';

describe('sharing from the shell', () => {
  it('upload_file, logout, login again, stop_share: what the tracker lists follows', async () => {
    await using world = await startWorld();
    const data = randomBytes(700_000);
    const file = path.join(world.dir, 'report v2.pdf');
    await writeFile(file, data);
    const pieceLength = 262_144; // choosePieceLength for < 512 MiB
    const expectedHash = infoHash({ name: 'report v2.pdf', length: data.length, pieceLength, pieces: hashPieces(data, pieceLength) });

    const alice = TestShell.start(world, 'alice');
    alice.send('create_user alice alice-password', 'login alice alice-password', 'create_group lab', `upload_file "${file}" lab`, `upload_file "${file}" lab`, 'list_files lab');
    await alice.waitFor('already sharing report v2.pdf in lab');
    await alice.waitFor(/report v2\.pdf\s+684 KiB\s+1\s+0\s+yes/);
    expect(alice.out).toContain(`info-hash ${expectedHash.slice(0, 12)}`);

    alice.send('logout', 'login alice alice-password', 'list_files lab', 'stop_share lab "report v2.pdf"', 'list_files lab');
    await alice.waitFor('sharing again: report v2.pdf in lab');
    await alice.waitFor('stopped sharing report v2.pdf in lab; nobody shares it now, so it was withdrawn');
    expect(await alice.end()).toBe(0);
    expect(alice.out).toContain('no files shared in lab yet');
  });

  it('a file that changed while logged out is not shared again, and the user is told why', async () => {
    await using world = await startWorld();
    const file = path.join(world.dir, 'notes.txt');
    await writeFile(file, 'first version of the notes\n');
    const alice = TestShell.start(world, 'alice');
    alice.send('create_user alice alice-password', 'login alice alice-password', 'create_group lab', `upload_file ${file} lab`, 'logout');
    await alice.waitFor('logged out alice');
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(file, 'second, longer version of the notes\n');
    alice.send('login alice alice-password', 'list_files lab');
    await alice.waitFor('no files shared in lab yet');
    expect(alice.err).toMatch(/not sharing notes\.txt in lab any more: the file changed/);
    expect(await alice.end()).toBe(0);
  });

  it('download_file fetches a member\'s file peer to peer; show_downloads reports it; the bytes are identical', async () => {
    await using world = await startWorld();
    const data = randomBytes(1_500_000);
    await writeFile(path.join(world.dir, 'dataset.bin'), data);
    const alice = TestShell.start(world, 'alice');
    const bob = TestShell.start(world, 'bob');
    alice.send('create_user alice alice-password', 'create_user bob bob-password', 'login alice alice-password', 'create_group lab', `upload_file "${path.join(world.dir, 'dataset.bin')}" lab`);
    await alice.waitFor('sharing dataset.bin in lab');
    bob.send('login bob bob-password', 'join_group lab');
    await alice.waitFor('bob asked to join lab');
    alice.send('accept_request lab bob');
    await bob.waitFor('you are a member now');
    const dest = path.join(world.dir, 'downloads');
    bob.send(`download_file lab dataset.bin "${dest}"`);
    await bob.waitFor('[C] [lab] dataset.bin: complete, SHA-1 verified');
    bob.send('show_downloads');
    await bob.waitFor(/^\[C\] \[lab\] dataset\.bin {2}100%/m);
    expect(createHash('sha1').update(await readFile(path.join(dest, 'dataset.bin'))).digest('hex')).toBe(createHash('sha1').update(data).digest('hex'));
    expect(await bob.end()).toBe(0);
    expect(await alice.end()).toBe(0);
  });

  it('download_file of a file that is not there fails clearly, and so does the exit status', async () => {
    await using world = await startWorld();
    const bob = TestShell.start(world, 'bob');
    bob.send('create_user bob bob-password', 'login bob bob-password', 'create_group lab', `download_file lab missing.bin "${world.dir}"`);
    expect(await bob.end()).toBe(1);
    expect(bob.err).toMatch(/download_file: .*no such file/);
  });

  it('a download that was running when its user logged out resumes by itself at the next login', async () => {
    await using world = await startWorld();
    const data = randomBytes(600_000);
    await writeFile(path.join(world.dir, 'later.bin'), data);
    const alice = TestShell.start(world, 'alice');
    const bob = TestShell.start(world, 'bob');
    alice.send('create_user alice alice-password', 'create_user bob bob-password', 'login alice alice-password', 'create_group lab', `upload_file "${path.join(world.dir, 'later.bin')}" lab`);
    await alice.waitFor('sharing later.bin in lab');
    bob.send('login bob bob-password', 'join_group lab');
    await alice.waitFor('bob asked to join lab');
    alice.send('accept_request lab bob', 'logout');
    await alice.waitFor('logged out alice');
    // Nobody serves the file now: bob's download waits for a peer.
    const dest = path.join(world.dir, 'in');
    bob.send(`download_file lab later.bin "${dest}"`, 'logout', 'login bob bob-password');
    await bob.waitFor('resuming the download of later.bin from lab (0 of 3 pieces already here)', 'out', 15_000);
    alice.send('login alice alice-password');
    await bob.waitFor('[C] [lab] later.bin: complete, SHA-1 verified', 'out', 30_000);
    expect(createHash('sha1').update(await readFile(path.join(dest, 'later.bin'))).digest('hex')).toBe(createHash('sha1').update(data).digest('hex'));
    expect(await bob.end()).toBe(0);
    expect(await alice.end()).toBe(0);
  });
});
