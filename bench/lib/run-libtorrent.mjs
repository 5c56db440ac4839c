// libtorrent (rasterbar, via Debian's python3-libtorrent) seeding and leeching on 127.0.0.1,
// driven by bench/libtorrent_peer.py.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { spawnChild, stopChild } from './children.mjs';
import { syncDisks, watchDirGrowth } from './disk.mjs';
import { watchProcess } from './proc-stats.mjs';
import { hashFile } from './random-file.mjs';
import { repoRoot } from './results.mjs';
import { FLOW_BYTES, flowFields, onJsonLines, prepareSwarm, tailOf, transferTimeoutMs } from './stock-swarm.mjs';

export const LIBTORRENT_INSTALL = 'sudo apt-get install -y python3-libtorrent   (Debian/Ubuntu; needs the system python3)';
const SCRIPT = path.join(repoRoot, 'bench/libtorrent_peer.py');

let found;
/**
 * The Python interpreter that can `import libtorrent`, and libtorrent's version, or undefined.
 * Debian's package installs into the system Python's dist-packages, which a pyenv or venv
 * `python3` first on PATH does not see, so /usr/bin/python3 is tried too (BENCH_PYTHON overrides).
 */
export function findLibtorrent() {
  if (found !== undefined) return found || undefined;
  for (const python of [process.env.BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean)) {
    const r = spawnSync(python, ['-c', 'import libtorrent; print(libtorrent.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return (found = { python, version: r.stdout.trim() });
  }
  found = false;
  return undefined;
}

/** Starts one libtorrent_peer.py and resolves with the child once it listens ("ready"). */
function startPeer(python, args, swarm) {
  const child = spawnChild(python, [SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  swarm.children.push(child);
  const stderr = tailOf(child.stderr);
  const events = [];
  const waiters = new Set();
  onJsonLines(child.stdout, (e) => {
    if (process.env.BENCH_VERBOSE) console.error(`libtorrent ${child.pid}:`, JSON.stringify(e));
    events.push(e);
    for (const w of waiters) w(e);
  }, (line) => events.push({ event: 'output', line }));
  /** Resolves with the first event named `name`; rejects if the process exits first or on time-out. */
  child.waitFor = (name, timeoutMs) =>
    new Promise((resolve, reject) => {
      const seen = events.find((e) => e.event === name);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => fail(new Error(`libtorrent peer: no "${name}" within ${timeoutMs} ms`)), timeoutMs);
      const onEvent = (e) => e.event === name && (cleanup(), resolve(e));
      const fail = (err) => (cleanup(), reject(new Error(`${err.message}\n${errorsOf(events)}${stderr()}`)));
      const cleanup = () => (clearTimeout(timer), waiters.delete(onEvent));
      waiters.add(onEvent);
      child.exited.then(({ code, signal, error }) => fail(new Error(`libtorrent peer exited (${error?.message ?? code ?? signal}) before "${name}"`)));
    });
  child.events = events;
  return child.waitFor('ready', 15_000).then(() => child);
}

const errorsOf = (events) =>
  events.filter((e) => e.event === 'error' || e.event === 'output').slice(-10).map((e) => `${e.kind ?? ''} ${e.message ?? e.line}\n`).join('');

/**
 * One run: `seeders` libtorrent seeders and one libtorrent leecher share `file` through a local
 * tracker. Time runs from adding the torrent in the (already running) leecher to libtorrent's
 * torrent_finished_alert (every piece SHA-1-checked by libtorrent); then, with the leecher still
 * running, the file on disk is SHA-1-checked here and the leecher's peak RSS and CPU time read.
 *
 * `profile` is libtorrent_peer.py's settings profile ('tuned' or 'minimal'); `settings` are extra
 * `name=value` overrides, both for comparing settings.
 *
 * @returns `{ client, version, size, seeders, seconds, startupSeconds, peakRssBytes, cpuSeconds, verified }`,
 *   or `{ client, missing }` when python3-libtorrent is not installed.
 */
export async function runLibtorrent({ file, size, seeders = 3, pieceLength, pieces, sha1, profile = 'tuned', settings = [] }) {
  const lt = findLibtorrent();
  if (!lt) return { client: 'libtorrent', missing: LIBTORRENT_INSTALL };
  const swarm = await prepareSwarm({ file, size, seeders, pieceLength, pieces, sha1 });
  const extra = ['--profile', profile, ...settings.flatMap((s) => ['--set', s])];
  try {
    await Promise.all(swarm.seedDirs.map((dir) => startPeer(lt.python, ['--mode', 'seed', '--torrent', swarm.torrent, '--dir', dir, ...extra], swarm)));
    await swarm.tracker.waitForPeers(swarm.infoHash, { seeders, timeoutMs: 30_000 });
    syncDisks();

    const spawnedAt = performance.now();
    const leecher = await startPeer(lt.python, ['--mode', 'leech', '--wait-go', '--torrent', swarm.torrent, '--dir', swarm.leechDir, ...extra], swarm);
    const startupSeconds = (performance.now() - spawnedAt) / 1000;
    const watch = watchProcess(leecher.pid);
    const growth = watchDirGrowth(swarm.leechDir, FLOW_BYTES);
    const start = performance.now();
    leecher.stdin.write('go\n');
    const finished = await leecher.waitFor('finished', transferTimeoutMs(swarm.size));
    const end = performance.now();
    const seconds = (end - start) / 1000;
    const stats = watch.stop();
    const flow = flowFields(start, growth.stop(), end, swarm.size);
    const got = await hashFile(path.join(swarm.leechDir, swarm.name));
    await stopChild(leecher);
    return {
      client: 'libtorrent',
      version: lt.version,
      profile,
      size: swarm.size,
      pieceLength: swarm.pieceLength,
      seeders,
      seconds: +seconds.toFixed(3),
      reportedSeconds: +finished.seconds.toFixed(3),
      startupSeconds: +startupSeconds.toFixed(3),
      ...flow,
      peakRssBytes: stats.peakRssBytes,
      peakAnonBytes: stats.peakAnonBytes,
      cpuSeconds: stats.cpuSeconds,
      statsExact: stats.exact,
      downloadedBytes: finished.downloaded,
      wastedBytes: finished.wasted,
      verified: got.sha1 === swarm.sha1,
    };
  } finally {
    await swarm.close();
  }
}
