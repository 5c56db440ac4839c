#!/usr/bin/env node
// Benchmark 6, replication (issue 5): two real tracker processes on 127.0.0.1.
//
// 1. Visibility under a steady load. `--writers` clients on tracker 1, each the owner of its own
//    group, share a new small file on a fixed schedule that adds up to `--rate` writes/s
//    (open loop: a write is sent when it is due, whether or not earlier ones were answered, so a
//    slow tracker cannot lower the load it is offered). One member of every group is connected
//    to tracker 2 and receives each `file_shared` push when the op has been replicated and
//    applied there. Visibility = push arrival on tracker 2's client minus the acknowledgement on
//    tracker 1's client, both taken in this process with one clock. The first `--warmup`
//    seconds are offered but not counted (JIT, caches).
// 2. Catch-up. Tracker 2 is stopped; `--catchup` writes go to tracker 1 as fast as it takes
//    them (closed loop, a few requests in flight per writer); tracker 2 is started again. The
//    clock runs from its spawn until the last of those writes is readable on it (ops from one
//    origin are applied in sequence order, so the last one there means all are): a client on
//    tracker 2, member of that write's group only, asks for it every 10 ms. Then both trackers'
//    /digest must be equal (checked after the clock stops: a digest hashes every row, which
//    would slow the tracker being measured).
//
//   node bench/replication.mjs [--rate 1000] [--seconds 10] [--warmup 2] [--writers 16]
//                              [--catchup 100000] [--cpu-prof DIR]
//
// `--catchup 0` skips part 2, `--seconds 0` part 1. Prints tables and writes
// bench/results/replication.json.
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { parseArgv } from './lib/args.mjs';
import { stopAllChildren } from './lib/children.mjs';
import { cpuProfilesIn, summarizeCpuProfile } from './lib/cpu-profile.mjs';
import { warnIfBusy } from './lib/machine.mjs';
import { readProcStats } from './lib/proc-stats.mjs';
import { printTable, writeResults } from './lib/results.mjs';
import { makeTmpDir } from './lib/tmp.mjs';
import { benchCluster, connectClient, requestSettled, START_TIMEOUT_MS, STOP_GRACE_MS } from './lib/tracker-testing.mjs';

const { flags } = parseArgv();
const num = (name, fallback) => {
  if (flags[name] === undefined) return fallback;
  const v = Number(flags[name]);
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`--${name} must be a non-negative number, not ${JSON.stringify(flags[name])}`);
  return v;
};
const rate = num('rate', 1000);
const seconds = num('seconds', 10);
const warmup = num('warmup', 2);
const writerCount = Math.max(1, Math.round(num('writers', 16)));
const catchupOps = Math.round(num('catchup', 100_000));
/** Requests each writer keeps in flight while filling the log for the catch-up. */
const CATCHUP_DEPTH = 4;
const LIMIT_VISIBLE_MS = 100;
const LIMIT_CATCHUP_S = 10;

// Every write shares the same 64 bytes under a new name: a new name is a new info-hash, so a
// new file, and the bench spends no time hashing.
const FILE = { size: 64, pieceLength: 16_384, sha1: '9d6a1f6f3b0f8cbd12b1e1c4fbf3fa9c2b1a7f10' };
FILE.pieces = FILE.sha1; // one piece: its hash is the file's
const password = (user) => `${user}-bench-password`;

const quantile = (sorted, p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
const ms = (x) => +x.toFixed(2);
const sleep = (t) => new Promise((r) => setTimeout(r, t));

/** Retries `fn` while it throws an error whose code is in `codes` (replication not there yet). */
async function retrying(fn, codes, { timeoutMs = 20_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!codes.includes(err.code) || Date.now() > deadline) throw err;
      await sleep(25);
    }
  }
}

async function connectUser(address, userId, peerPort) {
  const client = await connectClient(address);
  await client.ok('register', { userId, password: password(userId) });
  const login = await client.ok('login', { userId, password: password(userId), peerAddress: `127.0.0.1:${peerPort}` });
  return { client, userId, token: login.token, peerAddress: `127.0.0.1:${peerPort}` };
}

/**
 * Writers on tracker 1 (one group each) and a reader on tracker 2 who is a member of all of
 * them, so every write causes exactly one push on each side (the writer's and the reader's);
 * and a watcher on tracker 2 for the catch-up (see below), logged in once and then offline.
 */
