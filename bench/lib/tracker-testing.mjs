// The tracker package's testing entry, built (packages/tracker/dist/testing): the one tracker
// launcher (ProcessCluster) and bare client (WsClient) the tests use too, so a benchmark starts
// and talks to trackers exactly as they do. Below, the benchmarks' settings for both.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { spawnChild } from './children.mjs';
import { cpuProfArgs } from './cpu-profile.mjs';
import { repoRoot } from './results.mjs';

const entry = path.join(repoRoot, 'packages/tracker/dist/testing/index.js');
if (!existsSync(entry)) {
  throw new Error(`${path.relative(process.cwd(), entry)} is missing: build the workspace first (npx -y pnpm@10.34.8 run setup)`);
}

/** `{ ProcessCluster, WsClient, freePort }` from @groupshare/tracker/testing. */
export const { ProcessCluster, WsClient, freePort } = await import(pathToFileURL(entry).href);

/** A tracker must answer /health within this at start (its database is migrated and open). */
export const START_TIMEOUT_MS = 30_000;
/** SIGTERM, then SIGKILL after this: a clean stop writes the --cpu-prof profile. */
export const STOP_GRACE_MS = 20_000;

/**
 * `size` trackers with tracker_info.txt and their data directories in `root` (nothing runs
 * yet), started as an operator would: no cluster secret given (they share the
 * tracker_info.txt.secret the first one creates), `--log-level warn`, each through spawnChild so
 * none outlives the benchmark. `cpuProfDir` runs them under `node --cpu-prof`. `stdio` defaults
 * to an open console, stdout ignored and warnings on this terminal.
 */
export function benchCluster({ root, size, cpuProfDir, stdio = ['pipe', 'ignore', 'inherit'] }) {
  return ProcessCluster.create({ size, root, secret: null, args: ['--log-level', 'warn'], nodeArgs: cpuProfArgs(cpuProfDir), stdio, spawn: spawnChild });
}

/**
 * A client connection to the tracker at `address` (from `localAddress`, any 127.x.y.z, if
 * given). ERR_BUSY (register and login while argon2 is saturated) is asked again up to 100
 * times; pushes go to `onPush` only, so a long run does not keep them.
 */
export function connectClient(address, { localAddress } = {}) {
  return WsClient.connect(`ws://${address}/ws`, { timeoutMs: 10_000, keepPushes: false, busyRetries: 100, ...(localAddress ? { localAddress } : {}) });
}

/**
 * `client.request(type, fields)`, but a connection that closed answers as a failed reply
 * (`{ ok: false, error: { code: 'CLOSED' } }`) instead of rejecting, so a rate loop counts it.
 */
export function requestSettled(client, type, fields) {
  return client.request(type, fields).catch((err) => ({ ok: false, error: { code: err.code ?? 'CLOSED', message: err.message } }));
}
