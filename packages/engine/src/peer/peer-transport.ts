/**
 * The transport part of a peer connection: the Duplex, the decoder that turns its bytes into
 * frames, the timers (handshake deadline, keep-alive, inactivity), the byte counters, and the
 * one way to close. `PeerConnection` extends it with the protocol; keeping the two apart keeps
 * socket lifecycle questions (who destroys what, which handler may throw) in one place.
 *
 * Guarantees, for any bytes the remote sends: nothing throws out of a socket or timer handler
 * (a throw is a bug, reported as `error`, closing with `ERR_PEER_INTERNAL`); a frame the codec
 * refuses closes with the codec's code; listener exceptions never reach the state machine;
 * `closed` fires exactly once, after which every send is a no-op and the socket is destroyed.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

import { WireDecoder, encodeMessage, encodePieceHeader, type WireFrame, type WireMessage } from '../wire/index.js';
import * as C from './constants.js';
import { readsAreTransient } from './reused-read-socket.js';
import type { PeerCloseInfo } from './errors.js';
import type { PeerConnectionEvents, PeerStats } from './types.js';

/** `handshake`: waiting for the BEP 3 handshake; `extended`: for the BEP 10 one. */
export type PeerConnectionState = 'handshake' | 'extended' | 'open' | 'closed';

/** Timing and size limits of the transport. */
export interface PeerTransportLimits {
  /** Largest frame the decoder accepts. */
  maxFrameBytes: number;
  handshakeTimeoutMs?: number;
  keepAliveMs?: number;
  idleTimeoutMs?: number;
}

/** See the module comment. Subclasses route frames; they never touch the socket. */
export abstract class PeerTransport extends EventEmitter<PeerConnectionEvents> {
  /** Counters, updated in place. */
  readonly stats: PeerStats = { bytesUp: 0, bytesDown: 0, payloadUp: 0, payloadDown: 0, blocksUp: 0, blocksDown: 0, violations: 0 };
  #state: PeerConnectionState = 'handshake';
  #closeInfo: PeerCloseInfo | undefined;
  #started = false;
  #corked = false;
  #timers: { handshake?: NodeJS.Timeout; idle?: NodeJS.Timeout; keepAlive?: NodeJS.Timeout } = {};
  readonly #socket: Duplex;
  readonly #decoder: WireDecoder;
  readonly #limits: PeerTransportLimits;
  /** The socket reads into one reused buffer (reused-read-socket.ts). */
  readonly #transientReads: boolean;

  protected constructor(socket: Duplex, limits: PeerTransportLimits) {
    super();
    this.#socket = socket;
    this.#limits = limits;
    this.#decoder = new WireDecoder({ maxMessageBytes: limits.maxFrameBytes });
    this.#transientReads = readsAreTransient(socket);
  }

