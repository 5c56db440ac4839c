#!/usr/bin/env node
// Benchmark 1, "Limits": this machine's ceilings, the denominators of the other benchmarks.
//
//   node bench/limits.mjs [size=512M] [--dir <data dir>] [--runs 3]
//
// - SHA-1: node:crypto on one thread, one digest per 512 KiB piece (as a downloader verifies
//   pieces), over `size` bytes of random data cycled from a 64 MiB pool (larger than the CPU
//   caches, so memory is read as it would be from socket buffers).
// - TCP: one Node child process sends `size` bytes over loopback in 4 MiB writes; this process
//   receives them into a 1 MiB buffer (net's `onread`, no per-read allocation). Time from
//   connect to end of stream.
// - Disk: sequential 4 MiB writes of `size` bytes into a file in the data directory, then fsync.
//   The limit includes the fsync, so it is the disk that is measured; the time to the last write
//   (the page cache absorbing it) is printed beside it, since downloads that do not fsync (none of
//   the clients compared here does) can run faster than the disk as long as memory absorbs them.
//
// The SHA-1 and TCP figures are the best of `runs` runs (a ceiling is what the machine can do,
// and a shared machine only ever makes a run slower); disk is one run, as it is slow and leaves
// write-back behind it. Other benchmarks import `measureLimits` to measure in the same run.
// Prints MB/s (10^6 bytes/s) and writes bench/results/limits.json.
import { createHash, randomFillSync } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { formatSize, mbPerSec, parseArgv, parseSize } from './lib/args.mjs';
import { spawnChild, stopChild } from './lib/children.mjs';
import { warnIfBusy } from './lib/machine.mjs';
import { syncDisks } from './lib/disk.mjs';
import { printTable, repoRoot, writeResults } from './lib/results.mjs';
import { makeTmpDir } from './lib/tmp.mjs';

const PIECE = 512 * 1024;
const POOL = 64 * 2 ** 20;
const WRITE = 4 * 2 ** 20;

/** Single-thread SHA-1 over `bytes` bytes in 512 KiB pieces. @returns MB/s */
export function measureSha1(bytes) {
  const pool = randomFillSync(Buffer.allocUnsafe(POOL));
  const pieces = Math.max(1, Math.round(bytes / PIECE));
  // Warm-up, so the first run does not pay for JIT and OpenSSL's one-time set-up.
  for (let i = 0; i < 32; i++) createHash('sha1').update(pool.subarray(i * PIECE, (i + 1) * PIECE)).digest();
  const start = performance.now();
  for (let i = 0, at = 0; i < pieces; i++, at = (at + PIECE) % POOL) {
    createHash('sha1').update(pool.subarray(at, at + PIECE)).digest();
  }
  return mbPerSec(pieces * PIECE, (performance.now() - start) / 1000);
}

/** Loopback TCP from a child Node process to this one. @returns MB/s */
export async function measureTcp(bytes) {
  const sender = spawnChild(process.execPath, [path.join(repoRoot, 'bench/lib/tcp-sender.mjs'), String(bytes)], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const port = await new Promise((resolve, reject) => {
      sender.stdout.once('data', (d) => resolve(Number(String(d).trim())));
      sender.exited.then((r) => reject(new Error(`tcp sender exited early (${r.error?.message ?? r.code})`)));
    });
    let received = 0;
    let start;
    await new Promise((resolve, reject) => {
      const socket = net.connect({
        port,
        host: '127.0.0.1',
        noDelay: true,
        onread: { buffer: Buffer.allocUnsafe(2 ** 20), callback: (n) => void (received += n) },
      });
      socket.once('connect', () => (start = performance.now()));
      socket.once('end', resolve);
      socket.once('error', reject);
    });
    const seconds = (performance.now() - start) / 1000;
    if (received !== bytes) throw new Error(`tcp: received ${received} of ${bytes} bytes`);
    return mbPerSec(bytes, seconds);
  } finally {
    sender.stdin.end();
    await stopChild(sender);
  }
}

/**
 * Sequential write of `bytes` bytes into `dir`. @returns `{ bufferedMBps, syncedMBps }`: up to the
 * last write() (the page cache absorbing it, which is what a download without fsync sees) and up
 * to the end of fsync() (the disk itself).
 */
export async function measureDisk(bytes, dir) {
  const file = path.join(dir, `limits-disk-${process.pid}.bin`);
  const block = randomFillSync(Buffer.allocUnsafe(WRITE));
  syncDisks(); // start with no one else's dirty pages in the way
  const fh = await open(file, 'w');
  try {
    const start = performance.now();
    for (let at = 0; at < bytes; ) {
      const n = Math.min(WRITE, bytes - at);
      at += (await fh.write(block, 0, n, at)).bytesWritten;
    }
    const written = performance.now();
    await fh.sync();
    const synced = performance.now();
    return { bufferedMBps: mbPerSec(bytes, (written - start) / 1000), syncedMBps: mbPerSec(bytes, (synced - start) / 1000) };
  } finally {
    await fh.close();
    await rm(file, { force: true });
  }
}

/**
 * Measures all three limits. `dir` is the data directory to test (default: a fresh temp dir,
 * which is where the transfer benchmarks keep their files).
 * @returns `{ size, sha1MBps, tcpMBps, diskMBps, diskBufferedMBps, dataDir, runs, sha1Runs, tcpRuns }`
 */
export async function measureLimits({ size = 512 * 2 ** 20, dir, runs = 3 } = {}) {
  const sha1Runs = [];
  const tcpRuns = [];
  for (let i = 0; i < runs; i++) {
    sha1Runs.push(measureSha1(size));
    tcpRuns.push(await measureTcp(size));
  }
  const tmp = dir ? undefined : makeTmpDir('groupshare-limits-');
  try {
    const disk = await measureDisk(size, dir ?? tmp.path);
    return {
      size,
      sha1MBps: Math.max(...sha1Runs),
      tcpMBps: Math.max(...tcpRuns),
      diskMBps: disk.syncedMBps,
      diskBufferedMBps: disk.bufferedMBps,
      dataDir: dir ?? os.tmpdir(),
      runs,
      sha1Runs,
      tcpRuns,
    };
  } finally {
    tmp?.remove();
  }
}

/** The table rows for a {@link measureLimits} result, shared with the benchmarks that embed it. */
export function limitRows(limits) {
  return [
    { limit: 'SHA-1, one thread, 512 KiB pieces', 'MB/s': limits.sha1MBps, runs: limits.sha1Runs.join(' ') },
    { limit: 'TCP loopback, process to process', 'MB/s': limits.tcpMBps, runs: limits.tcpRuns.join(' ') },
    { limit: `disk: sequential write + fsync, in ${limits.dataDir}`, 'MB/s': limits.diskMBps, runs: '1' },
    { limit: '  the same up to the last write (page cache)', 'MB/s': limits.diskBufferedMBps, runs: '1' },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals, flags } = parseArgv();
  const size = parseSize(positionals[0] ?? '512M');
  const busyBefore = await warnIfBusy();
  const limits = await measureLimits({ size, dir: typeof flags.dir === 'string' ? flags.dir : undefined, runs: Number(flags.runs ?? 3) });
  printTable(`Limits of this machine (${formatSize(size)} per measurement; MB/s = 10^6 bytes/s)`, limitRows(limits));
  console.log(`\nwrote ${path.relative(process.cwd(), writeResults('limits', { ...limits, busyBefore }))}`);
}
