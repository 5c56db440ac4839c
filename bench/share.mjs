#!/usr/bin/env node
// Benchmark 4, "Share": `upload_file` of a random file in a real client process, hashing
// throughput as a share of this machine's single-thread SHA-1 speed measured in the same run.
//
//   node bench/share.mjs [size=1G] [--runs 1] [--cpu-prof]
//
// One run: a tracker and a fresh client (its own data directory, so nothing is remembered from an
// earlier run: the share library would otherwise skip hashing a file it already knows), logged in
// and owning a group. The clock runs from writing `upload_file <file> <group>` to its stdin until
// it prints `sharing <name> in <group>: …`. That covers everything the command does: opening the
// file, reading it, the whole-file and per-piece SHA-1s (in the client's own process, as it does
// them), and registering the file with the tracker (one round trip on loopback, milliseconds).
// The file was just written, so it is read from the page cache, as the SHA-1 limit reads memory:
// the ratio compares hashing with hashing, not with the disk.
//
// Also reported: the client's CPU time during the command (user + system, all threads): CPU s ≈
// wall s means one busy thread; below, it waited (on reads); above, it hashed on several threads.
// --cpu-prof runs the client under `node --cpu-prof` and prints its self-time hot spots.
// Writes bench/results/share.json.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { formatSize, mbPerSec, parseArgv, parseSize } from './lib/args.mjs';
import { cpuProfArgs, cpuProfilesIn, monotonicMicros, summarizeCpuProfile } from './lib/cpu-profile.mjs';
import { syncDisks } from './lib/disk.mjs';
import { groupshareVersion, newUser, shareFile, startTracker } from './lib/groupshare.mjs';
import { warnIfBusy } from './lib/machine.mjs';
import { medianBy } from './lib/median.mjs';
import { mib, readProcStats, watchProcess } from './lib/proc-stats.mjs';
import { createRandomFile } from './lib/random-file.mjs';
import { printTable, writeResults } from './lib/results.mjs';
import { makeTmpDir } from './lib/tmp.mjs';
import { choosePieceLength } from './lib/torrent.mjs';
import { measureLimits } from './limits.mjs';

const GROUP = 'share';

/** One run (see the header). `cpuProfDir`: profile the client there. @returns the run's figures. */
export async function runShare({ file, size, cpuProfDir }) {
  const work = makeTmpDir('groupshare-share-');
  let tracker;
  let client;
  try {
    tracker = await startTracker(path.join(work.path, 'tracker'));
    client = await newUser({ user: 'sharer', infoFile: tracker.infoFile, root: work.path, nodeArgs: cpuProfArgs(cpuProfDir) });
    await client.run(`create_group ${GROUP}`, new RegExp(`^created group ${GROUP}\\b`));
    syncDisks();
    const watch = watchProcess(client.pid);
    const before = readProcStats(client.pid);
    const shared = await shareFile(client, file, GROUP, { timeoutMs: 60_000 + size / 20e6 * 1000 });
    const stats = watch.stop();
    const seconds = (shared.at - shared.sentAt) / 1000;
    let hotSpots;
    if (cpuProfDir) {
      client.end(); // --cpu-prof writes the profile on a clean exit only
      await Promise.race([client.child.exited, new Promise((r) => setTimeout(r, 15_000))]);
      const profile = cpuProfilesIn(cpuProfDir)[0];
      hotSpots = profile && summarizeCpuProfile(profile, { fromUs: monotonicMicros(shared.sentAt), toUs: monotonicMicros(shared.at) });
    }
    return {
      client: 'groupshare',
      version: groupshareVersion(),
      size,
      pieceLength: choosePieceLength(size),
      seconds: +seconds.toFixed(3),
      MBps: mbPerSec(size, seconds),
      cpuSeconds: +(stats.cpuSeconds - (before?.cpuSeconds ?? 0)).toFixed(2),
      peakRssBytes: stats.peakRssBytes,
      answer: shared.text,
      // For `perf report --time` (see transfer.mjs).
      monotonicWindow: [monotonicMicros(shared.sentAt) / 1e6, monotonicMicros(shared.at) / 1e6],
      profiled: Boolean(cpuProfDir),
      hotSpots,
    };
  } finally {
    await client?.stop();
    await tracker?.stop();
    work.remove();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals, flags } = parseArgv();
  const size = parseSize(positionals[0] ?? '1G');
  const runs = Number(flags.runs ?? 1);
  if (!(runs >= 1)) throw new Error('--runs must be at least 1');

  const busyBefore = await warnIfBusy();
  const limits = await measureLimits({ runs: 3 });
  const tmp = makeTmpDir('groupshare-share-file-');
  try {
    const file = path.join(tmp.path, 'random.bin');
    console.log(`creating ${formatSize(size)} of random data in ${file} ...`);
    await createRandomFile(file, size);
    const results = [];
    for (let i = 0; i < runs; i++) {
      const r = await runShare({ file, size, cpuProfDir: flags['cpu-prof'] ? path.join(tmp.path, `prof-${i}`) : undefined });
      results.push(r);
      console.log(`run ${i + 1}/${runs}: ${r.MBps} MB/s (${r.answer})`);
    }
    const m = medianBy(results, 'seconds');
    const ofSha1 = m.MBps / limits.sha1MBps;
    printTable(`Share: upload_file of ${formatSize(size)} (piece ${formatSize(m.pieceLength)}, file in the page cache); median of ${runs} run(s)`, [
      {
        client: `groupshare ${m.version}`,
        seconds: m.seconds,
        'MB/s': m.MBps,
        'SHA-1 limit MB/s': limits.sha1MBps,
        'of SHA-1': `${(100 * ofSha1).toFixed(1)}%`,
        target: '>= 85%',
        'CPU s': m.cpuSeconds,
        'peak RSS MiB': mib(m.peakRssBytes),
        runs: results.map((r) => r.MBps).join(' '),
      },
    ]);
    for (const r of results.filter((x) => x.hotSpots)) {
      printTable(`Client CPU profile during upload_file (self time; busy ${r.hotSpots.busyMs} of ${r.hotSpots.totalMs} ms)`, r.hotSpots.rows);
    }
    const out = writeResults('share', { size, runs, busyBefore, limits, sha1LimitMBps: limits.sha1MBps, ofSha1Limit: +ofSha1.toFixed(3), median: m, runsDetail: results });
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
  } finally {
    tmp.remove();
  }
}
