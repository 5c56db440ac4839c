// The fault proxy on pure loopback: an echo server behind it, a raw socket in front.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { chaosSchedule, describeSchedule, runChaos } from './chaos.js';
import { Cleanup } from './cleanup.js';
import { eventually, sleep } from '@groupshare/tracker/testing';
import { TcpProxy } from './tcp-proxy.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** An echo server on a free port; closed at cleanup. */
async function echoServer(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  cleanup.defer(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

async function proxyToEcho(seed = 1): Promise<TcpProxy> {
  const port = await echoServer();
  return cleanup.add(await TcpProxy.start({ target: { host: '127.0.0.1', port }, seed }));
}

/** A client socket through the proxy that collects what comes back and how it ended. */
async function dial(proxy: TcpProxy): Promise<{ socket: net.Socket; received: () => Buffer; error: () => string | undefined }> {
  const socket = net.connect({ host: '127.0.0.1', port: proxy.port });
  const chunks: Buffer[] = [];
  let error: string | undefined;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
  cleanup.defer(() => void socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return { socket, received: () => Buffer.concat(chunks), error: () => error };
}

describe('TcpProxy', () => {
  it('passes bytes both ways', async () => {
    const proxy = await proxyToEcho();
    const c = await dial(proxy);
    c.socket.write('hello');
    await eventually('echo', () => c.received().toString() === 'hello', 2_000);
    expect(proxy.connections).toBe(1);
  });

  it('delays with jitter, one direction only, and keeps the bytes in order', async () => {
    const proxy = await proxyToEcho(7);
    proxy.setFaults({ delayMs: 60, jitterMs: 40 }, 'up');
    expect(proxy.faults('down').delayMs).toBe(0);
    const c = await dial(proxy);
    const sent: string[] = [];
    const started = Date.now();
    for (let i = 0; i < 50; i++) {
      sent.push(`<${i}>`);
      c.socket.write(`<${i}>`);
      await sleep(2); // separate reads, so each gets its own jittered delay
    }
    await eventually('all echoed', () => c.received().length === sent.join('').length, 3_000);
    expect(c.received().toString()).toBe(sent.join(''));
    expect(Date.now() - started).toBeGreaterThanOrEqual(20); // at least delay - jitter
    expect(proxy.stats.delayed).toBeGreaterThan(0);
  });

  it('drops chunks (nothing arrives) and duplicates them (each arrives twice)', async () => {
    const proxy = await proxyToEcho();
    const c = await dial(proxy);
    proxy.setFaults({ dropRate: 1 }, 'up');
    c.socket.write('lost');
    await sleep(100);
    expect(c.received().length).toBe(0);
    expect(proxy.stats.dropped).toBe(1);
    proxy.setFaults({}, 'up');
    proxy.setFaults({ duplicateRate: 1 }, 'down');
    c.socket.write('twice');
    await eventually('duplicate', () => c.received().toString() === 'twicetwice', 2_000);
    expect(proxy.stats.duplicated).toBe(1);
  });

  it('a blackhole holds bytes and new connections; heal delivers them in order', async () => {
    const proxy = await proxyToEcho();
    const c = await dial(proxy);
    proxy.setMode('blackhole');
    c.socket.write('one ');
    const late = await dial(proxy);
    late.socket.write('two');
    await sleep(150);
    expect([c.received().length, late.received().length]).toEqual([0, 0]);
    proxy.heal();
    await eventually('held bytes delivered', () => c.received().toString() === 'one ' && late.received().toString() === 'two', 2_000);
  });

  it('resetConnections sends RST and drops what a delay held; new connections pass', async () => {
    const proxy = await proxyToEcho();
    const c = await dial(proxy);
    proxy.setFaults({ delayMs: 5_000 }, 'up');
    c.socket.write('held in the delay queue');
    await sleep(50);
    expect(proxy.resetConnections()).toBe(1);
    await eventually('client sees the reset', () => c.error() === 'ECONNRESET', 2_000);
    expect(c.received().length).toBe(0);
    proxy.setFaults({});
    const next = await dial(proxy);
    next.socket.write('fresh');
    await eventually('new connection passes', () => next.received().toString() === 'fresh', 2_000);
    expect(proxy.stats.resets).toBe(1);
  });

  it('the same seed makes the same decisions for the same chunks', async () => {
    // One connection per byte: a connection's first read is exactly its one byte, however
    // loaded the machine (writes on one connection may be coalesced into one read).
    const decisions = async (seed: number): Promise<boolean[]> => {
      const proxy = await proxyToEcho(seed);
      proxy.setFaults({ dropRate: 0.5 }, 'up');
      const passed: boolean[] = [];
      for (let i = 0; i < 16; i++) {
        const c = await dial(proxy);
        c.socket.write('x');
        await eventually('echo', () => c.received().length > 0, 150).then(
          () => passed.push(true),
          () => passed.push(false),
        );
        c.socket.destroy();
      }
      return passed;
    };
    const a = await decisions(42);
    expect(await decisions(42)).toEqual(a);
    expect(a).toContain(true);
    expect(a).toContain(false);
  });
});

describe('chaos', () => {
  it('a seed gives one schedule, covering the duration without gaps', () => {
    const one = chaosSchedule(5, { durationMs: 60_000 });
    expect(chaosSchedule(5, { durationMs: 60_000 })).toEqual(one);
    expect(chaosSchedule(6, { durationMs: 60_000 })).not.toEqual(one);
    let at = 0;
    for (const e of one) {
      expect(e.atMs).toBe(at);
      at += e.durationMs;
    }
    expect(at).toBe(60_000);
    const kinds = new Set(one.map((e) => e.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(4);
    expect(one.some((e) => e.resetAtEnd)).toBe(true);
    expect(describeSchedule(one).split('\n')).toHaveLength(one.length);
  });

  it('runChaos plays the episodes on the proxy and heals it at the end', async () => {
    const proxy = await proxyToEcho();
    const c = await dial(proxy);
    const run = runChaos(
      [proxy],
      [
        { kind: 'delay', atMs: 0, durationMs: 100, faults: { delayMs: 30 }, resetAtEnd: true },
        { kind: 'blackhole', atMs: 100, durationMs: 100, faults: {}, resetAtEnd: false },
      ],
    );
    expect(proxy.faults('up').delayMs).toBe(30);
    await eventually('reset after the delay episode', () => c.error() === 'ECONNRESET', 1_000);
    expect(proxy.mode).toBe('blackhole');
    await run.done;
    expect(run.played).toBe(2);
    expect([proxy.mode, proxy.faults('up').delayMs]).toEqual(['pass', 0]);
  });
});
