#!/usr/bin/env node
// Benchmark 2's comparison half: stock BitTorrent clients moving the same file on 127.0.0.1.
//
//   node bench/stock-clients.mjs [size=1G] [--seeders 3] [--runs 1] [--clients libtorrent,aria2c]
//                                [--piece-length 512K]   (default: groupshare's choice for the size)
//
// For each client: `seeders` seeding processes and one leecher of that client, a local HTTP
// tracker (bench/lib/bt-tracker.mjs) and a .torrent with groupshare's piece length for the size.
// Reported: time until the leecher has every piece (each SHA-1-checked by the client), MB/s
// (10^6 bytes/s), that as a share of this machine's single-thread SHA-1 speed measured in the same
// run, the leecher's peak RSS (all of it, and the anonymous part) and CPU time (user+system, all
// threads). The file on disk is SHA-1-checked afterwards by this script. With --runs N the run
// with the median time is shown; every run is in bench/results/stock-clients.json.
//
// A client that is not installed is reported with the command that installs it, not an error.
// bench/transfer.mjs runs the same functions beside groupshare: import from here.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { formatSize, mbPerSec, parseArgv, parseSize } from './lib/args.mjs';
import { warnIfBusy } from './lib/machine.mjs';
import { mib } from './lib/proc-stats.mjs';
import { createRandomFile } from './lib/random-file.mjs';
import { printTable, writeResults } from './lib/results.mjs';
import { runAria2 } from './lib/run-aria2.mjs';
import { runLibtorrent } from './lib/run-libtorrent.mjs';
import { makeTmpDir } from './lib/tmp.mjs';
import { choosePieceLength } from './lib/torrent.mjs';
import { measureSha1 } from './limits.mjs';

export { ARIA2_INSTALL, findAria2, runAria2 } from './lib/run-aria2.mjs';
export { findLibtorrent, LIBTORRENT_INSTALL, runLibtorrent } from './lib/run-libtorrent.mjs';

const RUNNERS = { libtorrent: runLibtorrent, aria2c: runAria2 };

/**
 * Runs the chosen clients `runs` times each on `file` (same arguments as runLibtorrent/runAria2)
 * and returns one summary per client: the median run's figures plus `runs: [...]`, or
 * `{ client, missing }`. A failing client yields `{ client, error }` and does not stop the others.
 */
export async function runStockClients({ clients = Object.keys(RUNNERS), runs = 1, ...args }) {
  const summaries = [];
  for (const client of clients) {
    const results = [];
    let missing;
    try {
      for (let i = 0; i < runs && !missing; i++) {
        const r = await RUNNERS[client](args);
        if (r.missing) missing = r;
        else if (!r.verified) throw new Error(`${client}: the downloaded file's SHA-1 does not match`);
        else results.push(r);
      }
    } catch (err) {
      summaries.push({ client, error: err.message });
      continue;
    }
    if (missing) {
      summaries.push(missing);
      continue;
    }
    const median = [...results].sort((a, b) => a.seconds - b.seconds)[Math.floor((results.length - 1) / 2)];
    summaries.push({ ...median, MBps: mbPerSec(median.size, median.seconds), runs: results });
  }
  return summaries;
}

/** One table row for a client summary; `sha1MBps` (the SHA-1 limit) adds a ratio column. */
export function stockRow(s, sha1MBps) {
  if (s.missing) return { client: s.client, 'MB/s': 'not installed', note: `install: ${s.missing}` };
  if (s.error) return { client: s.client, 'MB/s': 'failed', note: s.error.split('\n')[0] };
  return {
    client: `${s.client} ${s.version}`,
    'MB/s': s.MBps,
    ...(sha1MBps ? { 'of SHA-1': `${((100 * s.MBps) / sha1MBps).toFixed(1)}%` } : {}),
    seconds: s.seconds,
    'first 8 MiB s': s.firstDataSeconds,
    'MB/s after': s.flowMBps,
    'peak RSS MiB': mib(s.peakRssBytes),
    'anon RSS MiB': mib(s.peakAnonBytes),
    'CPU s': s.cpuSeconds,
    runs: s.runs.map((r) => mbPerSec(r.size, r.seconds)).join(' '),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals, flags } = parseArgv();
  const size = parseSize(positionals[0] ?? '1G');
  const seeders = Number(flags.seeders ?? 3);
  const runs = Number(flags.runs ?? 1);
  const clients = String(flags.clients ?? 'libtorrent,aria2c').split(',');
  for (const c of clients) if (!RUNNERS[c]) throw new Error(`unknown client "${c}": use ${Object.keys(RUNNERS).join(', ')}`);

  const busyBefore = await warnIfBusy();
  const sha1MBps = measureSha1(512 * 2 ** 20);
  const tmp = makeTmpDir();
  try {
    const pieceLength = flags['piece-length'] ? parseSize(flags['piece-length']) : choosePieceLength(size);
    const file = path.join(tmp.path, 'random.bin');
    console.log(`creating ${formatSize(size)} of random data in ${file} ...`);
    const { sha1, pieces } = await createRandomFile(file, size, { pieceLength });
    const summaries = await runStockClients({ clients, runs, file, size, seeders, pieceLength, pieces, sha1 });
    printTable(
      `Stock BitTorrent clients: ${formatSize(size)}, ${seeders} seeders + 1 leecher on 127.0.0.1, piece ${formatSize(pieceLength)}; SHA-1 limit ${sha1MBps} MB/s`,
      summaries.map((s) => stockRow(s, sha1MBps)),
    );
    for (const s of summaries.filter((x) => x.missing)) console.log(`\n${s.client} is not installed; to compare against it: ${s.missing}`);
    const out = writeResults('stock-clients', { size, seeders, pieceLength, sha1LimitMBps: sha1MBps, busyBefore, clients: summaries });
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
    if (summaries.some((s) => s.error)) process.exitCode = 1;
  } finally {
    tmp.remove();
  }
}
