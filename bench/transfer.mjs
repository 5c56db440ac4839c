#!/usr/bin/env node
// Benchmark 2, "Transfer": one leecher downloads a random file from 3 seeders, all real groupshare
// client processes on 127.0.0.1 with one real tracker; beside it, in the same run, the same file
// and seeder count with stock BitTorrent clients (libtorrent, aria2c; bench/stock-clients.mjs).
//
//   node bench/transfer.mjs [size=1G] [--seeders 3] [--runs 1] [--clients libtorrent,aria2c | none]
//                           [--cpu-prof]   (profile the groupshare leecher; see below)
//
// groupshare, one run: a tracker; `seeders` clients that each `upload_file` the file (the same
// path: one inode, so the page cache holds it once, as the stock seeders' hard links do) in one
// group; one leecher in the group. Not timed: start-up, accounts, the group, the seeders hashing
// the file. Then sync(1), and the clock runs from writing `download_file` to the leecher's stdin
// until it prints `[C] … complete, SHA-1 verified: <path>` (the file is whole, checked and
// renamed). With the leecher still running, its /proc figures are read and this script hashes
// the downloaded file itself; a mismatch fails the run.
//
// Reported: MB/s (10^6 bytes/s), that as a share of the single-thread SHA-1 limit measured in the
// same run (bench/limits.mjs), the leecher's peak RSS (VmHWM), anonymous RSS and CPU time, the
// split into start-up ("first 8 MiB s") and rate after it, where its blocks came from, and the
// ratios groupshare/libtorrent and groupshare/aria2c. With --runs N the clients take turns
// (groupshare, libtorrent, aria2c, groupshare, …) so drift hits them alike, and the median run of
// each is shown. --cpu-prof runs the leecher with `node --cpu-prof`, lets it exit cleanly after
// the download and prints its self-time hot spots (such runs are slower and marked `profiled`).
// Writes bench/results/transfer.json (and transfer-leecher.cpuprofile with --cpu-prof).
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { formatSize, mbPerSec, parseArgv, parseSize } from './lib/args.mjs';
import { cpuProfArgs, cpuProfilesIn, monotonicMicros, summarizeCpuProfile } from './lib/cpu-profile.mjs';
import { syncDisks, watchDirGrowth } from './lib/disk.mjs';
import { completionPattern, formGroup, groupshareVersion, newUser, parseBlocksFrom, shareFile, startTracker } from './lib/groupshare.mjs';
import { warnIfBusy } from './lib/machine.mjs';
import { medianBy } from './lib/median.mjs';
import { mib, readProcStats, watchProcess } from './lib/proc-stats.mjs';
import { createRandomFile, hashFile } from './lib/random-file.mjs';
import { printTable, resultsDir, writeResults } from './lib/results.mjs';
import { FLOW_BYTES, flowFields, transferTimeoutMs } from './lib/stock-swarm.mjs';
import { makeTmpDir } from './lib/tmp.mjs';
import { choosePieceLength } from './lib/torrent.mjs';
import { limitRows, measureLimits } from './limits.mjs';
import { runAria2, runLibtorrent, stockRow } from './stock-clients.mjs';

const STOCK = { libtorrent: runLibtorrent, aria2c: runAria2 };
const GROUP = 'bench';

/**
 * One groupshare run: `seeders` seeding clients and one leecher for `file` (see the header).
 * `cpuProfDir`: run the leecher under --cpu-prof, writing there, and let it exit cleanly.
 * @returns the run's figures, shaped like runLibtorrent's so stockRow can print them.
 */