async function setUp() {
  const writers = await Promise.all(Array.from({ length: writerCount }, (_, k) => connectUser(cluster.address(1), `w${k}`, 7000 + k)));
  await Promise.all(writers.map((w, k) => w.client.ok('create_group', { groupId: `g${k}` })));
  const reader = await connectUser(cluster.address(2), 'reader', 6999);
  let accepted = 0;
  const allAccepted = new Promise((resolve) => {
    reader.client.onPush = (msg) => msg.push === 'request_accepted' && ++accepted === writerCount && resolve();
  });
  // Groups created on tracker 1 reach tracker 2, and the join requests come back.
  for (let k = 0; k < writerCount; k++) await retrying(() => reader.client.ok('join_group', { groupId: `g${k}` }), ['ERR_NO_SUCH_GROUP']);
  await Promise.all(writers.map((w, k) => retrying(() => w.client.ok('accept_request', { groupId: `g${k}`, userId: 'reader' }), ['ERR_NO_SUCH_REQUEST'])));
  await allAccepted; // the memberships are applied on tracker 2
  // For the catch-up: a group of its own for the last write, with one member on tracker 2 who
  // is in no other group, so nobody online there is pushed the other writes.
  const watcher = await connectUser(cluster.address(2), 'watcher', 6998);
  await writers[0].client.ok('create_group', { groupId: 'marker' });
  await retrying(() => watcher.client.ok('join_group', { groupId: 'marker' }), ['ERR_NO_SUCH_GROUP']);
  await retrying(() => writers[0].client.ok('accept_request', { groupId: 'marker', userId: 'watcher' }), ['ERR_NO_SUCH_REQUEST']);
  await retrying(() => watcher.client.ok('list_files', { groupId: 'marker' }), ['ERR_NOT_MEMBER']);
  watcher.client.close();
  return { writers, reader, watcher };
}

const cpuSeconds = (n) => readProcStats(cluster.process(n).pid)?.cpuSeconds ?? NaN;

async function visibility(writers, reader) {
  const measured = Math.round(rate * seconds);
  const skipped = Math.round(rate * warmup);
  const total = skipped + measured;
  const sent = new Float64Array(total).fill(NaN);
  const acked = new Float64Array(total).fill(NaN);
  const seen = new Float64Array(total).fill(NaN);
  const failedAt = new Set();
  let firstError;
  reader.client.onPush = (msg) => {
    if (msg.push !== 'file_shared' || !msg.data.name.startsWith('v')) return;
    const i = Number(msg.data.name.slice(1, -4));
    if (Number.isNaN(seen[i])) seen[i] = performance.now();
  };
  const pending = [];
  const send = (i) => {
    const k = i % writerCount;
    sent[i] = performance.now();
    pending.push(
      requestSettled(writers[k].client, 'share_file', { groupId: `g${k}`, name: `v${i}.bin`, ...FILE }).then((reply) => {
        acked[i] = performance.now();
        if (!reply.ok) {
          failedAt.add(i);
          firstError ??= reply.error;
        }
      }),
    );
  };
  const interval = 1000 / rate;
  const start = performance.now() + 20;
  let cpuAtWindow;
  let next = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        if (next === skipped) cpuAtWindow = { t1: cpuSeconds(1), t2: cpuSeconds(2), at: now };
        send(next++);
      }
      if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
  const lastAck = Math.max(...acked.subarray(skipped));
  // Pushes still on their way: a tracker that cannot keep up shows as seconds, not as missing.
  const deadline = performance.now() + 60_000;
  const allSeen = () => {
    for (let i = skipped; i < total; i++) if (Number.isNaN(seen[i]) && !failedAt.has(i)) return false;
    return true;
  };
  while (!allSeen() && performance.now() < deadline) await sleep(20);
  const windowS = (lastAck - cpuAtWindow.at) / 1000;
  const cpu = { t1: (cpuSeconds(1) - cpuAtWindow.t1) / windowS, t2: (cpuSeconds(2) - cpuAtWindow.t2) / windowS };

  const fromAck = [];
  const fromSend = [];
  const ackMs = [];
  let missing = 0;
  for (let i = skipped; i < total; i++) {
    ackMs.push(acked[i] - sent[i]);
    if (failedAt.has(i)) continue;
    if (Number.isNaN(seen[i])) {
      missing++;
      continue;
    }
    // A push may beat the reply to this process by a hair: it is visible at the ack then.
    fromAck.push(Math.max(0, seen[i] - acked[i]));
    fromSend.push(seen[i] - sent[i]);
  }
  for (const a of [fromAck, fromSend, ackMs]) a.sort((x, y) => x - y);
  const firstSent = sent[skipped];
  return {
    offeredPerS: rate,
    writers: writerCount,
    seconds,
    warmupSeconds: warmup,
    writes: measured,
    failed: failedAt.size,
    ...(firstError ? { firstError } : {}),
    missing,
    achievedPerS: +(measured / ((lastAck - firstSent) / 1000)).toFixed(1),
    visibleP50Ms: ms(quantile(fromAck, 0.5)),
    visibleP90Ms: ms(quantile(fromAck, 0.9)),
    visibleP99Ms: ms(quantile(fromAck, 0.99)),
    visibleMaxMs: ms(fromAck.at(-1) ?? NaN),
    p99RatioToLimit: +(quantile(fromAck, 0.99) / LIMIT_VISIBLE_MS).toFixed(3),
    fromSendP50Ms: ms(quantile(fromSend, 0.5)),
    fromSendP99Ms: ms(quantile(fromSend, 0.99)),
    ackP50Ms: ms(quantile(ackMs, 0.5)),
    ackP99Ms: ms(quantile(ackMs, 0.99)),
    tracker1Cores: +cpu.t1.toFixed(2),
    tracker2Cores: +cpu.t2.toFixed(2),
  };
}

