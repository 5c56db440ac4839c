/**
 * Harness for tests that run the REAL tracker process (`dist/main.js`, or the root `./tracker`
 * script that execs it) on 127.0.0.1: free ports, temp tracker_info.txt and data directories,
 * a wrapper around the child process, and one cleanup that kills whatever a test left behind.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestClient } from './helpers.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const MAIN_JS = path.join(REPO_ROOT, 'packages/tracker/dist/main.js');
export const TRACKER_SCRIPT = path.join(REPO_ROOT, 'tracker');

/** Throws a clear message when the tracker has not been built. */
export function assertBuilt(): void {
  if (!existsSync(MAIN_JS)) {
    throw new Error(`${path.relative(REPO_ROOT, MAIN_JS)} is missing: run \`pnpm run build\` first`);
  }
}

/** A TCP port that was free a moment ago: listen on port 0, read the port, close. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** Listens on host:port (to occupy it, or to prove it is free). Resolves with the server. */
export function listenOn(port: number, host = '127.0.0.1'): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  /**
   * GROUPSHARE_CLUSTER_SECRET for the process. Omitted, the child gets none (whatever the test
   * runner's own environment holds), as an operator typing the bare command would.
   */
  secret?: string;
  /** 1-based tracker number; default 1. */
  n?: number;
  /** Path of tracker_info.txt. */
  infoFile: string;
  /** --data-dir; omitted when undefined. */
  dataDir?: string;
  /** Run through the root `./tracker` bash script instead of `node dist/main.js`. */
  viaScript?: boolean;
  /** Extra command-line arguments. */
  args?: string[];
  /** Working directory (default: a scratch directory, so a default data dir never lands in the repo). */
  cwd?: string;
}

/** One tracker child process with its output captured. */
export class TrackerProcess {
  stdout = '';
  stderr = '';
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;
  private readonly outputWaiters = new Set<() => void>();

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.stdout += chunk;
      this.wake();
    });
    child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
      this.wake();
    });
    // Writing to a stdin the child has closed must not crash the test runner.
    child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.wake();
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Writes one console line (a newline is added). */
  command(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Resolves once stdout matches `pattern`; rejects on exit or timeout, showing the output. */
  async waitForStdout(pattern: RegExp, timeoutMs = 10_000, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.stdout.slice(from).match(pattern);
      if (match) return match;
      if (this.exit) throw new Error(`tracker exited (${describeExit(this.exit)}) before printing ${pattern}\n${this.describe()}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} on stdout\n${this.describe()}`);
      await this.nextOutput(remaining);
    }
  }

  /** Waits for the "listening" log line the tracker prints once its port is open. */
  async waitReady(timeoutMs = 15_000): Promise<void> {
    await this.waitForStdout(/"event":"tracker_started"/, timeoutMs);
  }

  /** Resolves with the exit, or rejects after `timeoutMs` (the process is left running). */
  async waitForExit(timeoutMs = 5_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`tracker did not exit within ${timeoutMs} ms\n${this.describe()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process hard (cleanup) and waits for it to go. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  describe(): string {
    return `--- stdout ---\n${this.stdout.slice(-4000)}\n--- stderr ---\n${this.stderr.slice(-4000)}`;
  }

  private wake(): void {
    for (const w of [...this.outputWaiters]) w();
  }

  private nextOutput(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.outputWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.outputWaiters.add(done);
    });
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/**
 * Everything a test starts: processes, clients, temp directories. `cleanup()` (call it in
 * afterEach) kills and removes them all, whether the test passed or not.
 */
export class ProcessSandbox {
  private readonly processes: TrackerProcess[] = [];
  private readonly clients: TestClient[] = [];
  private readonly servers: net.Server[] = [];
  private readonly dirs: string[] = [];

  /** A fresh directory under os.tmpdir(), removed by cleanup(). */
  async tempDir(prefix = 'groupshare-proc-'): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /**
   * Writes tracker_info.txt listing `addresses` (host:port strings), with a comment line and a
   * blank line as a real one would have. Returns its path.
   */
  async trackerInfo(addresses: string[], dir?: string): Promise<string> {
    const where = dir ?? (await this.tempDir('groupshare-info-'));
    const file = path.join(where, 'tracker_info.txt');
    await writeFile(file, `# groupshare trackers for the process tests\n\n${addresses.join('\n')}\n`);
    return file;
  }

  /** A free port, a tracker_info.txt listing it, and a data directory. */
  async cluster(): Promise<{ port: number; infoFile: string; dataDir: string; url: string; healthUrl: string }> {
    assertBuilt();
    const port = await freePort();
    const infoFile = await this.trackerInfo([`127.0.0.1:${port}`]);
    const dataDir = path.join(await this.tempDir('groupshare-data-'), 'tracker-1');
    return { port, infoFile, dataDir, url: `ws://127.0.0.1:${port}/ws`, healthUrl: `http://127.0.0.1:${port}/health` };
  }

  /** Spawns a tracker (does not wait for it to be ready). */
  async spawn(opts: StartOptions): Promise<TrackerProcess> {
    assertBuilt();
    const args = [opts.infoFile, String(opts.n ?? 1)];
    if (opts.dataDir !== undefined) args.push('--data-dir', opts.dataDir);
    args.push(...(opts.args ?? []));
    const cwd = opts.cwd ?? (await this.tempDir('groupshare-cwd-'));
    // Without a secret, the trackers of a multi-line tracker_info.txt share `<tracker_info>.secret`,
    // which the first of them creates in the test's temp directory.
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.GROUPSHARE_CLUSTER_SECRET;
    if (opts.secret !== undefined) env.GROUPSHARE_CLUSTER_SECRET = opts.secret;
    const child = opts.viaScript
      ? spawn(TRACKER_SCRIPT, args, { cwd, env, stdio: 'pipe' })
      : spawn(process.execPath, [MAIN_JS, ...args], { cwd, env, stdio: 'pipe' });
    const proc = new TrackerProcess(child);
    this.processes.push(proc);
    return proc;
  }

  /** Spawns a tracker and waits until it listens. */
  async start(opts: StartOptions): Promise<TrackerProcess> {
    const proc = await this.spawn(opts);
    await proc.waitReady();
    return proc;
  }

  /** A WebSocket client that cleanup() closes. */
  async connect(url: string): Promise<TestClient> {
    const client = await TestClient.connect(url);
    this.clients.push(client);
    return client;
  }

  /** Occupies host:port until cleanup(). */
  async occupy(port: number, host = '127.0.0.1'): Promise<net.Server> {
    const server = await listenOn(port, host);
    this.servers.push(server);
    return server;
  }

  async cleanup(): Promise<void> {
    for (const c of this.clients.splice(0)) c.socket.terminate();
    await Promise.all(this.processes.splice(0).map((p) => p.kill()));
    await Promise.all(this.servers.splice(0).map((s) => closeServer(s)));
    await Promise.all(this.dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** GET a URL on the tracker; resolves with status and parsed JSON body. */
export async function getJson(url: string, timeoutMs = 3_000): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
