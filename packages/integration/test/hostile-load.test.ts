// Floods against a running tracker process (issue 14): what one hostile host can cost everybody
// else, measured as another client's ping latency and the tracker's memory. Each flood comes
// from raw TCP sockets writing prebuilt WebSocket frames, so the test process itself does next
// to no work per frame and the latencies measured are the tracker's.
import { ProcessCluster, signUp, sleep, WsClient } from '@groupshare/tracker/testing';
import { Cleanup } from '@groupshare/testkit/scenario';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

/** A client text frame carrying `payload`, masked with a zero key (so the payload is as is). */
function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  let header: Buffer;
  if (n < 126) header = Buffer.from([0x81, 0x80 | n, 0, 0, 0, 0]);
  else if (n < 65_536) {
    header = Buffer.from([0x81, 0x80 | 126, 0, 0, 0, 0, 0, 0]);
    header.writeUInt16BE(n, 2);
  } else {
    header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload]);
}

function upgradeRequest(address: string): string {
  return `GET /ws HTTP/1.1\r\nHost: ${address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}

/** A raw socket that has completed the WebSocket upgrade. */
function rawUpgrade(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(upgradeRequest(`127.0.0.1:${port}`)));
    socket.once('data', (head) => (String(head).startsWith('HTTP/1.1 101') ? resolve(socket) : reject(new Error(String(head)))));
  });
}

/**
 * Hostile senders in a process of their own (so that their work does not delay this process's
 * pings): from each of `addresses`, a socket upgrades, sends one 8 MB frame of `[`s and waits
 * for the tracker's answer, again and again (10 ms apart: the machine's CPU is not what is measured). `stop()` resolves with how many were
 * refused with 1009.
 */
function floodProcess(port: number, addresses: string[]): { stop(): Promise<number> } {
  const script = `
    const net = require('node:net');
    const [port, ...addresses] = process.argv.slice(1);
    const n = 8 * 1024 * 1024;
    const header = Buffer.alloc(14); header[0] = 0x81; header[1] = 0x80 | 127; header.writeBigUInt64BE(BigInt(n), 2);
    const frame = Buffer.concat([header, Buffer.alloc(n, '[')]);
    const upgrade = ${JSON.stringify(upgradeRequest('127.0.0.1'))};
    let running = true, refused = 0;
    process.stdin.on('data', () => { running = false; });
    const once = (localAddress) => new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: Number(port), localAddress });
      let upgraded = false;
      socket.on('error', () => {}); socket.on('close', () => resolve());
      socket.on('connect', () => socket.write(upgrade));
      socket.on('data', (data) => {
        if (!upgraded) { upgraded = true; socket.write(frame); const rest = data.subarray(data.indexOf('\\r\\n\\r\\n') + 4); if (rest.length === 0) return; data = rest; }
        if (data[0] === 0x88 && data.readUInt16BE(2) === 1009) refused++;
        socket.destroy();
      });
    });
    const loop = async (a) => { while (running) { await once(a); await new Promise((r) => setTimeout(r, 10)); } };
    Promise.all(addresses.map(loop)).then(() => process.stdout.write(String(refused), () => process.exit(0)));
  `;
  const child = spawn(process.execPath, ['-e', script, String(port), ...addresses], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.defer(() => void child.kill());
  return {
    async stop() {
      child.stdin.write('stop\n');
      await exited;
      return Number(out);
    },
  };
}

/** Sequential pings on `client` for `ms`; the 99th percentile of their round trips. */
async function pingP99(client: WsClient, ms: number): Promise<number> {
  const times: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const started = performance.now();
    await client.ok('ping', {});
    times.push(performance.now() - started);
    await sleep(5);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length * 0.99)] as number;
}

/** The tracker's resident memory, MiB. */
function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

describe('a tracker flooded by hostile clients', () => {
  let cluster: ProcessCluster;
  let port: number;
  let pinger: WsClient;

  beforeAll(async () => {
    cluster = cleanup.add(await ProcessCluster.create({ size: 1 }));
    await cluster.startAll();
    port = cluster.ports[0] as number;
    pinger = await cluster.connect(1);
    await pinger.ok('ping', {});
  });

  it('8 MB frames of nested arrays from 8 addresses before login: refused from the header (1009), and another client\'s ping p99 grows by under 50 ms', async () => {
    const baseline = await pingP99(pinger, 1_500);
    const flood = floodProcess(port, Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`));
    await sleep(300);
    const flooded = await pingP99(pinger, 2_000);
    const refused = await flood.stop();
    expect(refused).toBeGreaterThan(16);
    expect(flooded, `ping p99 ${flooded.toFixed(1)} ms under the flood, ${baseline.toFixed(1)} ms before`).toBeLessThan(baseline + 50);
    expect(cluster.running(1)).toBe(true);
  });

  it('one connection pipelining 10,000 requests of 64 KiB: the tracker stops reading it, its memory stays bounded and another client\'s ping p99 grows by under 50 ms', async () => {
    const pid = cluster.process(1).child.pid as number;
    const owner = await cluster.connect(1);
    const { token } = await signUp(owner, 'flooder');
    const socket = await rawUpgrade(port);
    let replies = '';
    socket.on('data', (data) => (replies += data.toString('latin1')));
    socket.write(textFrame(Buffer.from(JSON.stringify({ id: 1, type: 'resume', token }))));
    await sleep(200);
    expect(replies).toContain('"id":1,"ok":true');
    const baseline = await pingP99(pinger, 1_500);
    const rssBefore = rssMiB(pid);
    // Writes, so each waits for the store: answering is slower than reading.
    const pad = 'x'.repeat(64 * 1024);
    const frames = Array.from({ length: 10_000 }, (_, i) => textFrame(Buffer.from(JSON.stringify({ id: i + 2, type: 'create_group', groupId: `g${i}`, pad }))));
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 20);
    for (const frame of frames) socket.write(frame);
    const flooded = await pingP99(pinger, 2_000);
    await sleep(500);
    clearInterval(sampler);
    socket.destroy();
    expect(peak - rssBefore, `RSS ${rssBefore.toFixed(0)} → peak ${peak.toFixed(0)} MiB`).toBeLessThan(100);
    expect(flooded, `ping p99 ${flooded.toFixed(1)} ms under the flood, ${baseline.toFixed(1)} ms before`).toBeLessThan(baseline + 50);
    expect(cluster.running(1)).toBe(true);
  });
  it('a client that never reads its replies: the tracker stops reading it instead of holding its replies', async () => {
    const pid = cluster.process(1).child.pid as number;
    const owner = await cluster.connect(1);
    const { token } = await signUp(owner, 'sponge');
    // 1,500 groups make each list_groups reply about 100 KiB.
    for (let i = 0; i < 1_500; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => owner.ok('create_group', { groupId: `sg${i + j}` })));
    const socket = await rawUpgrade(port);
    let replies = '';
    const collect = (data: Buffer): void => void (replies += data.toString('latin1'));
    socket.on('data', collect);
    socket.write(textFrame(Buffer.from(JSON.stringify({ id: 1, type: 'resume', token }))));
    await sleep(200);
    expect(replies).toContain('"id":1,"ok":true');
    socket.off('data', collect);
    socket.pause(); // from now on nothing is read: the kernel's buffers fill, then the tracker's
    const rssBefore = rssMiB(pid);
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 20);
    // 5,000 requests whose replies would total about 500 MB.
    for (let i = 0; i < 5_000; i++) socket.write(textFrame(Buffer.from(JSON.stringify({ id: i + 2, type: 'list_groups' }))));
    await sleep(3_000);
    clearInterval(sampler);
    const stillServing = await pingP99(pinger, 300);
    socket.destroy();
    expect(peak - rssBefore, `RSS ${rssBefore.toFixed(0)} → peak ${peak.toFixed(0)} MiB`).toBeLessThan(100);
    expect(stillServing).toBeLessThan(200);
    expect(cluster.running(1)).toBe(true);
  });
});
