/**
 * The one way tests and benchmarks start a real tracker process: `node dist/main.js <info> <n>
 * [--data-dir <dir>] [args…]` (or a program taking the same arguments, such as the repository's
 * `./tracker` script), with its output captured and its exit recorded. `spawnTracker` starts
 * it; ProcessCluster (process-cluster.ts) builds ports, tracker_info.txt and data directories
 * around it.
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nextWake, wakeAll, within } from './wait.js';

/** This package's directory: this file is src/testing/*.ts or dist/testing/*.js below it. */
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The built tracker program (the package's `groupshare-tracker` bin); throws when it is not built. */
export function trackerMainJs(): string {
  const main = path.join(PACKAGE_ROOT, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build first (pnpm run build)`);
  return main;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** `child_process.spawn`, or a wrapper with the same signature (a benchmark's, which tracks its children). */
export type SpawnFunction = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export type StdinMode = 'pipe' | 'ignore';
export type OutputMode = 'pipe' | 'ignore' | 'inherit';

export interface TrackerSpawnOptions {
  /** Path of tracker_info.txt (relative to `cwd` if relative). */
  infoFile: string;
  /** 1-based tracker number; default 1. */
  n?: number;
  /** --data-dir; omitted when undefined (the tracker's default under `cwd`). */
  dataDir?: string;
  /** Working directory. */
  cwd: string;
  /** More command-line options (`['--log-level', 'warn']`). */
  args?: readonly string[];
  /** Options for node before the program (`--cpu-prof`); not with `command`. */
  nodeArgs?: readonly string[];
  /** A program taking the tracker's arguments instead of `node dist/main.js` (the `./tracker` script). */
  command?: string;
  /**
   * GROUPSHARE_CLUSTER_SECRET for the process. Omitted, the child gets none (whatever this
   * process's environment holds), as an operator typing the bare command would; trackers of one
   * tracker_info.txt then share `<tracker_info>.secret`, which the first of them creates.
   */
  secret?: string;
  /**
   * stdin, stdout, stderr; default `['ignore', 'pipe', 'pipe']`. stdin `ignore` is /dev/null:
   * the console sees EOF at once and the tracker runs on as a service; `pipe` lets `command()` type.
   */
  stdio?: [StdinMode, OutputMode, OutputMode];
  /**
   * Keep only the last this-many characters of each output stream (a long run logs a lot);
   * default: everything, so `stdout.length` marks a place that `waitForStdout` can start from.
   */
  outputLimit?: number;
  spawn?: SpawnFunction;
}

/** Starts a tracker process (does not wait for it to be ready). */
export function spawnTracker(opts: TrackerSpawnOptions): TrackerProcess {
  const args = [opts.infoFile, String(opts.n ?? 1)];
  if (opts.dataDir !== undefined) args.push('--data-dir', opts.dataDir);
  args.push(...(opts.args ?? []));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.GROUPSHARE_CLUSTER_SECRET;
  if (opts.secret !== undefined) env.GROUPSHARE_CLUSTER_SECRET = opts.secret;
  const spawn = opts.spawn ?? nodeSpawn;
  const options: SpawnOptions = { cwd: opts.cwd, env, stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'] };
  const child = opts.command !== undefined ? spawn(opts.command, args, options) : spawn(process.execPath, [...(opts.nodeArgs ?? []), trackerMainJs(), ...args], options);
  return new TrackerProcess(opts.n ?? 1, child, opts.outputLimit);
}

/** One tracker child process, with its output (when piped) for assertions and failure messages. */
export class TrackerProcess {
  stdout = '';
  stderr = '';
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;
  private readonly wakers = new Set<() => void>();

  constructor(
    readonly n: number,
    readonly child: ChildProcess,
    outputLimit = Infinity,
  ) {
    const keep = (text: string): string => (text.length > outputLimit ? text.slice(-outputLimit) : text);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout = keep(this.stdout + chunk);
      wakeAll(this.wakers);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = keep(this.stderr + chunk);
      wakeAll(this.wakers);
    });
    // Writing to a stdin the child has closed must not crash the test runner.
    child.stdin?.on('error', () => {});
    this.exited = new Promise((resolve) => {
      const done = (exit: Exit): void => {
        this.exit ??= exit;
        wakeAll(this.wakers);
        resolve(this.exit);
      };
      child.once('exit', (code, signal) => done({ code, signal }));
      child.once('error', () => done({ code: null, signal: null })); // could not start at all
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Types one console line (a newline is added); needs stdin `pipe`. */
  command(line: string): void {
    if (!this.child.stdin) throw new Error(`tracker ${this.n} was started without a console (stdin 'ignore')`);
    this.child.stdin.write(`${line}\n`);
  }

  /** Resolves once stdout from `from` on matches `pattern`; rejects on exit or timeout, showing the output. */
  async waitForStdout(pattern: RegExp, timeoutMs = 10_000, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.stdout.slice(from).match(pattern);
      if (match) return match;
      if (this.exit) throw new Error(`tracker ${this.n} exited (${describeExit(this.exit)}) before printing ${pattern}\n${this.describe()}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} on stdout\n${this.describe()}`);
      await nextWake(this.wakers, remaining);
    }
  }

  /** Waits for the log line the tracker prints once its port is open (needs stdout `pipe`). */
  async waitReady(timeoutMs = 15_000): Promise<void> {
    await this.waitForStdout(/"event":"tracker_started"/, timeoutMs);
  }

  /** Resolves with the exit, or rejects after `timeoutMs` (the process is left running). */
  waitForExit(timeoutMs = 5_000): Promise<Exit> {
    return within(this.exited, timeoutMs, () => `tracker ${this.n} did not exit within ${timeoutMs} ms\n${this.describe()}`);
  }

  /** Kills the process hard (no clean shutdown) and waits for it to go. */
  async kill(): Promise<Exit> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  /**
   * A clean stop: SIGTERM (the tracker closes its database; `--cpu-prof` writes its profile),
   * then SIGKILL if it has not exited after `graceMs`.
   */
  async stop(graceMs = 10_000): Promise<Exit> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The tail of its output, for failure messages. */
  describe(): string {
    const exit = this.exit ? ` (exited: ${describeExit(this.exit)})` : '';
    return `--- tracker ${this.n}${exit} stdout (tail) ---\n${this.stdout.slice(-4000)}\n--- stderr (tail) ---\n${this.stderr.slice(-4000)}`;
  }
}
