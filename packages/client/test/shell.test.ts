/**
 * The shell against a real tracker, in piped mode: what users see, and the exit status
 * scripts rely on.
 */
import { TrackerLink } from '@groupshare/engine';
import { describe, expect, it } from 'vitest';
import { startWorld, TestShell } from './helpers.js';

describe('a piped session against a real tracker', () => {
  it('registers, logs in, creates a group, lists it, and suggests a fix for a typo (exit 1)', async () => {
    await using world = await startWorld();
    const alice = TestShell.start(world, 'alice');
    alice.send('create_user alice alice-password', 'login alice alice-password', 'create_group lab', 'list_groups', 'lst_groups');
    const status = await alice.end();

    const lines = alice.out.split('\n');
    expect(lines).toContain('created user alice; log in with: login alice');
    expect(alice.out).toMatch(/^logged in as alice \(peer address 127\.0\.0\.1:\d+\)$/m);
    expect(lines).toContain('created group lab; you are its owner');
    expect(lines).toContain('group  owner  members  you');
    expect(alice.out).toMatch(/^lab\s+alice\s+1\s+owner$/m);
    expect(alice.err).toBe("unknown command 'lst_groups'; did you mean list_groups?\n");
    // Piped input: no prompt, no colour.
    expect(alice.out).not.toContain('groupshare>');
    expect(alice.out + alice.err).not.toContain('\u001b');
    expect(status).toBe(1);
  });

  it('exits 0 when every command succeeded, and 1 when the tracker refused one', async () => {
    await using world = await startWorld();
    const ok = TestShell.start(world, 'ok');
    ok.send('# set-up', '', 'create_user carol carol-password', 'login carol carol-password', 'logout');
    expect(await ok.end()).toBe(0);
    expect(ok.err).toBe('');

    const refused = TestShell.start(world, 'refused');
    refused.send('login carol wrong-password', 'list_groups');
    expect(await refused.end()).toBe(1);
    expect(refused.err.split('\n')).toEqual([
      'login: wrong user id or password',
      'list_groups: you are not logged in; use login <user_id> first',
      '',
    ]);
  });

  it('runs commands strictly in order and explains usage, bad ids and missing passwords', async () => {
    await using world = await startWorld();
    const shell = TestShell.start(world, 'dave');
    shell.send(
      'create_user dave',
      'create_user dave short',
      'create_group',
      'create_group "a b"',
      'list_groups extra',
      'upload_file "my file.txt" lab',
      'show_downloads',
      'stop_share lab "unterminated',
    );
    expect(await shell.end()).toBe(1);
    expect(shell.err.split('\n')).toEqual([
      'create_user: give the password on the line when input is not a terminal',
      'create_user: password must be at least 8 characters',
      'create_group: missing <group_id>; usage: create_group <group_id>',
      'create_group: "a b" is not a valid group id: it may only use letters, digits, ".", "_" and "-", and must start with a letter or digit',
      'list_groups: takes no arguments; usage: list_groups',
      'upload_file: log in first',
      'unterminated double quote ("); close it at the end of the name',
      '',
    ]);
  });

  it('shows the owner a join request as it arrives; accepting it makes the requester a member', async () => {
    await using world = await startWorld();
    const alice = TestShell.start(world, 'alice');
    alice.send('create_user alice alice-password', 'login alice alice-password', 'create_group lab');
    await alice.waitFor('created group lab');

    const bob = TestShell.start(world, 'bob');
    bob.send('create_user bob bob-password', 'login bob bob-password', 'join_group lab');
    await bob.waitFor('asked to join lab');
    await alice.waitFor('bob asked to join lab — accept_request lab bob\n');

    alice.send('list_requests lab', 'accept_request lab bob', 'list_members lab');
    await alice.waitFor('bob is now a member of lab');
    await bob.waitFor('your request to join lab was accepted; you are a member now');
    bob.send('list_groups');
    await bob.waitFor(/^lab\s+alice\s+2\s+member$/m);

    expect(alice.out).toMatch(/^user\s+requested\nbob\s+\d{4}-\d\d-\d\d \d\d:\d\d$/m);
    expect(alice.out).toMatch(/^alice\s+owner\s/m);
    expect(alice.out).toMatch(/^bob\s+member\s/m);

    // The owner leaves: bob is told he owns the group now.
    alice.send('leave_group lab');
    await alice.waitFor('left lab; bob owns it now');
    await bob.waitFor('the owner of lab left; you are its owner now');

    expect(await alice.end()).toBe(0);
    expect(await bob.end()).toBe(0);
    expect(alice.err + bob.err).toBe('');
  });

  it('prints a file shared by another member, and stop_share withdraws it', async () => {
    await using world = await startWorld();
    const alice = TestShell.start(world, 'alice');
    alice.send('create_user alice alice-password', 'login alice alice-password', 'create_group lab');
    await alice.waitFor('created group lab');

    // Bob shares through the raw API: the shell cannot upload in this build.
    const bob = new TrackerLink({ trackers: [{ host: '127.0.0.1', port: world.port }], peerAddress: '127.0.0.1:1' });
    bob.start();
    try {
      await bob.request('register', { userId: 'bob', password: 'bob-password' });
      await bob.request('login', { userId: 'bob', password: 'bob-password' });
      await bob.request('join_group', { groupId: 'lab' });
      alice.send('accept_request lab bob');
      await alice.waitFor('bob is now a member of lab');
      await bob.request('share_file', {
        groupId: 'lab',
        name: 'notes.txt',
        size: 12,
        sha1: '430ce34d020724ed75a196dfc2ad67c77772d169',
        pieceLength: 16384,
        pieces: '430ce34d020724ed75a196dfc2ad67c77772d169',
      });
      await alice.waitFor('bob shared notes.txt (12 B) in lab');
      alice.send('list_files lab');
      await alice.waitFor(/^notes\.txt\s+12 B\s+1\s+0\s+yes\s+[0-9a-f]{12}$/m);

      // Alice does not share it, so her stop_share is refused; bob's withdraws it.
      alice.send('stop_share lab notes.txt');
      await alice.waitFor('stop_share: that group has no such file, or you are not sharing it', 'err');
      await bob.request('stop_share', { groupId: 'lab', name: 'notes.txt' });
      await alice.waitFor('notes.txt is no longer shared by anybody in lab');
    } finally {
      await bob.stop();
    }
    expect(await alice.end()).toBe(1);
  });
});
