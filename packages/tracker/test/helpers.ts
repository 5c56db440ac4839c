/**
 * Test harness: a real tracker on 127.0.0.1 port 0 with a throw-away data directory, and bare
 * WebSocket clients to it (WsClient, the one the package's `testing` entry gives every test).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hashPieces, sha1 } from '@groupshare/protocol';
import { Tracker, type TrackerInit } from '../src/index.js';
import { WsClient } from '../src/testing/index.js';

export interface TestTracker extends AsyncDisposable {
  tracker: Tracker;
  url: string;
  dataDir: string;
  /** A client; `localAddress` picks its source address (any 127.x.y.z on loopback). */
  connect(opts?: { localAddress?: string }): Promise<WsClient>;
  services(): Tracker['services'];
  stop(): Promise<void>;
}

export async function startTestTracker(init: Partial<TrackerInit> = {}): Promise<TestTracker> {
  const dataDir = init.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'groupshare-tracker-')));
  const tracker = await Tracker.create({ trackerNumber: 1, host: '127.0.0.1', port: 0, dataDir, ...init });
  await tracker.start();
  const url = `ws://127.0.0.1:${tracker.port}/ws`;
  const clients: WsClient[] = [];
  const stop = async () => {
    for (const c of clients) c.close();
    await tracker.stop();
    if (!init.dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  return {
    tracker,
    url,
    dataDir,
    async connect(opts) {
      const client = await WsClient.connect(url, opts);
      clients.push(client);
      return client;
    },
    services: () => tracker.services,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Registers and logs in a user with a peer address; returns the logged-in client. */
export async function loggedIn(t: TestTracker, userId: string, peerAddress = '127.0.0.1:6881'): Promise<WsClient> {
  const client = await t.connect();
  await client.ok('register', { userId, password: `${userId}-secret-pw` });
  await client.ok('login', { userId, password: `${userId}-secret-pw`, peerAddress });
  return client;
}

/** The share_file fields for `data` shared as `name`, hashed the way a real peer would. */
export function shareFields(groupId: string, name: string, data: Uint8Array, pieceLength = 16 * 1024) {
  return {
    groupId,
    name,
    size: data.length,
    sha1: sha1(data).toString('hex'),
    pieceLength,
    pieces: hashPieces(data, pieceLength).toString('hex'),
  };
}

/** Deterministic pseudo-random bytes, different for each seed. */
export function testBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A group owned by the first client with every other client accepted as a member. */
export async function groupWith(groupId: string, owner: WsClient, others: Array<[WsClient, string]>): Promise<void> {
  await owner.ok('create_group', { groupId });
  for (const [client, userId] of others) {
    await client.ok('join_group', { groupId });
    await owner.ok('accept_request', { groupId, userId });
  }
}

/**
 * A tracker's usual stage for file tests: alice (peer 127.0.0.1:6001) owns group `lab` and
 * shares `data` as `data.bin`; each of `others` (peers :6002, :6003, …) is a member. Returns the
 * clients by user id and the file as share_file listed it.
 */
export async function labSharing(t: TestTracker, data: Uint8Array, others: readonly string[]) {
  const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
  const members: Record<string, WsClient> = {};
  for (const [i, userId] of others.entries()) members[userId] = await loggedIn(t, userId, `127.0.0.1:${6002 + i}`);
  await groupWith('lab', alice, others.map((u) => [members[u] as WsClient, u]));
  const { file } = await alice.ok('share_file', shareFields('lab', 'data.bin', data));
  return { alice, members, file: file as { infoHash: string } };
}
