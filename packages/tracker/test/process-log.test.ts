/**
 * The real tracker process and its log file on SIGHUP (logrotate's way, no copytruncate): the
 * file moved away keeps what was written before, and new lines go to a new file of the same name.
 */
import { readFile, readlink, rename } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProcessSandbox, assertBuilt } from './process-helpers.js';

const sandbox = new ProcessSandbox();

beforeAll(() => {
  assertBuilt();
});

afterEach(async () => {
  await sandbox.cleanup();
});

describe('tracker process: SIGHUP reopens the log file', () => {
  it('writes to a new file after the current one was moved away, and keeps running', async () => {
    const c = await sandbox.cluster();
    const proc = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });
    const current = path.join(c.dataDir, await readlink(path.join(c.dataDir, 'tracker.log')));
    const moved = path.join(path.dirname(c.dataDir), 'moved-away.log');
    await rename(current, moved);

    proc.child.kill('SIGHUP');
    await proc.waitForStdout(/"event":"log_reopened"/);
    const alice = await sandbox.connect(c.url);
    await alice.ok('register', { userId: 'alice', password: 'alice-password-1' });
    proc.command('quit');
    expect(await proc.waitForExit(5_000)).toEqual({ code: 0, signal: null });

    const before = await readFile(moved, 'utf8');
    const after = await readFile(current, 'utf8');
    expect(before).toContain('"event":"tracker_started"');
    expect(before).not.toContain('"event":"user_registered"');
    expect(after).toContain('"event":"log_reopened"');
    expect(after).toContain('"event":"user_registered"');
    expect(after).toContain('"event":"tracker_stopped"');
  });
});
