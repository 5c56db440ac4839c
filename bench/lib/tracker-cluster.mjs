// A cluster of real tracker processes on 127.0.0.1 for the replication benchmark: one
// tracker_info.txt (and the tracker_info.txt.secret the first tracker to start creates beside
// it), one data directory per tracker, each tracker stopped and started again on its own (same
// port, same data) as an operator would. Every process is started through spawnChild, so none
// outlives the benchmark.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { spawnChild, stopChild } from './children.mjs';
import { freePort } from './net.mjs';
import { repoRoot } from './results.mjs';

const MAIN = path.join(repoRoot, 'packages/tracker/dist/main.js');

/**
 * Prepares `count` trackers under `dir` (nothing runs yet).
 * `cpuProfDir` runs every tracker under `node --cpu-prof`; a profile is written at each clean stop.
 * `args`: more command-line options for every tracker.
 * @returns `{ trackers: [{ n, address, start(), stop(), running, pid }], stopAll() }`
 */
export async function makeCluster({ dir, count = 2, cpuProfDir, logLevel = 'warn', args = [] }) {
  if (!existsSync(MAIN)) throw new Error(`${path.relative(process.cwd(), MAIN)} is missing: build the workspace first (npx -y pnpm@10.34.8 run build)`);
  const addresses = [];
  for (let i = 0; i < count; i++) addresses.push(`127.0.0.1:${await freePort()}`);
  const info = path.join(dir, 'tracker_info.txt');
  writeFileSync(info, `${addresses.join('\n')}\n`);
  // Started as an operator would, with no secret given: they share tracker_info.txt.secret.
  const env = { ...process.env };
  delete env.GROUPSHARE_CLUSTER_SECRET;
  const prof = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];

  const trackers = addresses.map((address, i) => {
    const n = i + 1;
    let child;
    return {
      n,
      address,
      get running() {
        return child !== undefined;
      },
      get pid() {
        return child?.pid;
      },
      /** Spawns the tracker and resolves once `/health` answers (its database is migrated and open). */
      async start({ timeoutMs = 30_000 } = {}) {
        // stdin stays an open pipe: a closed console is fine, but this keeps it like a terminal.
        child = spawnChild(process.execPath, [...prof, MAIN, info, String(n), '--data-dir', path.join(dir, `tracker-${n}`), '--log-level', logLevel, ...args], {
          env,
          stdio: ['pipe', 'ignore', 'inherit'],
        });
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const exited = await Promise.race([child.exited, new Promise((r) => setTimeout(r, 20, undefined))]);
          if (exited) throw new Error(`tracker ${n} exited at start (${exited.error?.message ?? `code ${exited.code}`})`);
          try {
            if ((await fetch(`http://${address}/health`)).ok) return;
          } catch {
            // not listening yet
          }
          if (Date.now() > deadline) throw new Error(`tracker ${n} on ${address} did not answer /health within ${timeoutMs} ms`);
        }
      },
      /** SIGTERM (a clean stop: a --cpu-prof profile is written) and wait for the exit. */
      async stop() {
        if (!child) return;
        const c = child;
        child = undefined;
        await stopChild(c, { graceMs: 20_000 });
      },
      /** `GET /digest`: `{ tracker, digest, vector }`. */
      async digest() {
        return (await fetch(`http://${address}/digest`)).json();
      },
    };
  });
  return { trackers, stopAll: () => Promise.all(trackers.map((t) => t.stop())) };
}
