// A reader that closes early (`./client --help | head -3`, a script piping the shell into `head`):
// the real client program (dist/main.js, built by `pnpm run build`) with its stdout pipe closed
// by the test before the process writes, so every write it makes fails with EPIPE. It must end
// quietly with status 0 (the shell), or keep serving (headless), never print a stack trace.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@groupshare/tracker/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

let dir: string;
let infoFile: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'groupshare-closed-output-'));
  infoFile = path.join(dir, 'tracker_info.txt');
  // Nobody listens here: nothing in these tests needs a tracker to answer.
  await writeFile(infoFile, '127.0.0.1:9\n');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Starts the client with its stdout pipe closed at once (the reader went away) and stderr collected. */
function startWithClosedStdout(args: string[]): Run {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  // Node takes tens of milliseconds to start: the read end is closed before the first write.
  child.stdout?.destroy();
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));
  child.stdin?.on('error', () => undefined);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exit, stderr: () => err };
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('a closed stdout', () => {
  it('ends --help quietly with status 0', async () => {
    const run = startWithClosedStdout(['--help']);
    expect(await run.exit).toEqual({ code: 0, signal: null });
    expect(run.stderr()).toBe('');
  });

  it('ends a piped shell quietly with status 0, though its input stays open', async () => {
    const run = startWithClosedStdout(['--no-lan', '--data-dir', path.join(dir, 'data'), '127.0.0.1:0', infoFile]);
    // Commands whose answers go to stdout; stdin is never ended, so only the closed output can end the shell.
    run.child.stdin?.write('help\nhelp\nhelp\n');
    const exit = await Promise.race([run.exit, new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000))]);
    if (exit === 'still running') run.child.kill('SIGKILL');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(run.stderr()).toBe('');
  }, 30_000);

  it('leaves a headless peer serving, and SIGTERM still stops it cleanly', async () => {
    const port = await freePort();
    const run = startWithClosedStdout(['--no-lan', '--data-dir', path.join(dir, 'data'), '--headless', '--web', `127.0.0.1:${port}`, '127.0.0.1:0', infoFile]);
    try {
      // Its first lines (the banner, "no remembered session") were written into the closed pipe by now:
      // poll the web interface until it answers, then twice more, a while apart.
      const deadline = Date.now() + 15_000;
      let status = 0;
      while (status !== 200) {
        if (Date.now() > deadline) throw new Error(`the web interface never answered\n--- stderr ---\n${run.stderr()}`);
        status = await get(`http://127.0.0.1:${port}/api/session`).catch(() => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 500));
      expect(await get(`http://127.0.0.1:${port}/api/session`)).toBe(200);
      run.child.kill('SIGTERM');
      // The "stopping" line goes into the closed pipe too.
      expect(await run.exit).toEqual({ code: 0, signal: null });
      expect(run.stderr()).toBe('');
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 30_000);
});
