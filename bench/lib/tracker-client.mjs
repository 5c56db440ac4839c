// A bare client↔tracker WebSocket for benchmarks (docs/protocol.md): JSON requests with ids,
// replies matched by id, pushes handed to a callback. Lighter than the engine's TrackerLink (no
// reconnect, resume or retry), so a benchmark sees exactly what one connection saw, and cheap
// enough to hold a thousand of them in one process.
import { WebSocket } from 'ws';

/** A reply with `ok: false`, thrown by {@link TrackerClient.ok}; `code` is the protocol's. */
export class TrackerRequestError extends Error {
  constructor(type, error) {
    super(`${type}: ${error.code} ${error.message}`);
    this.name = 'TrackerRequestError';
    this.code = error.code;
    this.retryAfterMs = error.retryAfterMs;
  }
}

export class TrackerClient {
  #socket;
  #nextId = 1;
  #waiting = new Map();
  /** Called with every push (`{ push, data }`). */
  onPush = () => {};

  constructor(socket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.push !== undefined) return this.onPush(msg);
      const resolve = this.#waiting.get(msg.id);
      this.#waiting.delete(msg.id);
      resolve?.(msg);
    });
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', (code) => {
      for (const resolve of this.#waiting.values()) resolve({ ok: false, error: { code: 'CLOSED', message: `connection closed (${code})` } });
      this.#waiting.clear();
    });
  }

  /** Opens `ws://host:port/ws`, from `localAddress` if given (any 127.x.y.z on loopback). */
  static connect(address, { timeoutMs = 10_000, localAddress } = {}) {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://${address}/ws`, { handshakeTimeout: timeoutMs, perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
      socket.once('open', () => resolve(new TrackerClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request; resolves with the whole reply `{ id, ok, result | error }`, never rejects. */
  request(type, fields = {}) {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      if (this.#socket.readyState !== WebSocket.OPEN) {
        resolve({ id, ok: false, error: { code: 'CLOSED', message: 'connection is closed' } });
        return;
      }
      this.#waiting.set(id, resolve);
      this.#socket.send(JSON.stringify({ id, type, ...fields }));
    });
  }

  /** A request that must succeed: its result, or a {@link TrackerRequestError}. */
  async ok(type, fields) {
    const reply = await this.request(type, fields);
    if (!reply.ok) throw new TrackerRequestError(type, reply.error);
    return reply.result;
  }

  /**
   * {@link ok}, retried while the tracker answers ERR_BUSY (its argon2 queue is full: register
   * and login), after the `retryAfterMs` it asks for.
   */
  async okWhenNotBusy(type, fields, { attempts = 100 } = {}) {
    for (let i = 1; ; i++) {
      try {
        return await this.ok(type, fields);
      } catch (err) {
        if (err.code !== 'ERR_BUSY' || i >= attempts) throw err;
        await new Promise((r) => setTimeout(r, err.retryAfterMs ?? 1000));
      }
    }
  }

  /** Requests sent and not yet answered. */
  get pending() {
    return this.#waiting.size;
  }

  close() {
    this.#socket.close();
  }
}
