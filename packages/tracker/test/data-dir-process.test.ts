/**
 * The real tracker process keeps its data directory private: password and token hashes are
 * readable by the tracker's user only, and a directory others may write to is refused.
 */
import { chmod, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProcessSandbox, assertBuilt, type TrackerProcess } from './process-helpers.js';

const sandbox = new ProcessSandbox();
beforeAll(() => assertBuilt());
afterEach(() => sandbox.cleanup());

const modeOf = async (file: string): Promise<string> => ((await stat(file)).mode & 0o777).toString(8);

async function quit(proc: TrackerProcess): Promise<void> {
  proc.command('quit');
  expect(await proc.waitForExit(5_000), proc.describe()).toEqual({ code: 0, signal: null });
}

describe('tracker process: data directory modes', () => {
  it('creates the data directory 0700 and every file in it 0600', async () => {
    const c = await sandbox.cluster();
    const proc = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });
    const alice = await sandbox.connect(c.url);
    await alice.ok('register', { userId: 'alice', password: 'alice-password' });
    await alice.ok('login', { userId: 'alice', password: 'alice-password' });
    // While it runs: the database, its WAL and shared-memory files, the log, the ticket key.
    const files = await readdir(c.dataDir);
    expect(files).toEqual(expect.arrayContaining(['tracker.db', 'tracker.db-wal', 'tracker.db-shm', 'tracker.log']));
    expect(await modeOf(c.dataDir)).toBe('700');
    for (const file of files) expect(`${file} ${await modeOf(path.join(c.dataDir, file))}`).toBe(`${file} 600`);
    await quit(proc);
  });

  it('tightens an older 0755 directory and 0644 files, and refuses a directory others may write to (exit 2, nothing lost)', async () => {
    const c = await sandbox.cluster();
    const first = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });
    const alice = await sandbox.connect(c.url);
    await alice.ok('register', { userId: 'alice', password: 'alice-password' });
    await quit(first);

    // As a tracker from before modes were enforced left them.
    await chmod(c.dataDir, 0o755);
    for (const file of await readdir(c.dataDir)) await chmod(path.join(c.dataDir, file), 0o644);
    const second = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });
    expect(await modeOf(c.dataDir)).toBe('700');
    expect(await modeOf(path.join(c.dataDir, 'tracker.db'))).toBe('600');
    expect(await modeOf(path.join(c.dataDir, 'tracker.log'))).toBe('600');
    await quit(second);

    for (const mode of [0o775, 0o757]) {
      await chmod(c.dataDir, mode);
      const refused = await sandbox.spawn({ infoFile: c.infoFile, dataDir: c.dataDir });
      expect(await refused.waitForExit(10_000), refused.describe()).toEqual({ code: 2, signal: null });
      expect(refused.stderr).toContain(`tracker: data directory ${c.dataDir} is writable by other users (mode 0${mode.toString(8)})`);
      expect(refused.stderr).toContain('chmod 700');
      expect(refused.stderr).not.toMatch(/^\s+at /m);
    }

    // Made private by its operator, the directory works as before: the account is still there.
    await chmod(c.dataDir, 0o700);
    const third = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });
    const again = await sandbox.connect(c.url);
    expect((await again.ok('login', { userId: 'alice', password: 'alice-password' })).userId).toBe('alice');
    await quit(third);
  });
});
