/**
 * Several in-process trackers forming one cluster on 127.0.0.1, each with its own data
 * directory, connected by the real replication links.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Tracker, type TrackerInit } from '../src/index.js';
import { freePort, WsClient } from '../src/testing/index.js';

export const SECRET = 'test-cluster-secret-0123456789';

export interface TestCluster extends AsyncDisposable {
  trackers: Array<Tracker | undefined>;
  dataDirs: string[];
  ports: number[];
  /** Connects a client to tracker n (1-based). */
  connect(n: number): Promise<WsClient>;
  /** Starts (or restarts, on the same data) tracker n. */
  start(n: number, init?: Partial<TrackerInit>): Promise<Tracker>;
  stopTracker(n: number): Promise<void>;
  /** Resolves when every running tracker reports the same digest. */
  converged(timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startCluster(size: number, init: Partial<TrackerInit> = {}): Promise<TestCluster> {
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const dataDirs = await Promise.all(ports.map(() => mkdtemp(path.join(os.tmpdir(), 'groupshare-cluster-'))));
  const addresses = ports.map((port) => ({ host: '127.0.0.1', port }));
  const trackers: Array<Tracker | undefined> = Array.from({ length: size });
  const clients: WsClient[] = [];
  const cluster: TestCluster = {
    trackers,
    dataDirs,
    ports,
    async connect(n) {
      const client = await WsClient.connect(`ws://127.0.0.1:${ports[n - 1]}/ws`);
      clients.push(client);
      return client;
    },
    async start(n, extra = {}) {
      const tracker = await Tracker.create({
        trackerNumber: n,
        host: '127.0.0.1',
        port: ports[n - 1]!,
        dataDir: dataDirs[n - 1]!,
        cluster: { trackers: addresses, secret: SECRET },
        ...init,
        ...extra,
      });
      await tracker.start();
      trackers[n - 1] = tracker;
      return tracker;
    },
    async stopTracker(n) {
      await trackers[n - 1]?.stop();
      trackers[n - 1] = undefined;
    },
    async converged(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let digests: string[] = [];
      while (Date.now() < deadline) {
        const running = trackers.filter((t): t is Tracker => t !== undefined);
        digests = await Promise.all(running.map((t) => t.digest()));
        const vectors = await Promise.all(running.map(async (t) => JSON.stringify(await t.services.store.vector())));
        if (new Set(digests).size === 1 && new Set(vectors).size === 1) return digests[0]!;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`trackers did not converge in ${timeoutMs} ms: ${digests.join(' ')}`);
    },
    async stop() {
      for (const c of clients) c.close();
      for (let n = 1; n <= size; n++) await cluster.stopTracker(n);
      for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]: () => cluster.stop(),
  };
  for (let n = 1; n <= size; n++) await cluster.start(n);
  return cluster;
}

/** Polls `check` until it returns true. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Heals a partition between two trackers that have no replication links (each started alone):
 * each applies the ops the other has and it lacks.
 */
export async function exchange(a: Tracker, b: Tracker): Promise<void> {
  for (const [from, to] of [[a, b], [b, a]] as const) {
    const { ops } = await from.services.store.opsMissing(await to.services.store.vector(), 0, 100_000);
    await to.services.store.applyRemote(ops);
  }
}
