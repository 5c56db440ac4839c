#!/usr/bin/env node
// Benchmark 3, "Swarm": one seeder and 8 leechers that start together, all real groupshare client
// processes on 127.0.0.1 with one real tracker.
//
//   node bench/swarm.mjs [size=256M] [--leechers 8] [--runs 1]
//
// One run: a tracker; a seeder that `upload_file`s a random file in a group; `leechers` clients in
// the group. Not timed: start-up, accounts, the group, the seeder hashing the file. Then sync(1),
// and `download_file` is written to every leecher's stdin in the same tick; the clock runs until
// the last leecher prints `[C] … complete, SHA-1 verified`. Each downloaded file is SHA-1-checked
// by this script afterwards; a mismatch fails the run.
//
// What the seeder uploaded, two ways:
// - `wchar` of /proc/<seeder>/io, before the downloads and when the last one completes: every byte
//   the process passed to write()/writev(), which includes its socket writes (libuv writes TCP
//   with writev). An upper bound on the payload: it also counts wire framing, tracker messages and
//   any log or terminal line the seeder wrote.
// - the leechers' own accounts: each completion is followed by `blocks from N peers: <addr> P%, …`,
//   so Σ (the seeder's share of each leecher's blocks) × size is the payload the seeder sent to
//   them (blocks that were received; each share is rounded to 1%, so ±0.5% × leechers).
// Both are divided by the file size: 1.0 is ideal (every piece left the seeder once and the
// leechers traded the rest); the target is at most 1.5.
// Writes bench/results/swarm.json.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { formatSize, mbPerSec, parseArgv, parseSize } from './lib/args.mjs';
import { syncDisks } from './lib/disk.mjs';
import { completionPattern, formGroup, groupshareVersion, newUser, parseBlocksFrom, shareFile, startTracker } from './lib/groupshare.mjs';
import { warnIfBusy } from './lib/machine.mjs';
import { medianBy } from './lib/median.mjs';
import { mib, readProcStats, watchProcess } from './lib/proc-stats.mjs';
import { createRandomFile, hashFile } from './lib/random-file.mjs';
import { printTable, writeResults } from './lib/results.mjs';
import { transferTimeoutMs } from './lib/stock-swarm.mjs';
import { makeTmpDir } from './lib/tmp.mjs';
import { choosePieceLength } from './lib/torrent.mjs';
import { measureLimits } from './limits.mjs';

const GROUP = 'swarm';

/** Bytes `pid` has passed to write(2) and friends (sockets included), from /proc/<pid>/io. */
export function writtenBytes(pid) {
  return Number(/^wchar:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1]);
}

