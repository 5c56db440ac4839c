/**
 * What an outsider can do to the tracker's log: flood it with refused logins (coalesced), and
 * make it grow (rotated at a size limit, a few files kept, each private to the tracker's user).
 */
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTrackerLogger } from '../src/index.js';
import { startTestTracker } from './helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'groupshare-log-'));
  dirs.push(dir);
  return dir;
}

async function logEntries(dataDir: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path.join(dataDir, 'tracker.log'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('tracker log under a flood of refused logins', () => {
  it('20,000 throttled logins make a handful of lines that still count every one', async () => {
    const dataDir = await scratch();
    const log = await createTrackerLogger({ dataDir, trackerNumber: 1 });
    // One failure, then every attempt is throttled for the rest of the test.
    await using t = await startTestTracker({ dataDir, logger: log.logger, loginThrottle: { freeFailures: 0, baseDelayMs: 600_000, maxDelayMs: 600_000 } });
    const eve = await t.connect();
    expect(await eve.fails('login', { userId: 'kelvin', password: 'guess-0' })).toBe('ERR_BAD_CREDENTIALS');
    const attempts = 20_000;
    for (let sent = 0; sent < attempts; sent += 1_000) {
      const replies = await Promise.all(Array.from({ length: 1_000 }, (_, i) => eve.request('login', { userId: 'kelvin', password: `guess-${sent + i + 1}` })));
      expect(replies.every((r) => !r.ok && r.error.code === 'ERR_RATE_LIMITED')).toBe(true);
    }
    await t.stop();
    log.close();

    const throttled = (await logEntries(dataDir)).filter((e) => e.event === 'login_throttled');
    expect(throttled.length).toBeLessThanOrEqual(3);
    // The first attempt is logged as it was; the summary counts the others and says so.
    expect(throttled[0]).toMatchObject({ level: 40, userId: 'kelvin', ip: '127.0.0.1', msg: 'login throttled' });
    const summary = throttled.find((e) => typeof e.repeats === 'number');
    expect(summary).toMatchObject({ level: 40, ip: '127.0.0.1', msg: expect.stringMatching(/^login_throttled x \d+ more in the last \d+ s$/) });
    const counted = throttled.reduce((n, e) => n + (typeof e.repeats === 'number' ? e.repeats : 1), 0);
    expect(counted).toBe(attempts);
  }, 20_000);
});

describe('tracker log files', () => {
  it('rotate past the size limit, keep the newest files, are 0600, and tracker.log names the current one', async () => {
    const dataDir = await scratch();
    const log = await createTrackerLogger({ dataDir, trackerNumber: 1, maxFileBytes: 8 * 1024, keepFiles: 3 });
    // pino-roll rolls between event-loop turns (a tracker writes a few lines per turn).
    for (let i = 0; i < 600; i++) {
      log.logger.info({ event: 'filler', i }, 'x'.repeat(60));
      if (i % 10 === 9) await new Promise((r) => setImmediate(r));
    }
    log.close();
    // Old files are deleted just after a roll, asynchronously.
    let files: string[] = [];
    for (let tries = 0; tries < 50; tries++) {
      files = (await readdir(dataDir)).filter((f) => /^tracker\.\d+\.log$/.test(f)).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
      if (files.length <= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(files.length).toBe(3);
    // Well over 8 KiB of lines were written (600 × ~130 bytes): many rolls happened.
    expect(Number(files[2]!.split('.')[1])).toBeGreaterThan(5);
    for (const f of files) {
      const s = await stat(path.join(dataDir, f));
      expect(s.size).toBeLessThanOrEqual(8 * 1024 + 10 * 150);
      expect(s.mode & 0o777).toBe(0o600);
    }
    expect((await lstat(path.join(dataDir, 'tracker.log'))).isSymbolicLink()).toBe(true);
    expect(await readlink(path.join(dataDir, 'tracker.log'))).toBe(files[2]);
    // The kept files hold the newest lines, none lost at a roll (the current file may be new and empty).
    const kept = (await Promise.all(files.map((f) => readFile(path.join(dataDir, f), 'utf8')))).join('');
    const numbers = kept.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { i: number }).i);
    expect(numbers.at(-1)).toBe(599);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, k) => 600 - numbers.length + k));
  });

  it('keep a log from before rotation as the oldest file', async () => {
    const dataDir = await scratch();
    await writeFile(path.join(dataDir, 'tracker.log'), '{"msg":"from an older tracker"}\n');
    const log = await createTrackerLogger({ dataDir, trackerNumber: 1 });
    log.logger.info({ event: 'tracker_started' }, 'started');
    log.close();
    expect(await readFile(path.join(dataDir, 'tracker.0.log'), 'utf8')).toBe('{"msg":"from an older tracker"}\n');
    expect((await logEntries(dataDir)).map((e) => e.event)).toEqual(['tracker_started']);
  });
});
