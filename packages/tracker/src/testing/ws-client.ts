/**
 * WsClient: one bare client↔tracker WebSocket (docs/protocol.md) for tests and benchmarks. It
 * sends requests, matches replies by id and records pushes. Unlike the engine's TrackerLink it
 * never reconnects, resumes or moves to another tracker, so a test sees exactly what one
 * connection to one tracker saw, including its death; and it is light enough for a benchmark to
 * hold a thousand of them in one process.
 *
 * Requests are typed by the protocol's schemas. Hand-made or broken messages go through
 * `sendRaw`/`sendRawText`/`sendText`, whose replies are the wire's own.
 */
import type { ErrorBody, Push, PushType, Reply, RequestInput, RequestType, Result } from '@groupshare/protocol';
import { WebSocket } from 'ws';
import { nextWake, sleep, wakeAll } from './wait.js';

/** The fields of a request of `type`, without the `id` and `type` the client adds. */
export type RequestFields<T extends RequestType> = Omit<RequestInput<T>, 'id' | 'type'>;

/** The fields argument: optional for requests that need none. */
export type FieldsArg<T extends RequestType> = {} extends RequestFields<T> ? [fields?: RequestFields<T>] : [fields: RequestFields<T>];

/** A reply to a request of `type`, as it came on the wire. */
export type Outcome<T extends RequestType> = { id: number; ok: true; result: Result<T> } | { id: number | null; ok: false; error: ErrorBody };

/** The connection closed before the request was answered (or it was sent on a closed one). */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  readonly code = 'CLOSED';
}

/** A request that had to succeed was refused; `code` is the protocol's (ERR_…). */
export class RequestFailedError extends Error {
  override readonly name = 'RequestFailedError';
  readonly code: string;
  readonly retryAfterMs: number | undefined;

  constructor(type: string, url: string, error: ErrorBody) {
    super(`${type} on ${url} failed: ${error.code} ${error.message}`);
    this.code = error.code;
    this.retryAfterMs = error.retryAfterMs;
  }
}

export interface WsClientOptions {
  /** The WebSocket handshake must finish within this (default 5 s). */
  timeoutMs?: number;
  /** Source address of the connection (any 127.x.y.z on loopback). */
  localAddress?: string;
  /** Extra HTTP headers on the upgrade request. */
  headers?: Record<string, string>;
  /**
   * Keep every push in `pushes` (default true). A benchmark that only counts pushes through
   * `onPush` turns this off, so a long run does not hold them all.
   */
  keepPushes?: boolean;
  /** How many times `ok` asks again after ERR_BUSY before it gives up (default 20). */
  busyRetries?: number;
}

type Waiter = { resolve: (reply: Reply) => void; reject: (err: Error) => void };

export class WsClient {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private readonly wakers = new Set<() => void>();
  private readonly keepPushes: boolean;
  private readonly busyRetries: number;
  /** Every push received, in order (unless `keepPushes` was false). */
  readonly pushes: Push[] = [];
  /** Replies matching no request sent here (a null id: the request was too broken to have one). */
  readonly orphanReplies: Reply[] = [];
  /** Called with every push as it arrives. */
  onPush: (push: Push) => void = () => {};
  /** Set once the socket has closed (1006 for a dropped connection). */
  closeCode: number | undefined;

  private constructor(
    readonly url: string,
    readonly socket: WebSocket,
    options: WsClientOptions,
  ) {
    this.keepPushes = options.keepPushes ?? true;
    this.busyRetries = options.busyRetries ?? 20;
    socket.on('message', (data) => this.onMessage(String(data)));
    socket.on('error', () => {}); // 'close' follows and settles everything
    socket.on('close', (code) => {
      this.closeCode = code;
      for (const [, w] of this.waiting) w.reject(new ConnectionClosedError(`connection to ${url} closed (${code})`));
      this.waiting.clear();
      wakeAll(this.wakers);
    });
  }