async function catchUp(writers, watcher) {
  await cluster.terminate(2, STOP_GRACE_MS);
  // Fill tracker 1's log: ops tracker 2 misses. The last write is the marker.
  const started = performance.now();
  let issued = 0;
  let failed = 0;
  await Promise.all(
    writers.flatMap((w, k) =>
      Array.from({ length: CATCHUP_DEPTH }, async () => {
        while (issued < catchupOps - 1) {
          const i = issued++;
          const reply = await requestSettled(w.client, 'share_file', { groupId: `g${k}`, name: `c${i}.bin`, ...FILE });
          if (!reply.ok) failed++;
        }
      }),
    ),
  );
  await writers[0].client.ok('share_file', { groupId: 'marker', name: 'marker.bin', ...FILE });
  const writeS = (performance.now() - started) / 1000;
  if (failed > 0) throw new Error(`${failed} writes failed while tracker 2 was down`);

  const t1CpuBefore = cpuSeconds(1);
  const spawnedAt = performance.now();
  await cluster.start(2, START_TIMEOUT_MS);
  const healthyAt = performance.now();
  const client = await connectClient(cluster.address(2));
  await client.ok('resume', { token: watcher.token, peerAddress: watcher.peerAddress });
  for (;;) {
    const reply = await client.request('get_file', { groupId: 'marker', name: 'marker.bin' });
    if (reply.ok) break;
    if (reply.error.code !== 'ERR_NO_SUCH_FILE') throw new Error(`get_file on tracker 2: ${reply.error.code} ${reply.error.message}`);
    if (performance.now() - spawnedAt > 600_000) throw new Error('tracker 2 did not catch up within 10 minutes');
    await sleep(10);
  }
  const caughtUpAt = performance.now();
  // CPU spent to get there: all of tracker 2's (it started at spawnedAt), tracker 1's since then.
  const cpu = { t1: cpuSeconds(1) - t1CpuBefore, t2: cpuSeconds(2) };
  // Then the digests (each hashes every row, so taking them only now keeps them off the clock).
  let digestRounds = 0;
  let equal = false;
  while (!equal && digestRounds < 20) {
    const [d1, d2] = await Promise.all([cluster.digest(1), cluster.digest(2)]);
    digestRounds++;
    equal = d1.digest === d2.digest;
    if (!equal) await sleep(500);
  }
  client.close();
  const totalS = (caughtUpAt - spawnedAt) / 1000;
  return {
    ops: catchupOps,
    writeSeconds: +writeS.toFixed(2),
    writesPerS: +(catchupOps / writeS).toFixed(0),
    startSeconds: +((healthyAt - spawnedAt) / 1000).toFixed(2),
    applySeconds: +((caughtUpAt - healthyAt) / 1000).toFixed(2),
    catchUpSeconds: +totalS.toFixed(2),
    opsPerS: +(catchupOps / ((caughtUpAt - healthyAt) / 1000)).toFixed(0),
    ratioToLimit: +(totalS / LIMIT_CATCHUP_S).toFixed(3),
    tracker1CpuSeconds: +cpu.t1.toFixed(2),
    tracker2CpuSeconds: +cpu.t2.toFixed(2),
    digestsEqual: equal,
    // 1 when the digests matched at once, as they should: the last op there means all are.
    digestRounds,
  };
}

const work = makeTmpDir('groupshare-replication-');
const cpuProfDir = flags['cpu-prof'] ? path.resolve(String(flags['cpu-prof'])) : undefined;
if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
const busyBefore = await warnIfBusy();
const cluster = await benchCluster({ root: work.path, size: 2, cpuProfDir });
const result = { busyBefore };
try {
  await Promise.all([cluster.start(1, START_TIMEOUT_MS), cluster.start(2, START_TIMEOUT_MS)]);
  const { writers, reader, watcher } = await setUp();
  if (seconds > 0) {
    result.visibility = await visibility(writers, reader);
    printTable(`Replication: visibility on tracker 2 of writes acknowledged by tracker 1 (limit ${LIMIT_VISIBLE_MS} ms)`, [result.visibility]);
  }
  if (catchupOps > 0) {
    result.catchUp = await catchUp(writers, watcher);
    printTable(`Replication: tracker 2 catches up on ${catchupOps} ops it missed (limit ${LIMIT_CATCHUP_S} s)`, [result.catchUp]);
  }
  for (const w of writers) w.client.close();
  reader.client.close();
} finally {
  await cluster.stop({ graceMs: STOP_GRACE_MS });
  await stopAllChildren();
  work.remove();
}
if (cpuProfDir) {
  result.profiles = cpuProfilesIn(cpuProfDir).map((file) => ({ file, ...summarizeCpuProfile(file, { top: 12 }) }));
  for (const p of result.profiles) printTable(`${path.basename(p.file)}: busy ${p.busyMs} of ${p.totalMs} ms`, p.rows);
}
console.log(`\nwrote ${writeResults('replication', result)}`);