export async function runGroupshare({ file, size, sha1, seeders = 3, cpuProfDir }) {
  const work = makeTmpDir('groupshare-transfer-');
  const name = path.basename(file);
  let tracker;
  const clients = [];
  try {
    tracker = await startTracker(path.join(work.path, 'tracker'));
    const start = async (user, nodeArgs) => {
      const c = await newUser({ user, infoFile: tracker.infoFile, root: work.path, nodeArgs });
      clients.push(c);
      return c;
    };
    const seeds = await Promise.all(Array.from({ length: seeders }, (_, i) => start(`seed${i + 1}`)));
    const leecher = await start('leech', cpuProfArgs(cpuProfDir));
    await formGroup(seeds[0], GROUP, [...seeds.slice(1).map((c, i) => [c, `seed${i + 2}`]), [leecher, 'leech']]);
    const shareStart = performance.now();
    await Promise.all(seeds.map((s) => shareFile(s, file, GROUP)));
    const shareSeconds = (performance.now() - shareStart) / 1000;

    const dest = path.join(work.path, 'download');
    mkdirSync(dest);
    syncDisks();
    const watch = watchProcess(leecher.pid);
    const before = readProcStats(leecher.pid);
    const growth = watchDirGrowth(dest, FLOW_BYTES);
    const since = leecher.mark();
    const startedAt = leecher.write(`download_file ${GROUP} ${name} ${dest}`);
    const done = await leecher.waitFor(completionPattern(GROUP, name), { since, timeoutMs: transferTimeoutMs(size) });
    const seconds = (done.at - startedAt) / 1000;
    const stats = watch.stop();
    const flow = flowFields(startedAt, growth.stop(), done.at, size);
    const sources = await leecher.waitFor(/^ {2}blocks from /, { since, timeoutMs: 5_000 }).catch(() => undefined);
    const got = await hashFile(done.match[1]);

    let profile;
    if (cpuProfDir) {
      // --cpu-prof writes the profile only on a clean exit: end stdin, the shell leaves by itself.
      leecher.end();
      await Promise.race([leecher.child.exited, new Promise((r) => setTimeout(r, 15_000))]);
      profile = cpuProfilesIn(cpuProfDir)[0];
    }
    const shares = sources ? parseBlocksFrom(sources.text) : undefined;
    return {
      client: 'groupshare',
      version: groupshareVersion(),
      size,
      pieceLength: choosePieceLength(size),
      seeders,
      seconds: +seconds.toFixed(3),
      ...flow,
      peakRssBytes: stats.peakRssBytes,
      peakAnonBytes: stats.peakAnonBytes,
      cpuSeconds: stats.cpuSeconds,
      downloadCpuSeconds: +(stats.cpuSeconds - (before?.cpuSeconds ?? 0)).toFixed(2),
      statsExact: stats.exact,
      blocksFrom: shares && Object.fromEntries(Object.entries(shares).map(([addr, share]) => [clients.find((c) => c.peerAddress === addr)?.name ?? addr, share])),
      shareSeconds: +shareSeconds.toFixed(2),
      profiled: Boolean(cpuProfDir),
      profile,
      window: [startedAt, done.at],
      // The same window on CLOCK_MONOTONIC, in seconds: `perf record -k CLOCK_MONOTONIC -a` of a
      // run, then `perf report --time <start>,<end>`, shows where the timed part's CPU went.
      monotonicWindow: [monotonicMicros(startedAt) / 1e6, monotonicMicros(done.at) / 1e6],
      verified: got.sha1 === sha1,
    };
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await tracker?.stop();
    work.remove();
  }
}

/**
 * `{ ...median run, MBps, runs }` as runStockClients makes it. A client that is missing, or failed
 * every run, gives its `{ client, missing | error }`; runs that failed beside good ones are counted
 * in `failedRuns` and left out of the median.
 */
function summarize(client, results) {
  const good = results.filter((r) => !r.missing && !r.error);
  if (good.length === 0) return results.find((r) => r.missing) ?? results[0] ?? { client, error: 'no run' };
  const median = medianBy(good, 'seconds');
  return { ...median, MBps: mbPerSec(median.size, median.seconds), runs: good, failedRuns: results.length - good.length };
}

/** Runs a stock client once; never throws (a failure becomes `{ client, error }`). */
async function runStock(client, args) {
  try {
    const r = await STOCK[client](args);
    if (!r.missing && !r.verified) return { client, error: `${client}: the downloaded file's SHA-1 does not match` };
    return r;
  } catch (err) {
    return { client, error: err.message };
  }
}