  /** Opens `url` (`ws://host:port/ws`); rejects if the tracker does not accept in time. */
  static connect(url: string, options: WsClientOptions = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, {
        handshakeTimeout: options.timeoutMs ?? 5_000,
        // The tracker does not take compression; not offering it keeps the upgrade minimal.
        perMessageDeflate: false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
      });
      socket.once('open', () => resolve(new WsClient(url, socket, options)));
      socket.once('error', reject);
    });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Sends a request; resolves with its reply (ok or not), or rejects with ConnectionClosedError. */
  request<T extends RequestType>(type: T, ...args: FieldsArg<T>): Promise<Outcome<T>> {
    return this.sendRaw({ ...(args[0] as object | undefined), id: this.nextId++, type }) as Promise<Outcome<T>>;
  }

  /**
   * A request that must succeed: resolves with its result, or throws a RequestFailedError. An
   * ERR_BUSY answer (nothing was done) is asked again after the `retryAfterMs` it gives, as a
   * real client does, up to `busyRetries` times.
   */
  async ok<T extends RequestType>(type: T, ...args: FieldsArg<T>): Promise<Result<T>> {
    let reply = await this.request(type, ...args);
    for (let i = 0; i < this.busyRetries && !reply.ok && reply.error.code === 'ERR_BUSY'; i++) {
      await sleep(reply.ok ? 0 : (reply.error.retryAfterMs ?? 200));
      reply = await this.request(type, ...args);
    }
    if (!reply.ok) throw new RequestFailedError(type, this.url, reply.error);
    return reply.result;
  }

  /** A request that must fail: resolves with the error code. */
  async fails<T extends RequestType>(type: T, ...args: FieldsArg<T>): Promise<string> {
    const reply = await this.request(type, ...args);
    if (reply.ok) throw new Error(`${type} on ${this.url} unexpectedly succeeded: ${JSON.stringify(reply.result)}`);
    return reply.error.code;
  }

  /** Sends `message` as JSON (its `id` must be a number) and resolves with that id's reply. */
  sendRaw(message: Record<string, unknown>): Promise<Reply> {
    return this.sendRawText(message.id as number, JSON.stringify(message));
  }

  /** Sends hand-made text carrying request id `id` and resolves with that id's reply. */
  sendRawText(id: number, text: string): Promise<Reply> {
    if (!this.open) return Promise.reject(new ConnectionClosedError(`cannot send request ${id}: connection to ${this.url} is closed`));
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.socket.send(text);
    });
  }

  /** Sends arbitrary text (or bytes) and waits for the next reply with no request to match. */
  async sendText(data: string | Buffer, binary = false, timeoutMs = 5_000): Promise<Reply> {
    const seen = this.orphanReplies.length;
    this.socket.send(data, { binary });
    await this.until(() => this.orphanReplies.length > seen, timeoutMs, () => `no reply to unmatched text from ${this.url}`);
    return this.orphanReplies[seen]!;
  }

  /** Resolves with the first push of `type` whose data matches `match` (already received or arriving). */
  async waitForPush<T extends PushType>(type: T, match: (data: Push<T>['data']) => boolean = () => true, timeoutMs = 5_000): Promise<Push<T>> {
    let found: Push<T> | undefined;
    await this.until(
      () => (found = this.pushes.find((p) => p.push === type && match(p.data as Push<T>['data'])) as Push<T> | undefined) !== undefined,
      timeoutMs,
      () => `no ${type} push from ${this.url} (pushes seen: ${this.pushes.map((p) => p.push).join(', ') || 'none'})`,
    );
    return found!;
  }

  /** Resolves with the close code once the tracker (or the network) has closed the connection. */
  async waitForClose(timeoutMs = 5_000): Promise<number> {
    await this.until(() => this.closeCode !== undefined, timeoutMs, () => `connection to ${this.url} still open`);
    return this.closeCode!;
  }

  /** Closes with the closing handshake. */
  close(): void {
    this.socket.close();
  }

  /** Drops the connection at once (no closing handshake). */
  terminate(): void {
    this.socket.terminate();
  }

  private async until(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`${what()} within ${timeoutMs} ms`);
      await nextWake(this.wakers, remaining);
    }
  }

  private onMessage(text: string): void {
    const message = JSON.parse(text) as Reply | Push;
    if ('push' in message) {
      if (this.keepPushes) this.pushes.push(message);
      this.onPush(message);
      wakeAll(this.wakers);
      return;
    }
    const waiter = message.id === null ? undefined : this.waiting.get(message.id);
    if (waiter) {
      this.waiting.delete(message.id as number);
      waiter.resolve(message);
    } else {
      this.orphanReplies.push(message);
      wakeAll(this.wakers);
    }
  }
}
