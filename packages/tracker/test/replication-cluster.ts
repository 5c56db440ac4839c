/**
 * Test harness for the replication transport: trackers made of a fastify app with
 * @fastify/websocket (the production route, `registerReplicationRoute`), a MemoryReplicaStore
 * and a ReplicationLinks, on 127.0.0.1 with port 0. Servers listen before any manager exists,
 * because every manager needs every tracker's address; the route forwards to whichever manager
 * the tracker has now, which also lets a test "restart" a manager on the same port.
 */
import websocket from '@fastify/websocket';
import { MAX_MESSAGE_BYTES, type TrackerAddress } from '@groupshare/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { createServer } from 'node:net';
import pino from 'pino';
import { CloseCode } from '../src/replication/constants.js';
import { MemoryReplicaStore } from './memory-replica-store.js';
import type { PeerLinkStatus, ReplicationLog } from '../src/replication/peer-link.js';
import { ReplicationLinks, registerReplicationRoute, type ReplicationLinksInit } from '../src/replication/peer-links.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface LinkEvent {
  type: 'live' | 'closed';
  status: PeerLinkStatus;
  code?: number;
}

export interface TestTracker {
  n: number;
  store: MemoryReplicaStore;
  app: FastifyInstance;
  address: TrackerAddress;
  links: ReplicationLinks | undefined;
  events: LinkEvent[];
  lines: LogLine[];
  log: ReplicationLog;
}

export type LinksOptions = Partial<Omit<ReplicationLinksInit, 'me' | 'store' | 'log'>>;

/** Fast redials for tests that are not about backoff. */
export const FAST_BACKOFF = { initialMs: 20, maxMs: 200 };
export const SECRET = 'test cluster secret';

/** A pino logger (debug and up) that keeps its lines in memory. */
export function memoryLogger(lines: LogLine[]): ReplicationLog {
  return pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
}

/** Starts `count` trackers' servers (no links yet); `stopAll` closes everything they own. */
export async function startServers(count: number): Promise<TestTracker[]> {
  const trackers: TestTracker[] = [];
  for (let n = 1; n <= count; n++) {
    const app = Fastify();
    await app.register(websocket, { options: { maxPayload: MAX_MESSAGE_BYTES } });
    const lines: LogLine[] = [];
    const tracker: TestTracker = { n, store: new MemoryReplicaStore(n), app, address: { host: '127.0.0.1', port: 0, lineNumber: n }, links: undefined, events: [], lines, log: memoryLogger(lines) };
    // A tracker whose links are not running turns replication sockets away.
    registerReplicationRoute(app, {
      attach: (socket, remote) => (tracker.links ? tracker.links.attach(socket, remote) : socket.close(CloseCode.GOING_AWAY, 'not running')),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    tracker.address = { host: '127.0.0.1', port: addr.port, lineNumber: n };
    trackers.push(tracker);
  }
  return trackers;
}

/** Creates and starts a manager for `t` (replacing t.links; the old one is not stopped). */
export function startLinks(t: TestTracker, all: readonly TestTracker[], opts: LinksOptions = {}): ReplicationLinks {
  const links = new ReplicationLinks({
    me: t.n,
    trackers: all.map((x) => x.address),
    secret: SECRET,
    backoff: FAST_BACKOFF,
    store: t.store,
    log: t.log,
    ...opts,
  });
  links.on('live', (status) => t.events.push({ type: 'live', status }));
  links.on('closed', (status, code) => t.events.push({ type: 'closed', status, code }));
  t.links = links;
  links.start();
  return links;
}

export async function stopAll(trackers: readonly TestTracker[]): Promise<void> {
  await Promise.all(trackers.map((t) => t.links?.stop()));
  await Promise.all(trackers.map((t) => t.app.close()));
}

/** A TCP port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

/** Polls `cond` every 10 ms until it holds, or fails after `timeoutMs` saying what it awaited. */
export async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `origin:seq` of each op in a store's log, in log order. */
export function ids(store: MemoryReplicaStore): string[] {
  return store.log.map((op) => `${op.origin}:${op.seq}`);
}

/** True if all stores hold the same ops (any order) and equal vectors. */
export function converged(...stores: MemoryReplicaStore[]): boolean {
  const [first, ...rest] = stores.map((s) => ({ ids: ids(s).sort().join(','), vector: JSON.stringify(Object.entries(s.vectorNow()).sort()) }));
  return rest.every((x) => x.ids === first?.ids && x.vector === first.vector);
}
