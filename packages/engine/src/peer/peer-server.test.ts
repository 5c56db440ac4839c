// The peer server on 127.0.0.1: listening itself or taking over a bound server, start/stop,
// connection limits, and upload slots shared by the connections of one file.
import { once } from 'node:events';
import { createServer, connect as netConnect, type Server } from 'node:net';

import { BLOCK_SIZE } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { PeerCloseInfo } from './errors.js';
import type { PeerConnection } from './peer-connection.js';
import { PeerServer } from './peer-server.js';
import { RawPeer, connectTo, nextConnection, options, sharedFile, startServer, type SharedFixture } from '../../test/peer-harness.js';
import { SlotUnchoker } from './unchoker.js';

let fx: SharedFixture;
const cleanup: (() => unknown)[] = [];
beforeEach(async () => {
  fx = await sharedFile(2 * BLOCK_SIZE + 10, 2 * BLOCK_SIZE);
});
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
  await fx.cleanup();
});

const lookup = (h: Buffer) => (h.equals(fx.infoHash) ? fx.seederFile() : undefined);

async function started(extra: Parameters<typeof startServer>[1] = {}): Promise<{ server: PeerServer; port: number }> {
  const s = await startServer(lookup, extra);
  cleanup.push(() => s.server.stop());
  return s;
}

function fetcher(port: number): PeerConnection {
  const conn = connectTo(port, fx.infoHash, fx.fetcherFile());
  cleanup.push(() => conn.close());
  return conn;
}

describe('PeerServer', () => {
  it('takes over a bound net.Server and leaves it listening on stop', async () => {
    const net: Server = createServer();
    await new Promise<void>((resolve) => net.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => net.close(resolve)));
    const server = new PeerServer({ server: net, lookup, connection: options() });
    await Promise.all([server.start(), server.start()]);
    const port = (server.address() as { port: number }).port;
    expect(port).toBe((net.address() as { port: number }).port);

    const conn = fetcher(port);
    await once(conn, 'ready');
    const closed = once(conn, 'closed');
    await server.stop();
    await server.stop();
    await closed;
    expect(server.connections.size).toBe(0);
    expect(net.listening).toBe(true);
    expect(net.listenerCount('connection')).toBe(0);
  });

  it('closes a server it created on stop, and every connection with it', async () => {
    const { server, port } = await started();
    const incoming = nextConnection(server);
    const conn = fetcher(port);
    const serverSide = await incoming;
    await once(conn, 'ready');
    const closed = once(serverSide, 'closed');
    await server.stop();
    expect(((await closed) as [PeerCloseInfo])[0].code).toBe('CLOSED_LOCALLY');
    expect(server.address()).toBeUndefined();
    const refused = netConnect(port, '127.0.0.1');
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
  });

  it('refuses connections over the per-address limit before reading a byte', async () => {
    const { server, port } = await started({ maxPerAddress: 1 });
    const firstConn = nextConnection(server);
    const first = await RawPeer.connect(port);
    cleanup.push(() => first.destroy());
    const serverSide = await firstConn;
    const turnedAway = once(server, 'turnedAway');
    const second = await RawPeer.connect(port);
    const [info] = (await turnedAway) as [{ address: string; reason: string }];
    expect(info.address).toBe('127.0.0.1');
    expect(info.reason).toMatch(/limit of 1 connections from 127\.0\.0\.1/);
    await second.closed;
    expect(server.connections.size).toBe(1);
    // The slot is freed when the first one leaves: the next connection is accepted.
    const left = once(serverSide, 'closed');
    first.destroy();
    await left;
    const thirdConn = nextConnection(server);
    const third = await RawPeer.connect(port);
    cleanup.push(() => third.destroy());
    expect((await thirdConn).state).toBe('handshake');
    expect(server.connections.size).toBe(1);
  });

  it('refuses connections over the total limit', async () => {
    const { server, port } = await started({ maxConnections: 2 });
    const turnedAway = once(server, 'turnedAway');
    const peers = await Promise.all([1, 2, 3].map(() => RawPeer.connect(port)));
    cleanup.push(() => peers.forEach((p) => p.destroy()));
    expect(((await turnedAway) as [{ reason: string }])[0].reason).toMatch(/limit of 2 connections is reached/);
    expect(server.connections.size).toBe(2);
  });

  it('needs a server or a port', () => {
    expect(() => new PeerServer({ lookup, connection: options() })).toThrow(RangeError);
  });
});

describe('upload slots', () => {
  it('a SlotUnchoker(1) unchokes one interested fetcher at a time, the next when it leaves', async () => {
    const unchoker = new SlotUnchoker(1);
    const { port } = await started({ lookup: (h) => (h.equals(fx.infoHash) ? { ...fx.seederFile(), unchoker } : undefined) });
    const first = fetcher(port);
    first.setInterested(true);
    await once(first, 'peerChoking');
    const second = fetcher(port);
    second.setInterested(true);
    await once(second, 'ready');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(second.peerChoking).toBe(true);
    expect(unchoker).toMatchObject({ unchoked: 1, waiting: 1 });

    const unchoked = once(second, 'peerChoking');
    first.close();
    expect(await unchoked).toEqual([false]);
    second.request(0, 0, BLOCK_SIZE);
    await once(second, 'block');
    second.setInterested(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(second.peerChoking).toBe(true); // not interested: choked, slot returned
    expect(unchoker).toMatchObject({ unchoked: 0, waiting: 0 });
  });
});
