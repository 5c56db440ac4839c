#!/usr/bin/env node
// Benchmark "Sync": folder sync (docs/sync.md) against the targets, with real tracker
// and client processes on this machine.
//
//   node bench/sync.mjs [--files 10000] [--bytes 1G] [--rescan-files 100000] [--saves 50] [--only first-hash,rescan,latency,rename] [--cpu-prof]
//
// - first-hash: a folder of `--files` random files totalling `--bytes`, bound with sync_folder;
//   the clock runs from the command until list_synced says every file is shared and the folder
//   is up to date. Target: 10,000 files, 1 GiB, <= 5 s. With --cpu-prof, the client's and the
//   tracker's CPU profiles over that window (self time per function).
// - rescan: one pass of the folder scanner (the stat walk every round starts with) over an
//   unchanged folder of `--rescan-files` small files, in a process of its own, from the built
//   engine, knowing the paths of a scan before (as a round knows its held paths); with the RSS
//   that process reached (the scan's worker thread included). Target: 100,000 files <= 2 s and
//   <= 150 MiB.
// - latency: three members sync one folder; a file of <= 1 MiB is saved at one of them
//   `--saves` times, and the time until the other two hold exactly its bytes is measured (the
//   file appears only once verified, so appearing is being verified). Target: p50 <= 0.5 s,
//   p99 <= 2 s.
// - rename: a 1 GiB file renamed, then 1,000 files moved into a subfolder, at one member; the
//   other member's lines say whether each arrived by a local copy or a download. Target: under
//   1 % of their bytes transferred.
// Writes bench/results/sync.json.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { formatSize, parseArgv, parseSize } from './lib/args.mjs';
import { formGroup, newUser } from './lib/groupshare.mjs';
import { warnIfBusy } from './lib/machine.mjs';
import { median } from './lib/median.mjs';
import { cpuProfArgs, cpuProfilesIn, monotonicMicros, summarizeCpuProfile } from './lib/cpu-profile.mjs';
import { mib, readProcStats } from './lib/proc-stats.mjs';
import { createRandomFile } from './lib/random-file.mjs';
import { printTable, repoRoot, writeResults } from './lib/results.mjs';
import { makeTmpDir } from './lib/tmp.mjs';
import { startTracker } from './lib/groupshare.mjs';

const GROUP = 'sync';
const execFileP = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** Writes `count` random files totalling about `bytes` under `dir`, 100 per subfolder. */
function writeFolder(dir, count, bytes) {
  const each = Math.max(1, Math.floor(bytes / count));
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `f${i}.bin`), randomBytes(each));
  }
}

/** Polls list_synced until the folder holds `files` files and is up to date. */
async function untilUpToDate(client, files, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { text } = await client.run('list_synced', /^sync\s/);
    if (new RegExp(`\\b${files} files, up to date`).test(text)) return;
    if (Date.now() > deadline) throw new Error(`not up to date in ${timeoutMs} ms: ${text}`);
    await sleep(50);
  }
}

/** A tracker and `users` shells in one group, each syncing `<work>/sync-<user>`. */
async function stage(work, users, nodeArgs = [], trackerProfDir = undefined) {
  const tracker = await startTracker(path.join(work, 'tracker'), { cpuProfDir: trackerProfDir });
  const clients = [];
  for (const user of users) clients.push(await newUser({ user, infoFile: tracker.infoFile, root: work, nodeArgs }));
  await formGroup(clients[0], GROUP, clients.slice(1).map((c, i) => [c, users[i + 1]]));
  const dirs = users.map((u) => path.join(work, `sync-${u}`));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  return { tracker, clients, dirs, async stop() { for (const c of clients) await c.stop(); await tracker.stop(); } };
}

