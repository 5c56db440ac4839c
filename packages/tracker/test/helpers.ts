/**
 * Test harness: a real tracker on 127.0.0.1 port 0 with a throw-away data directory, and a
 * minimal WebSocket client that sends requests, matches replies by id and records pushes.
 */
import type { Push, PushType, RequestInput, RequestType } from '@groupshare/protocol';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { hashPieces, sha1 } from '@groupshare/protocol';
import { Tracker, type TrackerInit } from '../src/index.js';

export interface TestTracker extends AsyncDisposable {
  tracker: Tracker;
  url: string;
  dataDir: string;
  /** A client; `localAddress` picks its source address (any 127.x.y.z on loopback). */
  connect(opts?: { localAddress?: string }): Promise<TestClient>;
  services(): Tracker['services'];
  stop(): Promise<void>;
}

export async function startTestTracker(init: Partial<TrackerInit> = {}): Promise<TestTracker> {
  const dataDir = init.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'groupshare-tracker-')));
  const tracker = await Tracker.create({ trackerNumber: 1, host: '127.0.0.1', port: 0, dataDir, ...init });
  await tracker.start();
  const url = `ws://127.0.0.1:${tracker.port}/ws`;
  const clients: TestClient[] = [];
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
      const client = await TestClient.connect(url, opts);
      clients.push(client);
      return client;
    },
    services: () => tracker.services,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

export type Reply = { id: number | null; ok: true; result: any } | { id: number | null; ok: false; error: { code: string; message: string; retryAfterMs?: number } };

export class TestClient {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  readonly pushes: Push[] = [];
  /** Replies with a null id (unparseable requests), in arrival order. */
  readonly orphanReplies: Reply[] = [];
  private pushWaiters: Array<() => void> = [];
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Reply | Push;
      if ('push' in message) {
        this.pushes.push(message);
        for (const wake of this.pushWaiters.splice(0)) wake();
      } else if (message.id !== null && this.waiting.has(message.id)) {
        this.waiting.get(message.id)!(message);
        this.waiting.delete(message.id);
      } else {
        this.orphanReplies.push(message);
        for (const wake of this.pushWaiters.splice(0)) wake();
      }
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      for (const wake of this.pushWaiters.splice(0)) wake();
    });
  }

  static connect(url: string, opts: { localAddress?: string; headers?: Record<string, string> } = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { ...(opts.localAddress ? { localAddress: opts.localAddress } : {}), ...(opts.headers ? { headers: opts.headers } : {}) });
      socket.once('open', () => resolve(new TestClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request and resolves with its reply, ok or not. */
  send<T extends RequestType>(type: T, fields: Omit<RequestInput<T>, 'id' | 'type'> = {} as never): Promise<Reply> {
    return this.sendRaw({ ...fields, id: this.nextId++, type });
  }

  /** Sends a request that must succeed and resolves with its result. */
  async ok<T extends RequestType>(type: T, fields: Omit<RequestInput<T>, 'id' | 'type'> = {} as never): Promise<any> {
    const reply = await this.send(type, fields);
    if (!reply.ok) throw new Error(`${type} failed: ${reply.error.code} ${reply.error.message}`);
    return reply.result;
  }

  /** Sends a request that must fail and resolves with its error code. */
  async fails<T extends RequestType>(type: T, fields: Omit<RequestInput<T>, 'id' | 'type'> = {} as never): Promise<string> {
    const reply = await this.send(type, fields);
    if (reply.ok) throw new Error(`${type} unexpectedly succeeded: ${JSON.stringify(reply.result)}`);
    return reply.error.code;
  }

  sendRaw(message: Record<string, unknown>): Promise<Reply> {
    return this.sendRawText(message.id as number, JSON.stringify(message));
  }

  /** Sends hand-made text carrying request id `id` and resolves with that id's reply. */
  sendRawText(id: number, text: string): Promise<Reply> {
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.send(text);
    });
  }

  /** Sends arbitrary text (or bytes) and waits for the next reply with a null id. */
  async sendText(data: string | Buffer, binary = false): Promise<Reply> {
    const seen = this.orphanReplies.length;
    this.socket.send(data, { binary });
    await this.until(() => this.orphanReplies.length > seen);
    return this.orphanReplies[seen]!;
  }

  async waitForPush<T extends PushType>(type: T, match: (p: Extract<Push, { push: T }>) => boolean = () => true, timeoutMs = 5_000): Promise<Extract<Push, { push: T }>> {
    let found: Extract<Push, { push: T }> | undefined;
    await this.until(() => {
      found = this.pushes.find((p): p is Extract<Push, { push: T }> => p.push === type && match(p as Extract<Push, { push: T }>));
      return found !== undefined;
    }, timeoutMs);
    return found!;
  }

  async waitForClose(timeoutMs = 5_000): Promise<number> {
    await this.until(() => this.closeCode !== undefined, timeoutMs);
    return this.closeCode!;
  }

  close(): void {
    this.socket.close();
  }

  private async until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.closeCode !== undefined && !condition()) {
        if (Date.now() > deadline) throw new Error('timed out');
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('timed out waiting');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 200));
        this.pushWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Registers and logs in a user with a peer address; returns the logged-in client. */
export async function loggedIn(t: TestTracker, userId: string, peerAddress = '127.0.0.1:6881'): Promise<TestClient> {
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
export async function groupWith(groupId: string, owner: TestClient, others: Array<[TestClient, string]>): Promise<void> {
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
  const members: Record<string, TestClient> = {};
  for (const [i, userId] of others.entries()) members[userId] = await loggedIn(t, userId, `127.0.0.1:${6002 + i}`);
  await groupWith('lab', alice, others.map((u) => [members[u] as TestClient, u]));
  const { file } = await alice.ok('share_file', shareFields('lab', 'data.bin', data));
  return { alice, members, file: file as { infoHash: string } };
}
