/**
 * Text from the network never reaches the terminal raw: hostile names, notices, pushes and
 * error messages are printed with their control characters escaped.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TrackerLink } from '@groupshare/engine';
import { ProtocolError } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';
import { startWorld, TestShell } from './helpers.js';
import { HostileTracker } from './hostile-tracker.js';

/** Anything a terminal would act on: C0 (except the newlines we print), DEL, C1, bidi. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('hostile text from the network', () => {
  it('is refused by the real tracker when another client tries to share it', async () => {
    await using world = await startWorld();
    const eve = new TrackerLink({ trackers: [{ host: '127.0.0.1', port: world.port }], peerAddress: '127.0.0.1:1' });
    eve.start();
    try {
      await eve.request('register', { userId: 'eve', password: 'eve-password' });
      await eve.request('login', { userId: 'eve', password: 'eve-password' });
      await eve.request('create_group', { groupId: 'lab' });
      const sharing = eve.request('share_file', {
        groupId: 'lab',
        name: 'evil\u001b[2Jname',
        size: 12,
        sha1: '430ce34d020724ed75a196dfc2ad67c77772d169',
        pieceLength: 16384,
        pieces: '430ce34d020724ed75a196dfc2ad67c77772d169',
      });
      await expect(sharing).rejects.toBeInstanceOf(ProtocolError);
      await expect(sharing).rejects.toMatchObject({ code: 'ERR_BAD_MESSAGE' });
    } finally {
      await eve.stop();
    }
  });

  it('is printed escaped when a tracker sends it anyway', async () => {
    const tracker = await HostileTracker.start();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'groupshare-hostile-'));
    try {
      const infoFile = path.join(dir, 'tracker_info.txt');
      await writeFile(infoFile, `127.0.0.1:${tracker.port}\n`);
      const shell = new TestShell(['--data-dir', path.join(dir, 'client'), '127.0.0.1:0', infoFile]);
      shell.send('login alice alice-password', 'list_groups', 'list_files lab', 'create_group lab');
      expect(await shell.end()).toBe(1);

      expect(shell.out + shell.err).not.toMatch(RAW_CONTROL);
      // The push from login, the notice, the table rows and the error, each visibly escaped.
      expect(shell.out).toContain('eve\\x1b[8m shared evil\\x1b[2Jname (1 B) in lab\\u202etxt.exe');
      expect(shell.out).toContain('logged in as alice (peer address 127.0.0.1:1\\x1b[2J)');
      expect(shell.out).toContain('notice: welcome\\x1b]0;pwned\\x07 back');
      expect(shell.out).toMatch(/^lab\\u202etxt\.exe\s+eve\\x1b\[8m\s+1\s+member$/m);
      expect(shell.out).toMatch(/^evil\\x1b\[2Jname\s+5 B\s+1\s+0\s+yes\s+\\x1b\[2Jaaaa/m);
      expect(shell.err).toContain('create_group: the tracker refused the request as malformed: no\\x1b[31m way\\x9b');
    } finally {
      await tracker.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
