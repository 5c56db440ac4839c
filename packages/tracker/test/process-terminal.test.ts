// The real tracker on a terminal (a pseudo-terminal from util-linux `script`): log lines are one
// readable line each with an ISO time, printed above the `tracker> ` prompt, which is drawn again
// below them; the log file keeps JSON with the same ISO time.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TrackerProcess, trackerMainJs } from '../src/testing/index.js';
import { ProcessSandbox, assertBuilt } from './process-helpers.js';

const sandbox = new ProcessSandbox();
let proc: TrackerProcess | undefined;

beforeAll(() => {
  assertBuilt();
});

afterEach(async () => {
  if (proc?.running) await proc.kill();
  await sandbox.cleanup();
});

const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

describe('tracker process on a terminal', () => {
  it('prints readable log lines with ISO times above the prompt, and JSON to its log file', async () => {
    const c = await sandbox.cluster();
    const command = [process.execPath, trackerMainJs(), c.infoFile, '1', '--data-dir', c.dataDir].map((a) => `'${a}'`).join(' ');
    // `script` gives the tracker a terminal for stdin and stdout; what it draws comes out here.
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: path.dirname(c.infoFile), env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' }, stdio: 'pipe' });
    proc = new TrackerProcess(1, child);
    await proc.waitForStdout(new RegExp(`${ISO} INFO  tracker 1 listening on 127\\.0\\.0\\.1:${c.port}  event=tracker_started`));
    await proc.waitForStdout(/tracker> (\x1b\[\d+G)?$/);
    const mark = proc.stdout.length;
    const alice = await sandbox.connect(c.url);
    await alice.ok('register', { userId: 'alice', password: 'alice-password-1' });
    // The line replaces the prompt (cursor to column 0, cleared), then the prompt is back below it.
    const shown = await proc.waitForStdout(new RegExp(`\\x1b\\[0J(${ISO} INFO  [^\\r\\n]*event=user_registered[^\\r\\n]*)\\r?\\n(\\x1b\\[[0-9;]*[A-Za-z])*tracker> `), 10_000, mark);
    expect(shown[1]).not.toContain('{');
    expect(shown[1]).toContain('userId=alice');
    child.stdin.write('quit\r');
    expect((await proc.waitForExit(10_000)).code).toBe(0);

    const file = await readFile(path.join(c.dataDir, 'tracker.log'), 'utf8');
    const registered = file.split('\n').find((l) => l.includes('"event":"user_registered"'));
    expect(JSON.parse(registered!)).toMatchObject({ time: expect.stringMatching(new RegExp(`^${ISO}$`)), userId: 'alice' });
  });
});