const ratio = (a, b) => (a && b ? +(a / b).toFixed(2) : undefined);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals, flags } = parseArgv();
  const size = parseSize(positionals[0] ?? '1G');
  const seeders = Number(flags.seeders ?? 3);
  const runs = Number(flags.runs ?? 1);
  const stock = flags.clients === 'none' ? [] : String(flags.clients ?? 'libtorrent,aria2c').split(',');
  for (const c of stock) if (!STOCK[c]) throw new Error(`unknown client "${c}": use ${Object.keys(STOCK).join(', ')} or none`);
  if (!(seeders >= 1 && runs >= 1)) throw new Error('--seeders and --runs must be at least 1');

  const busyBefore = await warnIfBusy();
  const limits = await measureLimits({ runs: 3 });
  const pieceLength = choosePieceLength(size);
  const tmp = makeTmpDir('groupshare-transfer-file-');
  try {
    const file = path.join(tmp.path, 'random.bin');
    console.log(`creating ${formatSize(size)} of random data in ${file} ...`);
    const { sha1, pieces } = await createRandomFile(file, size, { pieceLength });

    const results = { groupshare: [], ...Object.fromEntries(stock.map((c) => [c, []])) };
    for (let i = 0; i < runs; i++) {
      const profDir = flags['cpu-prof'] ? path.join(tmp.path, `prof-${i}`) : undefined;
      const g = await runGroupshare({ file, size, sha1, seeders, cpuProfDir: profDir });
      if (!g.verified) throw new Error('groupshare: the downloaded file\'s SHA-1 does not match');
      results.groupshare.push(g);
      console.log(`run ${i + 1}/${runs}: groupshare ${mbPerSec(size, g.seconds)} MB/s`);
      if (g.profile) {
        mkdirSync(resultsDir, { recursive: true });
        copyFileSync(g.profile, path.join(resultsDir, 'transfer-leecher.cpuprofile'));
        g.hotSpots = summarizeCpuProfile(g.profile, { fromUs: monotonicMicros(g.window[0]), toUs: monotonicMicros(g.window[1]) });
        g.profile = 'bench/results/transfer-leecher.cpuprofile';
      }
      // A client found missing once is not tried again.
      for (const c of stock.filter((x) => !results[x].some((r) => r.missing))) {
        const r = await runStock(c, { file, size, seeders, pieceLength, pieces, sha1 });
        results[c].push(r);
        console.log(`run ${i + 1}/${runs}: ${c} ${r.missing ? 'NOT INSTALLED' : r.error ? `failed: ${r.error.split('\n')[0]}` : `${mbPerSec(size, r.seconds)} MB/s`}`);
      }
    }

    const summaries = Object.entries(results).map(([client, rs]) => summarize(client, rs));
    const gs = summaries[0];
    printTable(`Limits measured in this run (${formatSize(limits.size)} per measurement)`, limitRows(limits));
    printTable(
      `Transfer: ${formatSize(size)}, ${seeders} seeders + 1 leecher on 127.0.0.1, piece ${formatSize(pieceLength)}; median of ${runs} run(s); SHA-1 limit ${limits.sha1MBps} MB/s`,
      summaries.map((s) => stockRow(s, limits.sha1MBps)),
    );
    const ratios = summaries.slice(1).map((s) => ({
      comparison: `groupshare / ${s.client}`,
      ratio: s.missing ? `${s.client} not installed` : s.error ? `${s.client} failed` : ratio(gs.MBps, s.MBps),
      ...(s.client === 'libtorrent' ? { target: '>= 1.5' } : {}),
    }));
    if (ratios.length) printTable('Ratios of MB/s (median runs)', ratios);
    console.log(`\ngroupshare leecher: ${gs.downloadCpuSeconds} CPU s during the download (${gs.cpuSeconds} since it started), peak RSS ${mib(gs.peakRssBytes)} MiB (target < 200); blocks from ${JSON.stringify(gs.blocksFrom)}; seeders shared the file in ${gs.shareSeconds} s`);
    for (const s of summaries.filter((x) => x.missing)) console.log(`${s.client} is NOT INSTALLED, so there is no ratio against it; install: ${s.missing}`);
    for (const g of results.groupshare.filter((r) => r.hotSpots)) {
      printTable(`Leecher CPU profile during the download (self time; busy ${g.hotSpots.busyMs} of ${g.hotSpots.totalMs} ms; ${g.profile})`, g.hotSpots.rows);
    }
    const out = writeResults('transfer', {
      size,
      seeders,
      pieceLength,
      runs,
      busyBefore,
      limits,
      sha1LimitMBps: limits.sha1MBps,
      ratios: Object.fromEntries(ratios.map((r) => [r.comparison, r.ratio])),
      clients: summaries,
    });
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
    if (summaries.some((s) => s.error)) process.exitCode = 1;
  } finally {
    tmp.remove();
  }
}
