#!/usr/bin/env node
// Replication visibility latency between two real tracker processes on 127.0.0.1.
//
// A client on tracker 1 shares a new small file every 1000/rate ms (a write that tracker 1
// acknowledges); a member connected to tracker 2 receives the `file_shared` push when the op
// has been replicated and applied there. Latency = push arrival on tracker 2's client minus the
// acknowledgement on tracker 1's client, both measured in this process with one clock.
//
//   node bench/replication-latency.mjs [--rate 200] [--seconds 10]
//
// Prints p50/p90/p99/max and writes bench/results/replication-latency.json.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rate = arg('rate', 200);
const seconds = arg('seconds', 10);

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function client(port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  let id = 0;
  const pending = new Map();
  const pushes = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    if (msg.push) pushes.forEach((fn) => fn(msg));
    else pending.get(msg.id)?.(msg);
  });
  return {
    opened: new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject))),
    onPush: (fn) => pushes.push(fn),
    async ok(type, fields = {}) {
      const msgId = ++id;
      const reply = await new Promise((resolve) => {
        pending.set(msgId, resolve);
        ws.send(JSON.stringify({ id: msgId, type, ...fields }));
      });
      if (!reply.ok) throw new Error(`${type}: ${reply.error.code} ${reply.error.message}`);
      return reply.result;
    },
    close: () => ws.close(),
  };
}

async function waitHealthy(port) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`tracker on ${port} did not start`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'groupshare-bench-'));
const ports = [await freePort(), await freePort()];
writeFileSync(path.join(dir, 'tracker_info.txt'), ports.map((p) => `127.0.0.1:${p}`).join('\n'));
const env = { ...process.env, GROUPSHARE_CLUSTER_SECRET: randomBytes(24).toString('hex') };
const trackers = [1, 2].map((n) =>
  spawn(process.execPath, [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), path.join(root, 'packages/tracker/dist/main.js'), path.join(dir, 'tracker_info.txt'), String(n), '--data-dir', path.join(dir, `t${n}`), '--log-level', 'warn'], { env, stdio: ['pipe', 'ignore', 'inherit'] }),
);
try {
  await Promise.all(ports.map(waitHealthy));
  const writer = client(ports[0]);
  const reader = client(ports[1]);
  await Promise.all([writer.opened, reader.opened]);
  await writer.ok('register', { userId: 'writer', password: 'writer-password' });
  await writer.ok('login', { userId: 'writer', password: 'writer-password', peerAddress: '127.0.0.1:6001' });
  await writer.ok('create_group', { groupId: 'bench' });
  // The reader registers on tracker 2 once tracker 2 knows the group (replication works).
  await reader.ok('register', { userId: 'reader', password: 'reader-password' });
  await reader.ok('login', { userId: 'reader', password: 'reader-password', peerAddress: '127.0.0.1:6002' });
  for (let i = 0; ; i++) {
    try {
      await reader.ok('join_group', { groupId: 'bench' });
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  for (let i = 0; i < 100; i++) {
    try {
      await writer.ok('accept_request', { groupId: 'bench', userId: 'reader' });
      break;
    } catch (err) {
      if (i > 99) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await new Promise((r) => setTimeout(r, 500)); // membership replicated to tracker 2

  const acked = new Map();
  const seen = new Map();
  reader.onPush((msg) => {
    if (msg.push === 'file_shared') seen.set(msg.data.name, performance.now());
  });
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now();
  const inflight = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const data = randomBytes(64);
    const sha1 = createHash('sha1').update(data).digest('hex');
    const name = `f${i}.bin`;
    inflight.push(writer.ok('share_file', { groupId: 'bench', name, size: data.length, sha1, pieceLength: 16384, pieces: sha1 }).then(() => acked.set(name, performance.now())));
  }
  await Promise.all(inflight);
  const deadline = performance.now() + 10_000;
  while (seen.size < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const latencies = [...acked].map(([name, at]) => Math.max(0, (seen.get(name) ?? Infinity) - at)).sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  const result = {
    benchmark: 'replication-latency',
    rate,
    seconds,
    writes: total,
    missing: latencies.filter((x) => !Number.isFinite(x)).length,
    p50_ms: +q(0.5).toFixed(2),
    p90_ms: +q(0.9).toFixed(2),
    p99_ms: +q(0.99).toFixed(2),
    max_ms: +latencies[latencies.length - 1].toFixed(2),
    limit_ms: 100,
    p99_ratio_to_limit: +(q(0.99) / 100).toFixed(3),
    achieved_writes_per_s: +(total / ((Math.max(...acked.values()) - start) / 1000)).toFixed(1),
  };
  console.table([result]);
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/replication-latency.json'), `${JSON.stringify(result, null, 2)}\n`);
  writer.close();
  reader.close();
} finally {
  for (const t of trackers) t.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
