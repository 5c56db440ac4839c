/**
 * The real tracker process started exactly as the README says, `./tracker tracker_info.txt 1`
 * and `2`, with no secret on the command line or in the environment: the trackers make and share
 * `tracker_info.txt.secret`, replicate with it, and refuse a secret file other users can read.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProcessSandbox, assertBuilt, freePort, getJson, sleep, type TrackerProcess } from './process-helpers.js';

const sandbox = new ProcessSandbox();

beforeAll(() => {
  assertBuilt();
});

afterEach(async () => {
  await sandbox.cleanup();
});

/** A directory holding tracker_info.txt with two trackers on free ports, as a user would write it. */
async function twoTrackerDir(): Promise<{ dir: string; ports: [number, number] }> {
  const dir = await sandbox.tempDir('groupshare-bare-');
  const ports: [number, number] = [await freePort(), await freePort()];
  // Both spellings of a line, as people write them.
  await writeFile(path.join(dir, 'tracker_info.txt'), `# two trackers\n127.0.0.1:${ports[0]}\n127.0.0.1 ${ports[1]}\n`);
  return { dir, ports };
}

/** `./tracker tracker_info.txt <n>` run in `dir`: nothing else on the command line, no secret in the environment. */
function bareTracker(dir: string, n: number): Promise<TrackerProcess> {
  return sandbox.spawn({ infoFile: 'tracker_info.txt', n, cwd: dir, viaScript: true });
}

/** The `cluster_secret` log line a tracker printed at start. */
function secretLogLine(proc: TrackerProcess): { created: boolean; file: string; msg: string } {
  const line = proc.stdout.split('\n').find((l) => l.includes('"event":"cluster_secret"'));
  expect(line, proc.describe()).toBeDefined();
  return JSON.parse(line as string) as { created: boolean; file: string; msg: string };
}

describe('tracker process: `./tracker tracker_info.txt 1` and `2`, nothing else', () => {
  it('started at the same instant, they create one private tracker_info.txt.secret and replicate with it', async () => {
    const { dir, ports } = await twoTrackerDir();
    const [one, two] = await Promise.all([bareTracker(dir, 1), bareTracker(dir, 2)]);
    await Promise.all([one.waitReady(), two.waitReady()]);

    const secretFile = path.join(dir, 'tracker_info.txt.secret');
    expect((await readdir(dir)).sort()).toEqual(['data', 'tracker_info.txt', 'tracker_info.txt.secret']);
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(secretFile, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);

    // One of them made it, the other read it; both say where it is and that other hosts need it.
    const lines = [secretLogLine(one), secretLogLine(two)];
    expect(lines.map((l) => l.created).sort()).toEqual([false, true]);
    for (const line of lines) {
      expect(line.file).toBe(secretFile);
      expect(line.msg).toContain(secretFile);
      expect(line.msg).toContain('trackers on other hosts need a copy of this file');
    }

    // They authenticate each other: a user registered on tracker 1 logs in on tracker 2.
    const onOne = await sandbox.connect(`ws://127.0.0.1:${ports[0]}/ws`);
    await onOne.ok('register', { userId: 'alice', password: 'alice-password-1' });
    const onTwo = await sandbox.connect(`ws://127.0.0.1:${ports[1]}/ws`);
    const deadline = Date.now() + 10_000;
    let login = await onTwo.request('login', { userId: 'alice', password: 'alice-password-1' });
    while (!login.ok && Date.now() < deadline) {
      await sleep(50);
      login = await onTwo.request('login', { userId: 'alice', password: 'alice-password-1' });
    }
    expect(login, `${one.describe()}\n${two.describe()}`).toMatchObject({ ok: true, result: { userId: 'alice' } });
    const status = await getJson(`http://127.0.0.1:${ports[1]}/status`);
    expect(status.body.links).toEqual([expect.objectContaining({ peer: 1, state: 'live' })]);
  });

  it('a tracker started later reads the same file', async () => {
    const { dir } = await twoTrackerDir();
    const one = await bareTracker(dir, 1);
    await one.waitReady();
    const before = await readFile(path.join(dir, 'tracker_info.txt.secret'), 'utf8');
    const two = await bareTracker(dir, 2);
    await two.waitReady();
    expect(secretLogLine(one).created).toBe(true);
    expect(secretLogLine(two).created).toBe(false);
    expect(await readFile(path.join(dir, 'tracker_info.txt.secret'), 'utf8')).toBe(before);
  });

  it('refuses a secret file other users can read: exit 2, one line naming the file and `chmod 600`', async () => {
    const { dir, ports } = await twoTrackerDir();
    const secretFile = path.join(dir, 'tracker_info.txt.secret');
    await writeFile(secretFile, 'a-secret-copied-without-care-0123456789\n', { mode: 0o644 });
    const proc = await bareTracker(dir, 1);
    expect(await proc.waitForExit(10_000)).toEqual({ code: 2, signal: null });
    expect(proc.stderr).toBe(
      'tracker: the cluster secret file tracker_info.txt.secret can be read or written by other users (mode 0644): run `chmod 600 tracker_info.txt.secret`\n',
    );
    // It never listened, and left the file as it was.
    await expect(fetch(`http://127.0.0.1:${ports[0]}/health`, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow();
    expect((await stat(secretFile)).mode & 0o777).toBe(0o644);
  });

  it('refuses a world-readable --cluster-secret-file too (exit 2)', async () => {
    const { dir } = await twoTrackerDir();
    await writeFile(path.join(dir, 'cluster-secret.txt'), 'a-long-enough-cluster-secret\n', { mode: 0o644 });
    const proc = await sandbox.spawn({ infoFile: 'tracker_info.txt', n: 2, cwd: dir, args: ['--cluster-secret-file', 'cluster-secret.txt'] });
    expect(await proc.waitForExit(10_000)).toEqual({ code: 2, signal: null });
    expect(proc.stderr).toMatch(/^tracker: the cluster secret file cluster-secret\.txt can be read or written by other users \(mode 0644\): run `chmod 600 cluster-secret\.txt`\n$/);
  });

  it('a lone tracker needs no secret and creates no file', async () => {
    const dir = await sandbox.tempDir('groupshare-bare-');
    await writeFile(path.join(dir, 'tracker_info.txt'), `127.0.0.1:${await freePort()}\n`);
    const proc = await bareTracker(dir, 1);
    await proc.waitReady();
    expect(proc.stdout).not.toContain('"event":"cluster_secret"');
    expect((await readdir(dir)).sort()).toEqual(['data', 'tracker_info.txt']);
  });
});
