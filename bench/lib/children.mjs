// Child processes that never outlive the benchmark.
//
// Benchmarks start trackers, seeders and leechers; a crash or Ctrl-C must not leave them running
// (they hold ports, CPU and gigabytes of page cache that would skew the next run). Three layers:
// every child is tracked and killed on normal exit, on SIGINT/SIGTERM and on an uncaught error;
// and where util-linux `setpriv` exists, the child is started with a parent-death signal, so the
// kernel kills it even if this process is SIGKILLed. setpriv execs the program in place, so the
// pid we get is the program's own (what /proc measurements need).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const live = new Set();
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/**
 * `child_process.spawn` plus tracking and a parent-death SIGKILL. Same arguments as spawn.
 * The returned child has `exited`, a promise of `{ code, signal }` that never rejects (a spawn
 * failure such as ENOENT resolves with `{ code: null, signal: null, error }`).
 */
export function spawnChild(command, args = [], options = {}) {
  const child = SETPRIV
    ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args], options)
    : spawn(command, args, options);
  live.add(child);
  child.exited = new Promise((resolve) => {
    child.once('error', (error) => (live.delete(child), resolve({ code: null, signal: null, error })));
    child.once('exit', (code, signal) => (live.delete(child), resolve({ code, signal })));
  });
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs` if the child has not exited. Resolves once it has. */
export async function stopChild(child, { graceMs = 2000 } = {}) {
  if (!live.has(child)) return child.exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const result = await child.exited;
  clearTimeout(timer);
  return result;
}

/** Stops every child started by {@link spawnChild} that is still running. */
export function stopAllChildren(opts) {
  return Promise.all([...live].map((c) => stopChild(c, opts)));
}

function killAllNow() {
  for (const child of live) child.kill('SIGKILL');
}

process.once('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAllNow();
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[signal]));
  });
}