async function firstHash(files, bytes, profile) {
  const work = makeTmpDir('groupshare-sync-');
  const profDir = profile ? path.join(work.path, 'prof') : undefined;
  let s;
  try {
    s = await stage(work.path, ['ann'], cpuProfArgs(profDir), profDir && path.join(profDir, 'tracker'));
    writeFolder(s.dirs[0], files, bytes);
    const [ann] = s.clients;
    const t0 = performance.now();
    await ann.run(`sync_folder ${GROUP} ${s.dirs[0]}`, /^syncing /);
    await untilUpToDate(ann, files, 600_000);
    const t1 = performance.now();
    const seconds = (t1 - t0) / 1000;
    const out = { files, bytes, seconds: +seconds.toFixed(2), rssMiBAfter: mib(readProcStats(ann.pid)?.rssBytes ?? 0) };
    if (profDir) {
      ann.end(); // --cpu-prof writes the profile on a clean exit only
      await Promise.race([ann.child.exited, sleep(15_000)]);
      const window = { fromUs: monotonicMicros(t0), toUs: monotonicMicros(t1) };
      const file = cpuProfilesIn(profDir)[0];
      out.hotSpots = file && summarizeCpuProfile(file, { top: 25, ...window });
      await s.tracker.stop(); // writes the tracker's profile
      const trackerFile = cpuProfilesIn(path.join(profDir, 'tracker'))[0];
      out.trackerHotSpots = trackerFile && summarizeCpuProfile(trackerFile, { top: 15, ...window });
    }
    return out;
  } finally {
    await s?.stop();
    work.remove();
  }
}

/**
 * The rescan, measured in a process of its own (this script with `--rescan-child <dir>`), so its
 * RSS is the scanner's and not what the other parts left in this one.
 */
async function rescan(files) {
  const work = makeTmpDir('groupshare-sync-scan-');
  try {
    writeFolder(work.path, files, files * 64);
    const { stdout } = await execFileP(process.execPath, [fileURLToPath(import.meta.url), '--rescan-child', work.path], { maxBuffer: 1 << 20 });
    return JSON.parse(stdout);
  } finally {
    work.remove();
  }
}

async function rescanChild(dir) {
  const { scanFolder } = await import(pathToFileURL(path.join(repoRoot, 'packages/engine/dist/sync/scan.js')).href);
  // The first scan warms the dentry cache, as a running client's would be; what it found is
  // what a round knows from the last one (the held paths, whose names need no check again).
  const known = (await scanFolder(dir)).files;
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const scan = await scanFolder(dir, known);
  const seconds = (performance.now() - t0) / 1000;
  const rss = process.memoryUsage().rss;
  return { files: scan.files.size, seconds: +seconds.toFixed(3), rssMiB: mib(rss), rssGrowthMiB: mib(rss - before) };
}

async function latency(saves) {
  const work = makeTmpDir('groupshare-sync-lat-');
  let s;
  try {
    s = await stage(work.path, ['ann', 'bob', 'cy']);
    for (let i = 0; i < 3; i++) await s.clients[i].run(`sync_folder ${GROUP} ${s.dirs[i]}`, /^syncing /);
    const times = [];
    for (let i = 0; i < saves; i++) {
      const data = randomBytes(1 + Math.floor(Math.random() * 2 ** 20));
      const name = `saved-${i}.bin`;
      const t0 = performance.now();
      writeFileSync(path.join(s.dirs[0], name), data);
      const others = s.dirs.slice(1).map((d) => path.join(d, name));
      while (others.some((f) => { try { return !readFileSync(f).equals(data); } catch { return true; } })) {
        if (performance.now() - t0 > 30_000) throw new Error(`${name} did not reach every member in 30 s`);
        await sleep(5);
      }
      times.push((performance.now() - t0) / 1000);
    }
    return { saves, p50: +quantile(times, 0.5).toFixed(3), p99: +quantile(times, 0.99).toFixed(3), max: +Math.max(...times).toFixed(3), median: +median(times).toFixed(3) };
  } finally {
    await s?.stop();
    work.remove();
  }
}

