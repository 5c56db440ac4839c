/**
 * End-to-end harness: a real tracker in-process on 127.0.0.1 port 0 with a throw-away data
 * directory, and whole clients run in-process through runShell on PassThrough streams, in
 * piped mode, exactly as `printf ... | ./client` would run them. Tests type lines into a
 * client while it runs and wait for what a user would see.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Tracker } from '@groupshare/tracker';
import { runShell, type RunShellInit } from '../src/index.js';

/** A temp directory holding tracker_info.txt and the clients' data directories. */
export interface TestWorld extends AsyncDisposable {
  dir: string;
  infoFile: string;
  port: number;
}

/** Starts a real tracker and writes a tracker_info.txt naming it. */
export async function startWorld(): Promise<TestWorld & { tracker: Tracker }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'groupshare-client-'));
  const tracker = await Tracker.create({ trackerNumber: 1, host: '127.0.0.1', port: 0, dataDir: path.join(dir, 'tracker') });
  await tracker.start();
  const port = tracker.port;
  const infoFile = path.join(dir, 'tracker_info.txt');
  await writeFile(infoFile, `# the test tracker\n127.0.0.1:${port}\n`);
  return {
    dir,
    infoFile,
    port,
    tracker,
    async [Symbol.asyncDispose]() {
      await tracker.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A client shell running in-process; see the module comment. */
export class TestShell {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  out = '';
  err = '';
  /** The exit status, once the shell has ended. */
  readonly exit: Promise<number>;
  private ended = false;

  constructor(argv: readonly string[], extra: Partial<RunShellInit> = {}) {
    this.stdout.setEncoding('utf8').on('data', (s: string) => (this.out += s));
    this.stderr.setEncoding('utf8').on('data', (s: string) => (this.err += s));
    this.exit = runShell({ argv, stdin: this.stdin, stdout: this.stdout, stderr: this.stderr, interactive: false, ...extra });
    void this.exit.then(() => (this.ended = true), () => (this.ended = true));
  }

  /** A client of `world` whose peer server listens on a free loopback port. */
  static start(world: TestWorld, name: string): TestShell {
    return new TestShell(['--data-dir', path.join(world.dir, name), '127.0.0.1:0', world.infoFile]);
  }

  /** Types lines (each ends with a newline). */
  send(...lines: string[]): void {
    this.stdin.write(lines.map((l) => `${l}\n`).join(''));
  }

  /** Waits until stdout (or stderr) matches; fails with what was printed if it never does. */
  async waitFor(pattern: RegExp | string, stream: 'out' | 'err' = 'out', timeoutMs = 10_000): Promise<void> {
    const matches = (): boolean => {
      const text = stream === 'out' ? this.out : this.err;
      return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
    };
    const deadline = Date.now() + timeoutMs;
    while (!matches()) {
      if (this.ended || Date.now() > deadline) {
        throw new Error(`${String(pattern)} never appeared on ${stream}.\n--- stdout ---\n${this.out}--- stderr ---\n${this.err}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Ends the input and resolves with the exit status. */
  async end(): Promise<number> {
    this.stdin.end();
    return this.exit;
  }
}

/** Runs a whole piped session and resolves with its status and output. */
export async function runPiped(argv: readonly string[], lines: readonly string[]): Promise<{ status: number; out: string; err: string }> {
  const shell = new TestShell(argv);
  shell.send(...lines);
  const status = await shell.end();
  return { status, out: shell.out, err: shell.err };
}
