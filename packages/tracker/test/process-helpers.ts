/**
 * Harness for tests that run the REAL tracker process (`dist/main.js`, or the root `./tracker`
 * script that execs it) on 127.0.0.1: temp tracker_info.txt and data directories, occupied
 * ports, and one cleanup that kills whatever a test left behind. The process itself is the
 * package's one launcher (`spawnTracker` in src/testing), with a console on stdin.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnTracker, trackerMainJs, WsClient, type TrackerProcess } from '../src/testing/index.js';

export { describeExit, freePort, sleep, type Exit, type TrackerProcess } from '../src/testing/index.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const TRACKER_SCRIPT = path.join(REPO_ROOT, 'tracker');

/** Throws a clear message when the tracker has not been built. */
export function assertBuilt(): void {
  trackerMainJs();
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

/**
 * Everything a test starts: processes, clients, temp directories. `cleanup()` (call it in
 * afterEach) kills and removes them all, whether the test passed or not.
 */
export class ProcessSandbox {
  private readonly processes: TrackerProcess[] = [];
  private readonly clients: WsClient[] = [];
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
    const { viaScript, cwd, ...rest } = opts;
    const proc = spawnTracker({
      ...rest,
      cwd: cwd ?? (await this.tempDir('groupshare-cwd-')),
      ...(viaScript ? { command: TRACKER_SCRIPT } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
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
  async connect(url: string): Promise<WsClient> {
    const client = await WsClient.connect(url);
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
    for (const c of this.clients.splice(0)) c.terminate();
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