async function renames() {
  const work = makeTmpDir('groupshare-sync-ren-');
  let s;
  try {
    s = await stage(work.path, ['ann', 'bob']);
    const [a, b] = s.dirs;
    await createRandomFile(path.join(a, 'big.bin'), 2 ** 30);
    writeFolder(path.join(a, 'many'), 1000, 1000 * 64 * 1024);
    for (let i = 0; i < 2; i++) await s.clients[i].run(`sync_folder ${GROUP} ${s.dirs[i]}`, /^syncing /);
    await untilUpToDate(s.clients[1], 1001, 600_000);
    const since = s.clients[1].mark();
    renameSync(path.join(a, 'big.bin'), path.join(a, 'renamed.bin'));
    renameSync(path.join(a, 'many'), path.join(a, 'moved'));
    await untilUpToDate(s.clients[1], 2002, 600_000); // deletions are not propagated: both names stay
    const lines = s.clients[1].lines.slice(since).map((l) => l.text).filter((t) => /^\[sync\] \[sync\] (renamed\.bin|moved\/)/.test(t));
    let copied = 0;
    let fetched = 0;
    for (const t of lines) {
      const rel = /^\[sync\] \[sync\] (.+?): /.exec(t)[1];
      const size = statSync(path.join(b, rel)).size;
      if (t.includes('copied from this folder')) copied += size;
      else fetched += size;
    }
    return { bytesCopiedLocally: copied, bytesDownloaded: fetched, transferredShare: +(fetched / (copied + fetched || 1)).toFixed(4) };
  } finally {
    await s?.stop();
    work.remove();
  }
}

const { flags } = parseArgv();
if (flags['rescan-child']) {
  console.log(JSON.stringify(await rescanChild(String(flags['rescan-child']))));
  process.exit(0);
}
const only = new Set(String(flags.only ?? 'first-hash,rescan,latency,rename').split(','));
const files = Number(flags.files ?? 10_000);
const bytes = parseSize(String(flags.bytes ?? '1G'));
const busyBefore = await warnIfBusy();
const results = {};
if (only.has('first-hash')) results.firstHash = await firstHash(files, bytes, Boolean(flags['cpu-prof']));
if (only.has('rescan')) results.rescan = await rescan(Number(flags['rescan-files'] ?? 100_000));
if (only.has('latency')) results.latency = await latency(Number(flags.saves ?? 50));
if (only.has('rename')) results.rename = await renames();
printTable('Sync', [
  results.firstHash && { what: `first hash, ${results.firstHash.files} files, ${formatSize(results.firstHash.bytes)}`, measured: `${results.firstHash.seconds} s`, target: '<= 5 s' },
  results.rescan && { what: `rescan, ${results.rescan.files} unchanged files`, measured: `${results.rescan.seconds} s, ${results.rescan.rssMiB} MiB RSS`, target: '<= 2 s, <= 150 MiB' },
  results.latency && { what: `saved file (<= 1 MiB) on every member, ${results.latency.saves} saves`, measured: `p50 ${results.latency.p50} s, p99 ${results.latency.p99} s`, target: 'p50 <= 0.5 s, p99 <= 2 s' },
  results.rename && { what: 'rename 1 GiB, move 1,000 files', measured: `${(100 * results.rename.transferredShare).toFixed(2)} % of bytes downloaded`, target: '< 1 %' },
].filter(Boolean));
if (results.firstHash?.hotSpots) {
  const h = results.firstHash.hotSpots;
  printTable(`Client CPU profile during the first hash (self time; busy ${h.busyMs} of ${h.totalMs} ms)`, h.rows);
}
if (results.firstHash?.trackerHotSpots) {
  const h = results.firstHash.trackerHotSpots;
  printTable(`Tracker CPU profile during the first hash (self time; busy ${h.busyMs} of ${h.totalMs} ms)`, h.rows);
}
const out = writeResults('sync', { busyBefore, ...results });
console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
