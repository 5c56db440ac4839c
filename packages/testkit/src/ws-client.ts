/**
 * WsClient: a bare client↔tracker WebSocket for tests: sends requests, matches replies by id,
 * records pushes. Unlike the engine's TrackerLink it never reconnects, resumes or retries, so a
 * test sees exactly what one connection to one tracker saw, including its death.
 *
 * Not the tracker package's test `TestClient`: that file imports the tracker's sources by
 * relative path, which this package must not do (packages meet only through their exports).
 * This one is typed by the protocol's schemas instead of `any`.
 */
import type { RequestFields } from '@groupshare/engine';
import type { ErrorBody, Push, PushType, RequestType, Result } from '@groupshare/protocol';
import { WebSocket } from 'ws';
import { nextWake } from './bins.js';

export type Outcome<T extends RequestType> = { ok: true; result: Result<T> } | { ok: false; error: ErrorBody };

/** The connection closed before the request was answered (or it was sent on a closed one). */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
}

export class WsClient {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (reply: Outcome<RequestType>) => void; reject: (err: Error) => void }>();
  private readonly wakers = new Set<() => void>();
  /** Every push received, in order. */
  readonly pushes: Push[] = [];
  /** Set once the socket has closed (code 1006 for a dropped connection). */
  closeCode: number | undefined;

  private constructor(
    readonly url: string,
    private readonly socket: WebSocket,
  ) {
    socket.on('message', (data) => this.onMessage(String(data)));
    socket.on('error', () => {}); // 'close' follows and settles everything
    socket.on('close', (code) => {
      this.closeCode = code;
      for (const [, w] of this.waiting) w.reject(new ConnectionClosedError(`connection to ${url} closed (${code})`));
      this.waiting.clear();
      this.wake();
    });
  }

  /** Opens `ws://host:port/ws`; rejects if the tracker does not accept within `timeoutMs`. */
  static connect(url: string, timeoutMs = 5_000): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
      socket.once('open', () => resolve(new WsClient(url, socket)));
      socket.once('error', reject);
    });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends a request; resolves with its reply, or rejects with ConnectionClosedError. */
  request<T extends RequestType>(type: T, ...args: {} extends RequestFields<T> ? [fields?: RequestFields<T>] : [fields: RequestFields<T>]): Promise<Outcome<T>> {
    if (!this.open) return Promise.reject(new ConnectionClosedError(`cannot send ${type}: connection to ${this.url} is closed`));
    const id = this.nextId++;
    return new Promise<Outcome<T>>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (reply: Outcome<RequestType>) => void, reject });
      this.socket.send(JSON.stringify({ ...(args[0] as object | undefined), id, type }));
    });
  }

  /**
   * A request that must succeed: resolves with its result. An ERR_BUSY answer (nothing was done)
   * is asked again after the `retryAfterMs` it gives, as a real client does, a few times.
   */
  async ok<T extends RequestType>(type: T, ...args: {} extends RequestFields<T> ? [fields?: RequestFields<T>] : [fields: RequestFields<T>]): Promise<Result<T>> {
    let reply = await this.request(type, ...args);
    for (let i = 0; i < 20 && !reply.ok && reply.error.code === 'ERR_BUSY'; i++) {
      await new Promise((r) => setTimeout(r, reply.ok ? 0 : (reply.error.retryAfterMs ?? 200)));
      reply = await this.request(type, ...args);
    }
    if (!reply.ok) throw new Error(`${type} on ${this.url} failed: ${reply.error.code} ${reply.error.message}`);
    return reply.result;
  }

  /** A request that must fail: resolves with the error code. */
  async fails<T extends RequestType>(type: T, ...args: {} extends RequestFields<T> ? [fields?: RequestFields<T>] : [fields: RequestFields<T>]): Promise<string> {
    const reply = await this.request(type, ...args);
    if (reply.ok) throw new Error(`${type} on ${this.url} unexpectedly succeeded: ${JSON.stringify(reply.result)}`);
    return reply.error.code;
  }

  /** Resolves with the first push of `type` matching `match` (already received or arriving). */
  async waitForPush<T extends PushType>(type: T, match: (data: Push<T>['data']) => boolean = () => true, timeoutMs = 5_000): Promise<Push<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.pushes.find((p) => p.push === type && match(p.data as Push<T>['data']));
      if (found) return found as Push<T>;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const seen = this.pushes.map((p) => p.push).join(', ') || 'none';
        throw new Error(`no ${type} push from ${this.url} within ${timeoutMs} ms (pushes seen: ${seen})`);
      }
      await nextWake(this.wakers, remaining);
    }
  }

  /** Drops the connection at once (no closing handshake). */
  terminate(): void {
    this.socket.terminate();
  }

  private onMessage(text: string): void {
    const message = JSON.parse(text) as { id?: number | null; ok?: boolean; result?: unknown; error?: ErrorBody } | Push;
    if ('push' in message) {
      this.pushes.push(message);
      this.wake();
      return;
    }
    const waiter = typeof message.id === 'number' ? this.waiting.get(message.id) : undefined;
    if (!waiter) return;
    this.waiting.delete(message.id as number);
    waiter.resolve(message.ok ? { ok: true, result: message.result as Result<RequestType> } : { ok: false, error: message.error as ErrorBody });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
