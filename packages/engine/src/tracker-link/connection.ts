/**
 * One WebSocket to one tracker: the transport under TrackerLink. It opens with a deadline,
 * numbers requests and routes each reply to its callback, pings to notice a tracker that hangs
 * without closing, and reports its end exactly once. It knows nothing about sessions, queues or
 * other trackers; TrackerLink decides what a broken connection means.
 */
import { MAX_MESSAGE_BYTES, type Push } from '@groupshare/protocol';
import type { RawData, WebSocket } from 'ws';
import * as C from './constants.js';
import { parseFrame, type IncomingFrame } from './frames.js';

/** A tracker as events name it: its number in tracker_info.txt (1-based) and `host:port`. */
export interface TrackerRef {
  tracker: number;
  address: string;
}

/** A frame that answers a request. */
export type Reply = Extract<IncomingFrame, { kind: 'success' | 'failure' | 'badReply' }>;

export interface TrackerConnectionInit {
  ref: TrackerRef;
  WebSocketImpl: typeof WebSocket;
  connectTimeoutMs: number;
  heartbeatMs: number;
  now: () => number;
  /** Request ids, shared by all connections of a link so they never repeat in tracker logs. */
  nextId: () => number;
  onOpen: () => void;
  onPush: (push: Push) => void;
  /** A frame was not understood and was dropped. */
  onBadFrame: (reason: string) => void;
  /** Called once when the connection ends (never after stop()), whether it opened or not. */
  onClose: (reason: string) => void;
  /** Whatever a handler throws goes here instead of into ws. */
  onError: (err: unknown) => void;
}

export class TrackerConnection {
  readonly ref: TrackerRef;
  /** When the socket opened (init.now()), or undefined if it never did. */
  openedAt: number | undefined;
  private readonly init: TrackerConnectionInit;
  private ws: WebSocket | undefined;
  private ended = false;
  /** Replies awaited, by request id. */
  private readonly awaiting = new Map<number, (reply: Reply) => void>();
  /** Ids given up on (timed out); their late replies are dropped quietly. */
  private readonly expired = new Set<number>();
  /** Whether anything (a message, a pong) arrived since the last heartbeat. */
  private alive = true;
  /** Why it failed, once known: the socket's `error` comes before its `close`. */
  private reason: string | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(init: TrackerConnectionInit) {
    this.init = init;
    this.ref = init.ref;
  }

  get isOpen(): boolean {
    return !this.ended && this.ws !== undefined && this.ws.readyState === this.ws.OPEN;
  }

  /** Opens `ws://host:port/ws`. Failure, now or later, is reported through onClose. */
  start(): void {
    let ws: WebSocket;
    try {
      ws = new this.init.WebSocketImpl(`ws://${this.ref.address}/ws`, { maxPayload: MAX_MESSAGE_BYTES });
    } catch (err) {
      this.end(errorText(err));
      return;
    }
    this.ws = ws;
    this.connectTimer = setTimeout(
      this.guard(() => this.close(`no connection within ${this.init.connectTimeoutMs} ms`)),
      this.init.connectTimeoutMs,
    );
    ws.on('open', this.guard(() => this.onOpen()));
    ws.on('message', this.guard((data: RawData, isBinary: boolean) => this.onMessage(data, isBinary)));
    ws.on('pong', () => {
      this.alive = true;
    });
    // Reported by the 'close' that always follows; having a listener also keeps ws from throwing.
    ws.on('error', (err: Error) => {
      this.reason ??= errorText(err);
    });
    ws.on('close', this.guard((code: number, reason: Buffer) => this.end(this.reason ?? closeText(code, reason))));
  }

  /**
   * Sends `{ ...fields, id, type }` and calls `onReply` with the answer. Returns the id, or
   * undefined when the socket is not open (its end is then being reported). Throws only if
   * `fields` cannot be encoded as JSON.
   */
  send(type: string, fields: Record<string, unknown>, onReply: (reply: Reply) => void): number | undefined {
    if (!this.isOpen) return undefined;
    const id = this.init.nextId();
    const text = JSON.stringify({ ...fields, id, type });
    this.awaiting.set(id, onReply);
    (this.ws as WebSocket).send(text);
    return id;
  }

  /** Stops waiting for the reply to `id`; a late one is then dropped without a badFrame. */
  forget(id: number): void {
    if (this.awaiting.delete(id)) this.expired.add(id);
  }

  /** Gives up on the connection now (a timeout, a refused resume) and reports onClose at once. */
  close(reason: string): void {
    if (this.ended) return;
    this.reason = reason;
    this.ws?.terminate();
    this.end(reason);
  }

  /** Closes politely without reporting onClose; resolves when the socket is closed. */
  stop(): Promise<void> {
    const ws = this.ws;
    this.ended = true;
    this.clearTimers();
    this.awaiting.clear();
    if (ws === undefined || ws.readyState === ws.CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // A tracker that does not finish the closing handshake promptly is cut off.
      const cutoff = setTimeout(() => ws.terminate(), C.CLOSE_GRACE_MS);
      ws.once('close', () => {
        clearTimeout(cutoff);
        resolve();
      });
      if (ws.readyState === ws.OPEN) ws.close(1000, 'client stopping');
      else ws.terminate();
    });
  }

  private onOpen(): void {
    if (this.ended) return;
    clearTimeout(this.connectTimer);
    this.openedAt = this.init.now();
    this.heartbeat = setInterval(this.guard(() => this.beat()), this.init.heartbeatMs);
    this.init.onOpen();
  }

  private beat(): void {
    if (this.ended) return;
    if (!this.alive) {
      this.close(`no answer to pings for ${this.init.heartbeatMs} ms`);
      return;
    }
    this.alive = false;
    this.ws?.ping();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    this.alive = true;
    const frame = parseFrame(isBinary ? null : rawText(data));
    switch (frame.kind) {
      case 'invalid':
        this.init.onBadFrame(frame.reason);
        return;
      case 'push':
        this.init.onPush(frame.push);
        return;
      default: {
        if (frame.id === null) {
          const why = frame.kind === 'failure' ? `${frame.error.code}: ${frame.error.message}` : 'no id';
          this.init.onBadFrame(`the tracker refused a message it could not match to a request (${why})`);
          return;
        }
        const handler = this.awaiting.get(frame.id);
        if (handler === undefined) {
          if (!this.expired.delete(frame.id)) this.init.onBadFrame(`reply to unknown request id ${frame.id}`);
          return;
        }
        this.awaiting.delete(frame.id);
        handler(frame);
      }
    }
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimers();
    this.awaiting.clear();
    this.init.onClose(reason);
  }

  private clearTimers(): void {
    clearTimeout(this.connectTimer);
    clearInterval(this.heartbeat);
  }

  private guard<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (err) {
        this.init.onError(err);
      }
    };
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    // Node reports a failed dual-stack connect as an AggregateError with an empty message.
    return err.message || (err as NodeJS.ErrnoException).code || err.name;
  }
  return String(err);
}

function closeText(code: number, reason: Buffer): string {
  if (code === 1006) return 'connection lost';
  const text = reason.toString('utf8').slice(0, 120);
  return `closed by the tracker (code ${code}${text ? `: ${text}` : ''})`;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