/** One run (see the header). @returns the run's figures. */
export async function runSwarm({ file, size, sha1, leechers = 8 }) {
  const work = makeTmpDir('groupshare-swarm-');
  const name = path.basename(file);
  let tracker;
  const clients = [];
  try {
    tracker = await startTracker(path.join(work.path, 'tracker'));
    const start = async (user) => {
      const c = await newUser({ user, infoFile: tracker.infoFile, root: work.path });
      clients.push(c);
      return c;
    };
    const [seeder, ...peers] = await Promise.all(['seed', ...Array.from({ length: leechers }, (_, i) => `leech${i + 1}`)].map(start));
    await formGroup(seeder, GROUP, peers.map((c) => [c, c.name]));
    await shareFile(seeder, file, GROUP);

    const dests = peers.map((c) => path.join(work.path, `download-${c.name}`));
    for (const d of dests) mkdirSync(d);
    syncDisks();
    const seederWatch = watchProcess(seeder.pid);
    const seederCpuBefore = readProcStats(seeder.pid)?.cpuSeconds ?? 0;
    const leecherWatches = peers.map((c) => watchProcess(c.pid));
    const marks = peers.map((c) => c.mark());
    const wcharBefore = writtenBytes(seeder.pid);
    const startedAt = performance.now();
    peers.forEach((c, i) => c.write(`download_file ${GROUP} ${name} ${dests[i]}`));

    const timeoutMs = transferTimeoutMs(size * leechers);
    const dones = await Promise.all(
      peers.map(async (c, i) => {
        const done = await c.waitFor(completionPattern(GROUP, name), { since: marks[i], timeoutMs });
        // Read the leecher's figures now: it keeps seeding (and using CPU) for the others.
        const stats = leecherWatches[i].stop();
        return { done, stats };
      }),
    );
    const lastAt = Math.max(...dones.map((d) => d.done.at));
    const wcharAfter = writtenBytes(seeder.pid);
    const seederStats = seederWatch.stop();

    const leecherRuns = [];
    for (const [i, c] of peers.entries()) {
      const { done, stats } = dones[i];
      const sources = await c.waitFor(/^ {2}blocks from /, { since: marks[i], timeoutMs: 5_000 }).catch(() => undefined);
      const shares = sources ? parseBlocksFrom(sources.text) : {};
      const got = await hashFile(done.match[1]);
      leecherRuns.push({
        name: c.name,
        seconds: +((done.at - startedAt) / 1000).toFixed(3),
        fromSeeder: shares[seeder.peerAddress] ?? 0,
        sources: Object.keys(shares).length,
        peakRssBytes: stats.peakRssBytes,
        cpuSeconds: stats.cpuSeconds,
        verified: got.sha1 === sha1,
      });
    }
    const seconds = (lastAt - startedAt) / 1000;
    const payloadFromSeeder = leecherRuns.reduce((sum, l) => sum + l.fromSeeder, 0) * size;
    return {
      client: 'groupshare',
      version: groupshareVersion(),
      size,
      pieceLength: choosePieceLength(size),
      leechers,
      seconds: +seconds.toFixed(3),
      firstSeconds: Math.min(...leecherRuns.map((l) => l.seconds)),
      aggregateMBps: mbPerSec(size * leechers, seconds),
      seederWrittenBytes: wcharAfter - wcharBefore,
      seederUploadRatio: +((wcharAfter - wcharBefore) / size).toFixed(3),
      seederPayloadRatio: +(payloadFromSeeder / size).toFixed(3),
      seederCpuSeconds: +(seederStats.cpuSeconds - seederCpuBefore).toFixed(2),
      seederPeakRssBytes: seederStats.peakRssBytes,
      leecherPeakRssBytes: Math.max(...leecherRuns.map((l) => l.peakRssBytes)),
      leechersRuns: leecherRuns,
      verified: leecherRuns.every((l) => l.verified),
    };
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await tracker?.stop();
    work.remove();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals, flags } = parseArgv();
  const size = parseSize(positionals[0] ?? '256M');
  const leechers = Number(flags.leechers ?? 8);
  const runs = Number(flags.runs ?? 1);
  if (!(leechers >= 1 && runs >= 1)) throw new Error('--leechers and --runs must be at least 1');

  const busyBefore = await warnIfBusy();
  const limits = await measureLimits({ runs: 3 });
  const tmp = makeTmpDir('groupshare-swarm-file-');
  try {
    const file = path.join(tmp.path, 'random.bin');
    console.log(`creating ${formatSize(size)} of random data in ${file} ...`);
    const { sha1 } = await createRandomFile(file, size);
    const results = [];
    for (let i = 0; i < runs; i++) {
      const r = await runSwarm({ file, size, sha1, leechers });
      if (!r.verified) throw new Error(`a leecher's file does not match the SHA-1: ${JSON.stringify(r.leechersRuns.filter((l) => !l.verified).map((l) => l.name))}`);
      results.push(r);
      console.log(`run ${i + 1}/${runs}: last leecher done in ${r.seconds} s; seeder uploaded ${r.seederUploadRatio}× the file (wchar), ${r.seederPayloadRatio}× by the leechers' accounts`);
    }
    const m = medianBy(results, 'seconds');
    printTable(
      `Swarm: ${formatSize(size)}, 1 seeder + ${leechers} leechers starting together on 127.0.0.1, piece ${formatSize(m.pieceLength)}; median of ${runs} run(s); SHA-1 limit ${limits.sha1MBps} MB/s`,
      [
        {
          client: `groupshare ${m.version}`,
          'last done s': m.seconds,
          'first done s': m.firstSeconds,
          'MB/s per leecher': mbPerSec(size, m.seconds),
          'MB/s all leechers': m.aggregateMBps,
          'seeder up / size (wchar)': m.seederUploadRatio,
          'seeder payload / size': m.seederPayloadRatio,
          target: '<= 1.5',
          'seeder CPU s': m.seederCpuSeconds,
          'max leecher RSS MiB': mib(m.leecherPeakRssBytes),
          runs: results.map((r) => r.seconds).join(' '),
        },
      ],
    );
    printTable(
      'Leechers of the median run',
      m.leechersRuns.map((l) => ({ leecher: l.name, 'done s': l.seconds, 'from seeder': `${Math.round(100 * l.fromSeeder)}%`, 'peers used': l.sources, 'peak RSS MiB': mib(l.peakRssBytes), 'CPU s': l.cpuSeconds })),
    );
    const out = writeResults('swarm', { size, leechers, runs, busyBefore, limits, sha1LimitMBps: limits.sha1MBps, median: m, runsDetail: results });
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
  } finally {
    tmp.remove();
  }
}
