/**
 * End-to-end harness: a real tracker in-process on 127.0.0.1 port 0 with a throw-away data
 * directory, and whole clients run in-process through runShell on PassThrough streams, in
 * piped mode, exactly as `printf ... | ./client` would run them. Tests type lines into a
 * client while it runs and wait for what a user would see.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { PieceStore } from '@groupshare/engine';
import { choosePieceLength, hashPieces } from '@groupshare/protocol';
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
    // Tests keep their traffic on 127.0.0.1: no multicast LAN discovery unless a test asks for a --lan option.
    if (!argv.some((a) => a.startsWith('--lan') || a === '--no-lan')) argv = ['--no-lan', ...argv];
    this.exit = runShell({ argv, stdin: this.stdin, stdout: this.stdout, stderr: this.stderr, interactive: false, ...extra });
    void this.exit.then(() => (this.ended = true), () => (this.ended = true));
  }

  /** A client of `world` whose peer server listens on a free loopback port. */
  static start(world: TestWorld, name: string, extra: Partial<RunShellInit> = {}): TestShell {
    return new TestShell(['--data-dir', path.join(world.dir, name), '127.0.0.1:0', world.infoFile], extra);
  }

  /**
   * As `start`, in terminal mode (prompt, questions, the live status line), without colours,
   * with `home` as the home folder. Lines sent end in a newline, which readline takes as Enter.
   */
  static terminal(world: TestWorld, name: string, home = world.dir): TestShell {
    return TestShell.start(world, name, { interactive: true, colour: false, env: { HOME: home } });
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

/**
 * alice shares `data` as data.bin in group lab (written into the world's folder) and lets bob
 * in; both stay logged in, bob's client in `bobDir` (default `bob`). The world's folder is both
 * clients' home (`~`).
 */
export async function aliceSharesWithBob(world: TestWorld, data: Buffer, bobDir = 'bob'): Promise<{ alice: TestShell; bob: TestShell }> {
  await writeFile(path.join(world.dir, 'data.bin'), data);
  const env = { env: { HOME: world.dir } };
  const alice = TestShell.start(world, 'alice', env);
  const bob = TestShell.start(world, bobDir, env);
  alice.send('create_user alice alice-password', 'create_user bob bob-password', 'login alice alice-password', 'create_group lab', 'upload_file ~/data.bin lab');
  await alice.waitFor('sharing data.bin in lab');
  bob.send('login bob bob-password', 'join_group lab');
  await alice.waitFor('bob asked to join lab');
  alice.send('accept_request lab bob');
  await bob.waitFor('you are a member now');
  return { alice, bob };
}

/**
 * Leaves the partial data of an unfinished download of `data` (as `name`) in `dir`, as an earlier
 * run of the client would have: `pieces` verified, in the piece store's own files. A download of
 * the same file into `dir` resumes from them.
 */
export async function leavePartialDownload(dir: string, name: string, data: Buffer, pieces: readonly number[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const pieceLength = choosePieceLength(data.length);
  const sha1 = createHash('sha1').update(data).digest('hex');
  const store = await PieceStore.open({ dir, name, size: data.length, pieceLength, pieces: hashPieces(data, pieceLength), sha1 });
  try {
    for (const i of pieces) await store.writePiece(i, data.subarray(i * pieceLength, (i + 1) * pieceLength));
  } finally {
    await store.close();
  }
}

/** Polls `probe` every 50 ms until it gives something other than undefined or false. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
