// Memory stays flat: a client downloading a 1 GiB file never holds the file (or a large part of
// it) in memory. Real processes: a tracker, a sharer and a downloader; the downloader's peak
// resident set (VmHWM from /proc, Linux) is read when it has finished.
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { passwordOf, ProcessCluster } from '@groupshare/tracker/testing';
import { ClientProcess } from '@groupshare/testkit/client-process';
import { Cleanup } from '@groupshare/testkit/scenario';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;
/**
 * "A few hundred MiB" (issue 4); the benchmark's target is 200 MiB. Measured about 135 MiB at
 * 120 MiB/s. Without backpressure from the disk (swarm.ts, MAX_PENDING_WRITES) pieces waiting to
 * be written piled up and a run on a busy machine peaked at 770 MiB: this is the test that saw it.
 */
const MAX_PEAK_RSS = 300 * MiB;

/** Writes `size` random bytes in 8 MiB chunks (never the whole file in memory); returns its SHA-1. */
async function randomFile(file: string, size: number): Promise<string> {
  const hash = createHash('sha1');
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(8 * MiB);
  for (let at = 0; at < size; at += chunk.length) {
    const part = chunk.subarray(0, Math.min(chunk.length, size - at));
    randomFillSync(part);
    hash.update(part);
    await handle.write(part, 0, part.length, at);
  }
  await handle.close();
  return hash.digest('hex');
}

async function sha1OfFile(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Peak resident set size of a live process, in bytes (Linux /proc). */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kb[1]) * 1024;
}

it.skipIf(!existsSync('/proc/self/status'))('downloading a 1 GiB file keeps the client\'s peak RSS under 300 MiB', async () => {
  const started = Date.now();
  const cluster = cleanup.add(await ProcessCluster.create({ size: 1 }));
  await cluster.startAll();
  const src = path.join(cluster.root, 'src');
  await mkdir(src, { recursive: true });
  const file = path.join(src, 'gig.bin');
  const want = await randomFile(file, SIZE);

  const client = (user: string): ClientProcess => cleanup.add(ClientProcess.spawn({ name: user, trackerInfo: cluster.infoFile(1), dataDir: path.join(cluster.root, `client-${user}`) }));
  const [a, b] = [client('alice'), client('bob')];
  for (const [c, u] of [[a, 'alice'], [b, 'bob']] as const) {
    await c.run(`create_user ${u} ${passwordOf(u)}`, new RegExp(`^created user ${u}\\b`));
    await c.run(`login ${u} ${passwordOf(u)}`, new RegExp(`^logged in as ${u}\\b`));
  }
  await a.run('create_group lab', /^created group lab\b/);
  await b.run('join_group lab', /^asked to join lab\b/);
  await a.run('accept_request lab bob', /^bob is now a member of lab/);
  await a.run(`upload_file ${file} lab`, /^sharing gig\.bin in lab:/, { timeoutMs: 60_000 });
  console.log(`memory.test.ts: shared 1 GiB ${Date.now() - started} ms after start`);

  const dir = path.join(cluster.root, 'dl');
  const since = b.mark();
  const t0 = Date.now();
  await b.run(`download_file lab gig.bin ${dir}`, /^downloading gig\.bin from lab into/);
  await b.waitFor(/^\[C\] \[lab\] gig\.bin: complete, SHA-1 verified: (.+)$/, { since, timeoutMs: 120_000 });
  const seconds = (Date.now() - t0) / 1000;
  const peak = await peakRss(b.child.pid as number);
  const sharerPeak = await peakRss(a.child.pid as number);
  console.log(`memory.test.ts: 1 GiB in ${seconds.toFixed(1)} s (${(1024 / seconds).toFixed(0)} MiB/s); peak RSS downloader ${(peak / MiB).toFixed(0)} MiB, sharer ${(sharerPeak / MiB).toFixed(0)} MiB`);
  expect(await sha1OfFile(path.join(dir, 'gig.bin'))).toBe(want);
  expect(peak).toBeLessThan(MAX_PEAK_RSS);
  expect(sharerPeak).toBeLessThan(MAX_PEAK_RSS);
  await rm(dir, { recursive: true, force: true });
}, 240_000);
