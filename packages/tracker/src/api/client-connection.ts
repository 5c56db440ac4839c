/**
 * One connected client: its socket, its session once logged in, and an in-order request queue
 * (a client may pipeline; replies still come in request order, which keeps clients simple).
 */
import type { WebSocket } from 'ws';
import { escapeInvisible, type Push, type Reply } from '@groupshare/protocol';
import { requestByteLimit, setFrameLimit } from './frame-guard.js';

export interface ConnectionSession {
  userId: string;
  /** The HLC of the registration this user logged in under (ops carry it: apply.ts). */
  account: string;
  tokenHash: string;
  /** Where this client serves pieces, as other peers should dial it; null if it does not serve. */
  peerAddress: string | null;
  /** Epoch ms after which the session is over, even on a connection that is still open. */
  expiresAtMs: number;
}

let nextConnectionId = 1;

export class ClientConnection {
  readonly id = nextConnectionId++;
  private current: ConnectionSession | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    /** The client's IP as seen by the tracker (IPv4-mapped IPv6 unwrapped). */
    readonly remoteAddress: string,
    /**
     * The host other peers should dial to reach this client: `remoteAddress`, or the address a
     * trusted proxy forwarded for it (`--trust-proxy`). Never what the client says it is.
     */
    readonly peerHost: string = remoteAddress,
  ) {
    setFrameLimit(socket, requestByteLimit(false));
  }

  get session(): ConnectionSession | null {
    return this.current;
  }

  /** Logging in raises the largest frame the socket accepts; logging out lowers it again (frame-guard.ts). */
  set session(session: ConnectionSession | null) {
    this.current = session;
    setFrameLimit(this.socket, requestByteLimit(session !== null));
  }

  /** The largest request this connection may send now. */
  get maxRequestBytes(): number {
    return requestByteLimit(this.current !== null);
  }

  /** Runs `task` after every task enqueued before it. */
  enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task, task);
    return this.queue;
  }

  /**
   * Sends the reply; resolves once it is written to the kernel (or the socket is gone). A client
   * that does not read its replies therefore keeps its requests in flight (flow-control.ts), and
   * its socket stops being read, instead of its replies piling up in this process.
   */
  reply(reply: Reply): Promise<void> {
    // A last guard: no error message carries raw control or bidi characters back, whatever
    // part of the client's input it quotes.
    if (!reply.ok) reply = { ...reply, error: { ...reply.error, message: escapeInvisible(reply.error.message) } };
    if (!this.open) return Promise.resolve();
    return new Promise((resolve) => this.socket.send(JSON.stringify(reply), () => resolve()));
  }

  push(push: Push): void {
    this.send(push);
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  private send(message: unknown): void {
    if (this.open) this.socket.send(JSON.stringify(message));
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1`; the form other peers can dial. */
export function normaliseRemoteAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