  get state(): PeerConnectionState {
    return this.#state;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Why the connection closed, once it has. */
  get closeInfo(): PeerCloseInfo | undefined {
    return this.#closeInfo;
  }

  /** The remote IP address, when the transport is a socket. */
  get remoteAddress(): string | undefined {
    return (this.#socket as Partial<Socket>).remoteAddress;
  }

  /** The remote port, when the transport is a socket. */
  get remotePort(): number | undefined {
    return (this.#socket as Partial<Socket>).remotePort;
  }

  /** Attaches to the socket and starts the timers, then calls {@link onStart}. Idempotent. */
  start(): void {
    if (this.#started || this.closed) return;
    this.#started = true;
    const s = this.#socket;
    s.on('data', (chunk: Buffer) => this.guard(() => this.#onData(chunk)));
    s.on('drain', () => this.guard(() => this.onDrain()));
    s.on('end', () => this.end({ code: 'CLOSED_BY_REMOTE', reason: 'the peer closed the connection' }));
    s.on('close', () => this.end({ code: 'CLOSED_BY_REMOTE', reason: 'the connection was closed' }));
    // Stays attached after close: an unheard 'error' on the socket would crash the process.
    s.on('error', (err: Error) => this.end({ code: 'ERR_PEER_SOCKET', reason: err.message }));
    (s as Partial<Socket>).setNoDelay?.(true); // control messages are tiny; Nagle would delay them
    const handshakeMs = this.#limits.handshakeTimeoutMs ?? C.DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.#timers.handshake = this.#timer(handshakeMs, () =>
      this.end({ code: 'ERR_PEER_HANDSHAKE_TIMEOUT', reason: `the handshakes were not completed within ${handshakeMs} ms` }));
    const idleMs = this.#limits.idleTimeoutMs ?? C.DEFAULT_IDLE_TIMEOUT_MS;
    this.#timers.idle = this.#timer(idleMs, () => this.end({ code: 'ERR_PEER_IDLE', reason: `nothing received for ${idleMs} ms` }));
    if (s.destroyed) return this.end({ code: 'CLOSED_BY_REMOTE', reason: 'the connection was already closed' });
    this.guard(() => this.onStart());
  }

  /** Handles one decoded frame. */
  protected abstract onFrame(frame: WireFrame): void;
  /** The socket was attached: the initiator sends its handshake here. */
  protected abstract onStart(): void;
  /** The socket's write buffer drained: blocks may be sent again. */
  protected abstract onDrain(): void;
  /** The connection is closing (the socket is still there): release everything, emit last words. */
  protected abstract onClosing(): void;

  /** Moves to a new state; `open` ends the handshake deadline and starts keep-alives. */
  protected setState(state: 'extended' | 'open'): void {
    this.#state = state;
    if (state !== 'open') return;
    clearTimeout(this.#timers.handshake);
    const keepAliveMs = this.#limits.keepAliveMs ?? C.DEFAULT_KEEP_ALIVE_MS;
    // Re-armed by every write (see #write), so it only fires after keepAliveMs of our silence.
    this.#timers.keepAlive = this.#timer(keepAliveMs, () => this.send({ type: 'keep_alive' }));
  }

  /**
   * Encodes and writes a message; a no-op once closed. A block is written as is, not copied.
   * `onWritten`: see PeerLink.send (called at once when nothing is written).
   */
  protected send(msg: WireMessage, onWritten?: () => void): void {
    if (this.closed) return onWritten?.();
    if (msg.type === 'piece') {
      this.write(encodePieceHeader(msg.index, msg.begin, msg.block.length));
      this.write(msg.block, onWritten);
    } else {
      this.write(encodeMessage(msg), onWritten);
    }
  }

  /**
   * Writes raw bytes (the handshake); a no-op once closed. Writes of one tick go out together:
   * the socket is corked at the first and uncorked on the next tick, so a burst of requests or
   * of blocks is one writev system call instead of one each.
   */
  protected write(bytes: Uint8Array, onWritten?: () => void): void {
    if (this.closed) return onWritten?.();
    this.stats.bytesUp += bytes.length;
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        if (!this.#corked) return; // already uncorked by end()
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    // Node calls a write's callback when the bytes are written, and with an error when the
    // socket is destroyed first; either way the bytes are no longer needed.
    if (onWritten === undefined) this.#socket.write(bytes);
    else this.#socket.write(bytes, () => onWritten());
    this.#timers.keepAlive?.refresh();
    if (this.#socket.writableLength > C.MAX_SEND_BUFFER_BYTES) {
      this.end({ code: 'ERR_PEER_NOT_READING', reason: `over ${C.MAX_SEND_BUFFER_BYTES} bytes wait unread by the peer` });
    }
  }

  /** False while the socket's write buffer is above its high-water mark. */
  protected canSendBlock(): boolean {
    return !this.#socket.writableNeedDrain;
  }

  /** The one way a connection ends: idempotent, `closed` fires once. */
  protected end(info: PeerCloseInfo): void {
    if (this.closed) return;
    this.#state = 'closed';
    this.#closeInfo = info;
    for (const t of Object.values(this.#timers)) clearTimeout(t);
    try {
      this.onClosing();
    } catch (err) {
      this.fire('error', err);
    }
    if (this.#corked) {
      this.#corked = false;
      this.#socket.uncork(); // last words written this tick still go out
    }
    this.#socket.destroy();
    this.fire('closed', info);
  }

  /** Runs a handler; a throw is a bug: reported, and the connection closed. */
  protected guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fire('error', err);
      this.end({ code: 'ERR_PEER_INTERNAL', reason: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Emits without letting a listener's exception into the state machine or the socket. */
  protected fire<K extends keyof PeerConnectionEvents>(event: K, ...args: PeerConnectionEvents[K]): void {
    if (event === 'error' && this.listenerCount('error') === 0) return; // an unheard 'error' would throw
    try {
      (this.emit as (event: K, ...args: PeerConnectionEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      if (event !== 'error') this.fire('error', err);
    }
  }

  #onData(chunk: Buffer): void {
    if (this.closed) return;
    this.stats.bytesDown += chunk.length;
    this.#timers.idle?.refresh();
    // With transient reads a piece's block is valid only until the next read: every frame is
    // handled synchronously below, and the download copies a block into its piece at once.
    const { frames, error } = this.#decoder.push(chunk, { transient: this.#transientReads });
    for (const frame of frames) {
      if (this.closed) return;
      this.onFrame(frame);
    }
    // Frames before the bad one were handled: a `have` or a block we paid for is not lost.
    if (error !== undefined) this.end({ code: error.code, reason: error.message });
  }

  #timer(ms: number, fn: () => void): NodeJS.Timeout {
    return setTimeout(() => this.guard(fn), ms).unref();
  }
}
