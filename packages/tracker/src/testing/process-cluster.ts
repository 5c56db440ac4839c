/**
 * ProcessCluster: N real tracker processes on 127.0.0.1 (spawnTracker), the way an operator runs
 * them, sharing one tracker_info.txt in one directory. A test or benchmark can kill one with any
 * signal or stop it cleanly, start it again on the same data directory and port, read its
 * `/digest` and `/status`, and wait until trackers hold the same state.
 *
 * Each tracker reads `tracker_info.txt` from the cluster's directory, unless it was given a file
 * of its own (`setTrackerInfo`): that is how a fault proxy goes between two trackers. The lower
 * number dials the higher one (docs/replication.md), so tracker 1's file lists the proxy as
 * tracker 2 while tracker 2's file lists the real addresses.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TrackerStatus } from '../tracker.js';
import { freePort } from './net.js';
import { spawnTracker, type Exit, type OutputMode, type SpawnFunction, type StdinMode, type TrackerProcess } from './tracker-process.js';
import { sleep } from './wait.js';
import { WsClient } from './ws-client.js';

/** A cluster secret long enough for the tracker's 16-character minimum. */
export const TEST_CLUSTER_SECRET = 'integration-test-cluster-secret';

/** Output kept per stream and process for failure messages; a tracker logs a JSON line per event. */
const OUTPUT_TAIL_CHARS = 64 * 1024;

export interface ProcessClusterInit {
  /** How many trackers tracker_info.txt lists (all of them are started by `startAll`). */
  size: number;
  /**
   * GROUPSHARE_CLUSTER_SECRET for every tracker (default TEST_CLUSTER_SECRET); `null` starts them
   * without one, so they share `<tracker_info>.secret` beside their tracker_info file (created by
   * the first to start), as an operator's would.
   */
  secret?: string | null;
  /**
   * The directory for tracker_info.txt and the data directories, created if missing and left in
   * place by `stop()` (its owner removes it). Default: a fresh temp directory that `stop()` removes.
   */
  root?: string;
  /** More command-line options for every tracker (`['--log-level', 'warn']`). */
  args?: readonly string[];
  /** Options for node before the program (`['--cpu-prof', …]`). */
  nodeArgs?: readonly string[];
  /** Default `['ignore', 'pipe', 'pipe']`; see TrackerSpawnOptions. */
  stdio?: [StdinMode, OutputMode, OutputMode];
  /** A spawn wrapper (a benchmark's, so no tracker outlives it). */
  spawn?: SpawnFunction;
}

/** What `GET /digest` answers. */
export interface DigestReply {
  tracker: number;
  digest: string;
  /** Highest op sequence applied per origin tracker. */
  vector: Record<string, number>;
}

export class ProcessCluster implements AsyncDisposable {
  /** Tracker n listens on `ports[n - 1]`. */
  readonly ports: number[];
  private readonly processes = new Map<number, TrackerProcess>();
  /** Every process ever started (restarts included), so that stop() misses none. */
  private readonly everyProcess: TrackerProcess[] = [];
  private readonly clients: WsClient[] = [];
  private readonly infoFiles = new Map<number, string>();

  private constructor(
    readonly root: string,
    ports: number[],
    private readonly init: ProcessClusterInit,
  ) {
    this.ports = ports;
  }

  /** Picks the ports and writes tracker_info.txt; starts nothing (see `startAll`). */
  static async create(init: ProcessClusterInit): Promise<ProcessCluster> {
    const root = init.root ?? (await mkdtemp(path.join(os.tmpdir(), 'groupshare-integration-')));
    if (init.root !== undefined) await mkdir(root, { recursive: true });
    const ports: number[] = [];
    // One at a time and distinct: two quick listen-on-0 calls can return the same port.
    while (ports.length < init.size) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    const cluster = new ProcessCluster(root, ports, init);
    await cluster.writeInfo(path.join(root, 'tracker_info.txt'), cluster.addresses());
    return cluster;
  }

  /** `127.0.0.1:<port>` of tracker n. */
  address(n: number): string {
    return `127.0.0.1:${this.port(n)}`;
  }

