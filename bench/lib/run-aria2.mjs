// aria2c (Debian package aria2) seeding and leeching on 127.0.0.1.
//
// aria2c has no "add a torrent to a running process" short of its RPC server, so the leecher's
// clock starts when the process is spawned (aria2c starts in milliseconds: `startupSeconds` of
// libtorrent, whose Python start-up is excluded, is the figure to compare with). The end is
// aria2c's --on-bt-download-complete hook, which it runs once every piece is SHA-1-checked and
// before seeding starts; the leecher is still alive then, so its /proc figures are exact.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';

import { spawnChild, stopChild } from './children.mjs';
import { syncDisks, watchDirGrowth } from './disk.mjs';
import { freePort } from './tracker-testing.mjs';
import { watchProcess } from './proc-stats.mjs';
import { hashFile } from './random-file.mjs';
import { FLOW_BYTES, flowFields, prepareSwarm, tailOf, transferTimeoutMs } from './stock-swarm.mjs';

export const ARIA2_INSTALL = 'sudo apt-get install -y aria2   (Debian/Ubuntu)';

/**
 * Options for every aria2c here: loopback only, so no DHT, local peer discovery or peer exchange
 * (the tracker is the one source of peers, as for the other clients); no rate limits; quiet.
 * `--stop-with-process` makes aria2c exit if the benchmark dies.
 */
function commonArgs(dir, port) {
  return [
    `--dir=${dir}`,
    `--listen-port=${port}`,
    '--enable-dht=false',
    '--enable-dht6=false',
    '--bt-enable-lpd=false',
    '--enable-peer-exchange=false',
    '--max-overall-download-limit=0',
    '--max-overall-upload-limit=0',
    '--max-download-limit=0',
    '--max-upload-limit=0',
    '--seed-ratio=0.0', // seed until stopped (the leecher is stopped by us, after measuring)
    '--allow-overwrite=true',
    '--auto-file-renaming=false',
    '--summary-interval=0',
    '--console-log-level=warn',
    '--show-console-readout=false',
    `--stop-with-process=${process.pid}`,
  ];
}

/** Tuning for the leecher; see docs/benchmarks.md for what each changed. */
export const ARIA2_LEECH_TUNING = ['--file-allocation=none'];

let found;
/** aria2c's version, or undefined when it is not installed. */
export function findAria2() {
  if (found !== undefined) return found || undefined;
  const r = spawnSync('aria2c', ['--version'], { encoding: 'utf8' });
  found = r.status === 0 ? { version: /aria2 version (\S+)/.exec(r.stdout)?.[1] ?? 'unknown' } : false;
  return found || undefined;
}

/**
 * One run: `seeders` aria2c seeders and one aria2c leecher share `file` through a local tracker.
 * @returns `{ client, version, size, seeders, seconds, peakRssBytes, cpuSeconds, verified }`, or
 *   `{ client, missing }` when aria2c is not installed.
 */
export async function runAria2({ file, size, seeders = 3, pieceLength, pieces, sha1, leechArgs = ARIA2_LEECH_TUNING }) {
  const aria2 = findAria2();
  if (!aria2) return { client: 'aria2c', missing: ARIA2_INSTALL };
  const swarm = await prepareSwarm({ file, size, seeders, pieceLength, pieces, sha1 });
  try {
    for (const dir of swarm.seedDirs) {
      // --bt-seed-unverified: the file is known good, skip the initial hash check (libtorrent's seed_mode).
      const args = [...commonArgs(dir, await freePort()), '--bt-seed-unverified=true', swarm.torrent];
      const seeder = spawnChild('aria2c', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      seeder.stderrTail = tailOf(seeder.stderr);
      swarm.children.push(seeder);
    }
    await Promise.race([
      swarm.tracker.waitForPeers(swarm.infoHash, { seeders, timeoutMs: 30_000 }),
      ...swarm.children.map((c) => c.exited.then((r) => Promise.reject(new Error(`aria2c seeder exited (${r.error?.message ?? r.code}): ${c.stderrTail()}`)))),
    ]);
    syncDisks();

    // The hook writes a marker file; we learn of it through inotify, with a poll as a backstop.
    const marker = path.join(swarm.dir, 'leech.done');
    const hook = path.join(swarm.dir, 'on-complete.sh');
    writeFileSync(hook, `#!/bin/sh\n: > '${marker}'\n`);
    chmodSync(hook, 0o755);
    const args = [...commonArgs(swarm.leechDir, await freePort()), ...leechArgs, `--on-bt-download-complete=${hook}`, swarm.torrent];

    const start = performance.now();
    const leecher = spawnChild('aria2c', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    swarm.children.push(leecher);
    const watchStats = watchProcess(leecher.pid);
    const growth = watchDirGrowth(swarm.leechDir, FLOW_BYTES);
    const output = [tailOf(leecher.stdout), tailOf(leecher.stderr)];
    await new Promise((resolve, reject) => {
      const check = () => existsSync(marker) && done(resolve);
      const watcher = watch(swarm.dir, check);
      const poll = setInterval(check, 20);
      const timer = setTimeout(() => done(() => reject(new Error('aria2c leecher timed out'))), transferTimeoutMs(swarm.size));
      leecher.exited.then((r) => done(() => reject(new Error(`aria2c leecher exited (${r.error?.message ?? r.code ?? r.signal}): ${output.map((t) => t()).join('\n')}`))));
      const done = (then) => (watcher.close(), clearInterval(poll), clearTimeout(timer), then());
    });
    const end = performance.now();
    const seconds = (end - start) / 1000;
    const stats = watchStats.stop();
    const flow = flowFields(start, growth.stop(), end, swarm.size);
    const got = await hashFile(path.join(swarm.leechDir, swarm.name));
    await stopChild(leecher);
    return {
      client: 'aria2c',
      version: aria2.version,
      size: swarm.size,
      pieceLength: swarm.pieceLength,
      seeders,
      seconds: +seconds.toFixed(3),
      ...flow,
      peakRssBytes: stats.peakRssBytes,
      peakAnonBytes: stats.peakAnonBytes,
      cpuSeconds: stats.cpuSeconds,
      statsExact: stats.exact,
      verified: got.sha1 === swarm.sha1,
    };
  } finally {
    await swarm.close();
  }
}
