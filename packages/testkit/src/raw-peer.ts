/**
 * RawPeer: a hand-driven BitTorrent wire endpoint for tests against a real client process. It
 * sends exactly the frames a test asks for (no admission, no ticket unless given) and records
 * every frame it receives, so a test can assert what a misbehaving or unauthorised peer got.
 * Built on the engine's exported wire codec, the same one the client speaks.
 */
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';

import {
  WireDecoder, createPeerId, encodeHandshake, encodeMessage, extendedHandshakeMessage, type ExtendedHandshakeInit,
  type WireFrame, type WireMessage,
} from '@groupshare/engine';

export class RawPeer implements AsyncDisposable {
  readonly frames: WireFrame[] = [];
  readonly closed: Promise<void>;
  private readonly decoder = new WireDecoder();
  private readonly wakers = new Set<() => void>();
  private readonly listeners: Array<(f: WireFrame) => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        const { frames } = this.decoder.push(chunk);
        this.frames.push(...frames);
        for (const f of frames) for (const listener of this.listeners) listener(f);
      } catch {
        socket.destroy(); // what the client sent does not parse: the test sees a closed connection
      }
      this.wake();
    });
    socket.on('error', () => {}); // a reset is an outcome the test looks at via `closed`
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.wake();
      resolve();
    }));
  }

  /** Connects to `address` (`host:port`). */
  static async connect(address: string): Promise<RawPeer> {
    const at = address.lastIndexOf(':');
    const socket = netConnect(Number(address.slice(at + 1)), address.slice(0, at));
    await once(socket, 'connect');
    return new RawPeer(socket);
  }

  /**
   * Wraps a socket a client dialled to a test's own server (the far end of a connection the
   * client opened), so the test can play the peer being dialled: a seeder, honest or not.
   */
  static accept(socket: Socket): RawPeer {
    return new RawPeer(socket);
  }

  /** Calls `listener` with each frame as it arrives (after it is recorded in `frames`). */
  onFrame(listener: (f: WireFrame) => void): void {
    this.listeners.push(listener);
  }

  /** The BEP 3 handshake, then (when `ext` is given) a BEP 10 extended handshake carrying it. */
  handshake(infoHash: Uint8Array, ext?: ExtendedHandshakeInit): void {
    this.socket.write(encodeHandshake({ infoHash, peerId: createPeerId(), fast: true, extended: ext !== undefined }));
    if (ext !== undefined) this.send(extendedHandshakeMessage(ext));
  }

  /** Bytes waiting in the socket's send buffer (the remote is not reading, or is gone). */
  get unsent(): number {
    return this.socket.writableLength;
  }

  /** Bytes as they are, e.g. a frame no encoder would produce. */
  writeRaw(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** True once the connection has closed. */
  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.closed;
  }

  send(...messages: WireMessage[]): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.concat(messages.map(encodeMessage)));
  }

  /** Types of the frames received so far. */
  types(): string[] {
    return this.frames.map((f) => f.type);
  }

  /** Resolves once a frame matching `pred` has arrived (true), or the connection closed or `timeoutMs` passed (false). */
  async waitFor(pred: (f: WireFrame) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let closed = false;
    void this.closed.then(() => (closed = true));
    while (!this.frames.some(pred)) {
      if (closed || Date.now() >= deadline) return this.frames.some(pred);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.wakers.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await Promise.resolve(); // let `closed` settle first
    }
    return true;
  }

  destroy(): void {
    this.socket.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.destroy();
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
    this.wakers.clear();
  }
}