  addresses(): string[] {
    return this.ports.map((port) => `127.0.0.1:${port}`);
  }

  /** Client WebSocket URL of tracker n. */
  url(n: number): string {
    return `ws://${this.address(n)}/ws`;
  }

  dataDir(n: number): string {
    return path.join(this.root, `t${n}`);
  }

  infoFile(n: number): string {
    return this.infoFiles.get(n) ?? path.join(this.root, 'tracker_info.txt');
  }

  /** Gives tracker n its own tracker_info.txt listing `addresses` (used from its next start). */
  async setTrackerInfo(n: number, addresses: string[]): Promise<void> {
    const file = path.join(this.root, `tracker_info-${n}.txt`);
    await this.writeInfo(file, addresses);
    this.infoFiles.set(n, file);
  }

  /** The current (or last) process of tracker n. */
  process(n: number): TrackerProcess {
    const proc = this.processes.get(n);
    if (!proc) throw new Error(`tracker ${n} was never started`);
    return proc;
  }

  running(n: number): boolean {
    return this.processes.get(n)?.running ?? false;
  }

  /** Spawns tracker n without waiting for it (for start-up failures); `args` are added to its command line. */
  spawn(n: number, args: readonly string[] = []): TrackerProcess {
    if (this.running(n)) throw new Error(`tracker ${n} is already running`);
    const { secret = TEST_CLUSTER_SECRET, nodeArgs, stdio, spawn } = this.init;
    const allArgs = [...(this.init.args ?? []), ...args];
    const proc = spawnTracker({
      infoFile: this.infoFile(n),
      n,
      dataDir: this.dataDir(n),
      cwd: this.root,
      ...(secret !== null ? { secret } : {}),
      ...(allArgs.length > 0 ? { args: allArgs } : {}),
      ...(nodeArgs ? { nodeArgs } : {}),
      ...(stdio ? { stdio } : {}),
      ...(spawn ? { spawn } : {}),
      outputLimit: OUTPUT_TAIL_CHARS,
    });
    this.processes.set(n, proc);
    this.everyProcess.push(proc);
    return proc;
  }

