#!/usr/bin/env node
// The README's first command: starts the two trackers of tracker_info.txt.example as real
// processes, shows they answer (/health and a scripted session over the WebSocket API), then
// keeps them running until you type `quit` (or press Ctrl-C). Data lives in data/demo-*.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const infoFile = path.join(root, 'tracker_info.txt.example');
const addresses = ['127.0.0.1:7001', '127.0.0.1:7002'];
const say = (text) => process.stdout.write(`\x1b[1m[demo]\x1b[0m ${text}\n`);

// No secret to hand over: the first tracker creates tracker_info.txt.example.secret and the
// other reads it (docs/replication.md).
const trackers = addresses.map((address, i) => {
  const n = i + 1;
  const args = [infoFile, String(n), '--data-dir', path.join(root, 'data', `demo-tracker-${n}`), '--log-level', 'warn'];
  const child = spawn(path.join(root, 'tracker'), args, { stdio: ['pipe', 'pipe', 'inherit'] });
  readline.createInterface({ input: child.stdout }).on('line', (line) => process.stdout.write(`[tracker ${n}] ${line}\n`));
  child.on('exit', (code, signal) => say(`tracker ${n} exited (${signal ?? code})`));
  return { n, address, child };
});

async function waitHealthy(address) {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://${address}/health`);
      if (res.ok) return res.json();
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tracker at ${address} did not come up`);
}

function session(url) {
  const ws = new WebSocket(url);
  let id = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    if (msg.push) say(`  push: ${msg.push} ${JSON.stringify(msg.data)}`);
    else pending.get(msg.id)?.(msg);
  });
  const opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return {
    opened,
    async request(type, fields = {}, show = true) {
      const msgId = ++id;
      const reply = new Promise((resolve) => pending.set(msgId, resolve));
      ws.send(JSON.stringify({ id: msgId, type, ...fields }));
      const r = await reply;
      // The session token is a secret even in a demo: show its shape, not its value.
      const shown = r.ok ? JSON.stringify(r.result, (k, v) => (k === "token" ? `<${v.length}-character token>` : v)) : `${r.error.code}: ${r.error.message}`;
      if (show) say(`  ${type} → ${shown}`);
      return r;
    },
    close: () => ws.close(),
  };
}

function stopAll() {
  for (const t of trackers) if (t.child.exitCode === null) t.child.stdin.write('quit\n');
  setTimeout(() => process.exit(0), 3000).unref();
  Promise.all(trackers.map((t) => t.child.exitCode !== null || new Promise((r) => t.child.once('exit', r)))).then(() => process.exit(0));
}
process.on('SIGINT', stopAll);

try {
  for (const t of trackers) {
    const health = await waitHealthy(t.address);
    say(`tracker ${t.n} is up at ${t.address}: ${JSON.stringify(health)}`);
  }
  const user = `demo-${randomBytes(3).toString('hex')}`;
  say(`a scripted client session on tracker 1 (ws://${addresses[0]}/ws):`);
  const s = session(`ws://${addresses[0]}/ws`);
  await s.opened;
  await s.request('register', { userId: user, password: 'correct horse battery' });
  await s.request('login', { userId: user, password: 'wrong password!' });
  await s.request('login', { userId: user, password: 'correct horse battery', peerAddress: '0.0.0.0:6881' });
  await s.request('create_group', { groupId: `${user}-group` });
  await s.request('share_file', {
    groupId: `${user}-group`, name: 'hello.txt', size: 12, sha1: '22596363b3de40b06f981fb85d82312e8c0ed511',
    pieceLength: 262144, pieces: '22596363b3de40b06f981fb85d82312e8c0ed511',
  });
  await s.request('list_files', { groupId: `${user}-group` });
  await s.request('list_groups');
  s.close();
  say(`the same user on tracker 2 (ws://${addresses[1]}/ws): replicated, no new registration needed:`);
  const s2 = session(`ws://${addresses[1]}/ws`);
  await s2.opened;
  for (let i = 0; i < 50; i++) {
    const r = await s2.request('login', { userId: user, password: 'correct horse battery' }, i === 0 || i === 49);
    if (r.ok) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await s2.request('list_files', { groupId: `${user}-group` });
  s2.close();
  const digests = await Promise.all(addresses.map(async (a) => (await (await fetch(`http://${a}/digest`)).json()).digest.slice(0, 16)));
  say(`state digests: tracker 1 ${digests[0]}, tracker 2 ${digests[1]}${digests[0] === digests[1] ? ' (in sync)' : ''}`);
  say('both trackers keep running. Type "status" to ask them, "quit" (or Ctrl-C) to stop both.');
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const cmd = line.trim();
    if (cmd === 'quit' || cmd === 'exit') stopAll();
    else if (cmd) for (const t of trackers) t.child.stdin.write(`${cmd}\n`);
  });
  rl.on('close', () => say('stdin closed; trackers keep running until Ctrl-C.'));
} catch (err) {
  say(`demo failed: ${err.message}`);
  stopAll();
  process.exitCode = 1;
}
