/**
 * A fake tracker for TrackerLink tests: a `ws` server on 127.0.0.1 that speaks just enough of
 * the client protocol (ping, login, resume, logout, list_groups, create_group) and can be made
 * to stall, to go silent, to push, to send garbage, and to die abruptly. Trackers built on one
 * FakeCluster share sessions and groups, standing in for replication.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** Any 32 bytes, base64: the fake signs no tickets. */
const FAKE_TICKET_KEY = Buffer.alloc(32, 7).toString('base64');

/** What the trackers of a fake cluster share, as replication would make them. */
export class FakeCluster {
  /** token → user id */
  readonly sessions = new Map<string, string>();
  /** group id → owner */
  readonly groups = new Map<string, string>();
}

/** A request as received, with the number of the connection it came on (1, 2, …). */
export type Received = Record<string, unknown> & { conn: number; type: unknown; id: unknown };

interface SocketState {
  conn: number;
  userId: string | undefined;
  token: string | undefined;
}

export class FakeTracker {
  readonly received: Received[] = [];
  /** Connections accepted so far. */
  connections = 0;
  /** Request types never handled nor answered, so they stay in flight. */
  readonly stall = new Set<string>();
  /** Request types handled (state changes) but never answered, as if the reply was lost. */
  readonly mute = new Set<string>();
  /** Delay before create_group is handled, to catch it in flight. */
  createGroupDelayMs = 0;
  /** Delay before resume is handled, to catch it in flight. */
  resumeDelayMs = 0;
  /** Request types answered ERR_BUSY (retry after 50 ms), each count times, before handled. */
  readonly busy = new Map<string, number>();

  private readonly sockets = new Map<WebSocket, SocketState>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: WebSocketServer,
    private readonly cluster: FakeCluster,
  ) {
    this.port = (server.address() as AddressInfo).port;
    server.on('connection', (ws) => {
      const state: SocketState = { conn: ++this.connections, userId: undefined, token: undefined };
      this.sockets.set(ws, state);
      ws.on('message', (data) => this.handle(ws, state, String(data)));
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('error', () => {});
    });
  }

  /** Listens on 127.0.0.1 at `port` (0: any free port). */
  static async start(cluster: FakeCluster, port = 0): Promise<FakeTracker> {
    const server = new WebSocketServer({ host: '127.0.0.1', port, path: '/ws' });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return new FakeTracker(server, cluster);
  }

  /** Kept after kill(), so a test can still name the dead tracker or listen there again. */
  readonly port: number;

  /** As parseTrackerInfo() would give it. */
  get hostPort(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  /** Requests received on connection `conn` (1-based, in order of acceptance). */
  receivedOn(conn: number): Received[] {
    return this.received.filter((r) => r.conn === conn);
  }

  /** Sends a push to every logged-in connection. */
  push(push: string, data: unknown): void {
    for (const [ws, state] of this.sockets) if (state.userId !== undefined) ws.send(JSON.stringify({ push, data }));
  }

  /** Sends raw text to every connection. */
  sendRaw(text: string): void {
    for (const ws of this.sockets.keys()) ws.send(text);
  }

  /** Stops reading from every connection: the process hangs but its sockets stay open. */
  freeze(): void {
    for (const ws of this.sockets.keys()) ws.pause();
  }

  /** Dies abruptly: every client socket destroyed without a closing handshake, server closed. */
  async kill(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const ws of this.sockets.keys()) ws.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(ws: WebSocket, state: SocketState, text: string): void {
    const msg = JSON.parse(text) as Record<string, unknown>;
    const type = String(msg.type);
    this.received.push({ ...msg, conn: state.conn, type: msg.type, id: msg.id });
    if (this.stall.has(type)) return;
    const answer = (body: object): void => {
      if (!this.mute.has(type) && ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, ...body }));
    };
    const busy = this.busy.get(type) ?? 0;
    if (busy > 0) {
      this.busy.set(type, busy - 1);
      return answer({ ok: false, error: { code: 'ERR_BUSY', message: 'the tracker is busy hashing passwords', retryAfterMs: 50 } });
    }
    const ok = (result: unknown): void => answer({ ok: true, result });
    const fail = (code: string, message: string): void => answer({ ok: false, error: { code, message } });
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const peerAddress = typeof msg.peerAddress === 'string' ? msg.peerAddress : null;
    const needLogin = (): boolean => {
      if (state.userId === undefined) fail('ERR_NOT_LOGGED_IN', 'log in first');
      return state.userId !== undefined;
    };

    switch (type) {
      case 'ping':
        return ok({ now: new Date().toISOString() });
      case 'login': {
        if (state.userId !== undefined) return fail('ERR_ALREADY_LOGGED_IN', 'already logged in');
        if (msg.password === 'wrong') return fail('ERR_BAD_CREDENTIALS', 'wrong user id or password');
        const token = randomBytes(32).toString('base64url');
        const userId = String(msg.userId);
        this.cluster.sessions.set(token, userId);
        Object.assign(state, { userId, token });
        return ok({ userId, token, expiresAt, peerAddress, notices: [], ticketKey: FAKE_TICKET_KEY });
      }
      case 'resume': {
        const run = (): void => {
          if (state.userId !== undefined) return fail('ERR_ALREADY_LOGGED_IN', 'already logged in');
          const userId = this.cluster.sessions.get(String(msg.token));
          if (userId === undefined) return fail('ERR_SESSION_INVALID', 'this session has ended; log in again');
          Object.assign(state, { userId, token: msg.token });
          ok({ userId, expiresAt, peerAddress, notices: [], ticketKey: FAKE_TICKET_KEY });
        };
        return this.later(this.resumeDelayMs, run);
      }
      case 'logout':
        if (!needLogin()) return;
        this.cluster.sessions.delete(state.token as string);
        Object.assign(state, { userId: undefined, token: undefined });
        return ok({});
      case 'list_groups': {
        if (!needLogin()) return;
        const groups = [...this.cluster.groups].map(([groupId, owner]) => ({
          groupId,
          owner,
          memberCount: 1,
          membership: owner === state.userId ? 'owner' : 'none',
        }));
        return ok({ groups });
      }
      case 'create_group': {
        if (!needLogin()) return;
        const run = (): void => {
          const groupId = String(msg.groupId);
          if (this.cluster.groups.has(groupId)) return fail('ERR_GROUP_EXISTS', `group "${groupId}" already exists`);
          this.cluster.groups.set(groupId, state.userId as string);
          ok({ groupId });
        };
        return this.later(this.createGroupDelayMs, run);
      }
      default:
        return fail('ERR_UNKNOWN_TYPE', `unknown message type ${JSON.stringify(type)}`);
    }
  }

  /** Runs `run` now, or after `ms` (cancelled by kill()). */
  private later(ms: number, run: () => void): void {
    if (ms === 0) return run();
    const t = setTimeout(() => {
      this.timers.delete(t);
      run();
    }, ms);
    this.timers.add(t);
  }
}

/** A loopback port with nothing listening on it (just freed). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