  /** Starts tracker n (on its data directory, so a second start is a restart) and waits for /health; `args` as for spawn. */
  async start(n: number, timeoutMs = 15_000, args: readonly string[] = []): Promise<TrackerProcess> {
    const proc = this.spawn(n, args);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!proc.running) throw new Error(`tracker ${n} exited during start-up\n${proc.describe()}`);
      try {
        const health = (await this.get(n, '/health', 500)) as { status?: string; tracker?: number };
        if (health.status === 'ok' && health.tracker === n) return proc;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`tracker ${n} did not answer /health within ${timeoutMs} ms\n${proc.describe()}`);
      await sleep(25);
    }
  }

  /** Starts every tracker, in parallel. */
  async startAll(): Promise<void> {
    await Promise.all(this.ports.map((_, i) => this.start(i + 1)));
  }

  /** Sends `signal` (SIGKILL by default: no clean shutdown) and waits for the process to go. */
  async kill(n: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    const proc = this.process(n);
    if (proc.running) proc.child.kill(signal);
    return proc.waitForExit(10_000);
  }

  /** A clean stop of tracker n (SIGTERM, SIGKILL after `graceMs`); nothing if it is not running. */
  async terminate(n: number, graceMs?: number): Promise<void> {
    if (this.running(n)) await this.process(n).stop(graceMs);
  }

  /**
   * SIGSTOP: tracker n freezes with its sockets open; nothing it holds is answered or closed,
   * as with a hung host. `unpause` (SIGCONT) lets it run on. Not `kill(n, 'SIGSTOP')`, which
   * waits for an exit that never comes.
   */
  pause(n: number): void {
    const proc = this.process(n);
    if (proc.running) proc.child.kill('SIGSTOP');
  }

  unpause(n: number): void {
    const proc = this.process(n);
    if (proc.running) proc.child.kill('SIGCONT');
  }

  /** Removes tracker n's data directory (it must be stopped): its next start begins from nothing. */
  async wipe(n: number): Promise<void> {
    if (this.running(n)) throw new Error(`tracker ${n} is running: stop it before wiping its data`);
    await rm(this.dataDir(n), { recursive: true, force: true });
  }

  /** Starts tracker n again on the same data directory and port. */
  async restart(n: number): Promise<TrackerProcess> {
    if (this.running(n)) await this.kill(n);
    return this.start(n);
  }

  /**
   * The tracker's state digest. Hashing a large state takes a while on a busy machine (100,000
   * ops after a benchmark's catch-up took over 3 s), hence a longer default wait than other routes.
   */
  async digest(n: number, timeoutMs = 30_000): Promise<DigestReply> {
    return (await this.get(n, '/digest', timeoutMs)) as DigestReply;
  }

  async status(n: number): Promise<TrackerStatus> {
    return (await this.get(n, '/status')) as TrackerStatus;
  }

  /**
   * Resolves once every tracker in `trackers` (all running ones by default) reports the same
   * digest and the same vector: the same ops applied, folded into the same state. Returns the
   * digest and how long it took.
   */
  async waitConverged(trackers?: number[], timeoutMs = 10_000): Promise<{ digest: string; ms: number }> {
    const which = trackers ?? [...this.processes.keys()].filter((n) => this.running(n)).sort((a, b) => a - b);
    const started = Date.now();
    let last: DigestReply[] = [];
    for (;;) {
      try {
        last = await Promise.all(which.map((n) => this.digest(n)));
        const digests = new Set(last.map((d) => d.digest));
        const vectors = new Set(last.map((d) => canonicalVector(d.vector)));
        if (digests.size === 1 && vectors.size === 1) return { digest: last[0]!.digest, ms: Date.now() - started };
      } catch {
        // a tracker between requests (restarting): try again
      }
      if (Date.now() - started > timeoutMs) {
        const seen = last.map((d) => `tracker ${d.tracker}: ${d.digest.slice(0, 12)} ${canonicalVector(d.vector)}`).join('; ');
        throw new Error(`trackers ${which.join(', ')} did not converge within ${timeoutMs} ms (${seen})`);
      }
      await sleep(25);
    }
  }

  /** A client connection to tracker n, closed by stop(). */
  async connect(n: number): Promise<WsClient> {
    const client = await WsClient.connect(this.url(n));
    this.clients.push(client);
    return client;
  }

  /** Output of tracker n, for failure messages. */
  describe(n: number): string {
    return this.processes.get(n)?.describe() ?? `tracker ${n} was never started`;
  }

  /**
   * Closes every client and stops every process: SIGKILL by default, or a clean stop given
   * `graceMs`; then removes the directory, unless the cluster was given one.
   */
  async stop({ graceMs }: { graceMs?: number } = {}): Promise<void> {
    for (const client of this.clients.splice(0)) client.terminate();
    await Promise.all(this.everyProcess.splice(0).map((proc) => (graceMs === undefined ? proc.kill() : proc.stop(graceMs))));
    if (this.init.root === undefined) await rm(this.root, { recursive: true, force: true });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private port(n: number): number {
    const port = this.ports[n - 1];
    if (port === undefined) throw new RangeError(`there is no tracker ${n} in a cluster of ${this.ports.length}`);
    return port;
  }

  private async get(n: number, route: string, timeoutMs = 3_000): Promise<unknown> {
    const res = await fetch(`http://${this.address(n)}${route}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`GET ${route} on tracker ${n}: HTTP ${res.status}`);
    return res.json();
  }

  private async writeInfo(file: string, addresses: string[]): Promise<void> {
    await writeFile(file, `# groupshare trackers\n\n${addresses.join('\n')}\n`);
  }
}

/** A vector as text with its origins in order, so equal vectors compare equal. */
function canonicalVector(vector: Record<string, number>): string {
  return JSON.stringify(Object.entries(vector).sort(([a], [b]) => Number(a) - Number(b)));
}
