// Console `backup <path>` (issue 18): an online copy of the database, private, never over an
// existing file; a tracker started on the copy has the state as of the backup.
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Tracker } from '../src/index.js';
import { startTestConsole } from './console-helpers.js';
import { loggedIn, startTestTracker } from './helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Runs one console command on `tracker` (piped, as a script would) and returns what it printed. */
async function startConsoleCommand(tracker: Tracker, line: string): Promise<string> {
  const con = startTestConsole(tracker);
  const printed = await con.run(line);
  con.end();
  return printed;
}

async function scratch(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'groupshare-backup-'));
  dirs.push(dir);
  return dir;
}

describe('console: backup', () => {
  it('copies the live database to a new 0600 file that a restored tracker serves from', async () => {
    const out = await scratch();
    const copy = path.join(out, 'tracker-backup.db');
    {
      await using t = await startTestTracker();
      const alice = await loggedIn(t, 'alice');
      await alice.ok('create_group', { groupId: 'lab' });
      const printed = await startConsoleCommand(t.tracker, `backup ${copy}`);
      expect(printed).toMatch(new RegExp(`^backed up the database to ${copy.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(\\d+ bytes, \\d+ ms\\)`));
      expect((await stat(copy)).mode & 0o777).toBe(0o600);
      // After the backup: not in the copy.
      await alice.ok('create_group', { groupId: 'later' });
      // Never over an existing file, and nothing else is left behind.
      expect(await startConsoleCommand(t.tracker, `backup ${copy}`)).toMatch(/^error: .*already exists; give a new file name/);
      expect(await startConsoleCommand(t.tracker, `backup ${path.join(out, 'no-such-dir', 'x.db')}`)).toMatch(/^error: cannot write the backup .*ENOENT/);
    }
    // Restore: the copy in place of tracker.db of a stopped (here: new) tracker.
    const restored = await scratch();
    await copyFile(copy, path.join(restored, 'tracker.db'));
    await using back = await startTestTracker({ dataDir: restored });
    const alice = await back.connect();
    await alice.ok('login', { userId: 'alice', password: 'alice-secret-pw', peerAddress: '127.0.0.1:6881' });
    const groups = (await alice.ok('list_groups', {})).groups.map((g: { groupId?: string; id?: string }) => g.groupId ?? g.id);
    expect(groups).toContain('lab');
    expect(groups).not.toContain('later');
  });
});
