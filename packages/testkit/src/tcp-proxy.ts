/**
 * TcpProxy: a TCP forwarder on 127.0.0.1 that a test can turn into a network fault. Put it
 * between two processes (give one of them the proxy's address instead of the other's) and
 * switch its mode, or its per-direction faults, while they talk:
 *
 * | mode        | existing connections                        | new connections                           |
 * | ----------- | ------------------------------------------- | ----------------------------------------- |
 * | `pass`      | bytes flow both ways (through the faults)   | accepted, connected to the target         |
 * | `blackhole` | held open, nothing flows either way         | accepted and held, not connected onwards  |
 * | `reset`     | destroyed with RST on both sides            | accepted and reset at once                |
 *
 * A blackhole is a silent partition: no FIN, no RST, nothing arrives, so only time-outs and
 * heartbeats can notice it. Bytes sent meanwhile are *held*, not dropped: the proxy stops
 * reading (flow control then backs up into the sender's kernel buffers), and `heal()` lets
 * them through in order, as TCP retransmission would after a real network heals.
 *
 * `reset` is a loud partition: peers see ECONNRESET at once. New connections are accepted by
 * the kernel before the proxy can refuse them (a user-space listener cannot answer a SYN with
 * RST without giving up its port), so a dialer sees its connect succeed and then the reset.
 * `resetConnections()` is the one-shot version: RST for the connections open now, new ones pass.
 *
 * Faults (`setFaults`, per direction: `up` is dialer → target, `down` the answers):
 * - `delayMs` ± `jitterMs`: each chunk read is written that much later, but never before the
 *   chunk read ahead of it, so bytes keep their order within a connection as TCP's do.
 *   Messages are reordered only across connections: a reset discards what the proxy holds,
 *   and the sender resends it on its next connection, after newer messages on other routes.
 * - `dropRate` / `duplicateRate`: a chunk (whatever one `read` returned: part of a message,
 *   or several) is left out or written twice. TCP itself never does this; it is a corrupted
 *   stream, which the receiver must detect (framing or parse error, a missing ack) and recover
 *   from by reconnecting. Dropping whole connections is `resetConnections()`.
 * Every random choice comes from `seededRng(seed)`, so a run replays the same decisions for
 * the same sequence of chunks (how the kernel cuts the stream into chunks is not seeded).
 *
 * Frame faults (`dropFrames`, on a proxy started with `websocket: true`): the proxy cuts each
 * direction into whole WebSocket frames (ws-frames.ts) and loses the next N text frames that
 * start with a given prefix, e.g. `{"t":"ops"`: messages lost while the stream stays valid.
 *
 * `heal()` returns to `pass` and clears the faults; connections held by a blackhole resume,
 * and the ones accepted during it are connected to the target then. `close()` destroys
 * everything and frees the port.
 */
import { seededRng } from '@groupshare/protocol';
import net from 'node:net';
import { WsFrameCutter, type FrameDrop } from './ws-frames.js';

export type ProxyMode = 'pass' | 'blackhole' | 'reset';

/** `up`: from the side that connected to the proxy towards the target; `down`: the replies. */
export type Direction = 'up' | 'down';

export interface LinkFaults {
  /** Extra one-way delay per chunk (ms). */
  delayMs?: number;
  /** The delay varies uniformly by ± this much (ms), never reordering bytes. */
  jitterMs?: number;
  /** Probability in [0, 1] that a chunk is left out (the stream is then corrupt). */
  dropRate?: number;
  /** Probability in [0, 1] that a chunk is written twice (the stream is then corrupt). */
  duplicateRate?: number;
}

export interface TcpProxyInit {
  /** Where connections are forwarded. */
  target: { host: string; port: number };
  /** Initial mode; `pass` by default. */
  mode?: ProxyMode;
  /** Seed of every random fault decision (jitter, drops, duplicates); 0 by default. */
  seed?: number;
  /** The connections carry WebSocket: cut them into frames, so `dropFrames` can lose whole ones. */
  websocket?: boolean;
}

/** What the faults did so far, to check that a fault really happened. */
export interface ProxyStats {
  chunks: number;
  bytes: number;
  delayed: number;
  dropped: number;
  duplicated: number;
  /** Connections reset by the proxy (modes and `resetConnections`). */
  resets: number;
  /** Whole WebSocket frames lost by `dropFrames`. */
  framesDropped: number;
}

/** Past this many bytes waiting in a delay queue, the proxy stops reading that side. */
const QUEUE_HIGH_WATER_BYTES = 1024 * 1024;

/** One accepted connection and (once connected onwards) its upstream half. */
interface Pair {
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** The two directions, once wired (the first time bytes may flow). */
  pipes: Pipe[] | undefined;
}

export class TcpProxy implements AsyncDisposable {
  private readonly server: net.Server;
  private readonly pairs = new Set<Pair>();
  private currentMode: ProxyMode;
  private closed = false;
  private acceptedCount = 0;
  private readonly faultsBy: Record<Direction, Required<LinkFaults>> = { up: noFaults(), down: noFaults() };
  /** @internal shared with the pipes */
  readonly random: () => number;
  readonly stats: ProxyStats = { chunks: 0, bytes: 0, delayed: 0, dropped: 0, duplicated: 0, resets: 0, framesDropped: 0 };
  private readonly frameDrops: Record<Direction, FrameDrop> = { up: { prefix: '', count: 0 }, down: { prefix: '', count: 0 } };

  private constructor(private readonly init: TcpProxyInit) {
    this.currentMode = init.mode ?? 'pass';
    this.random = seededRng(init.seed ?? 0);
    this.server = net.createServer({ pauseOnConnect: true }, (socket) => this.onConnection(socket));
  }

  /** Starts listening on 127.0.0.1 at a free port. */
  static async start(init: TcpProxyInit): Promise<TcpProxy> {
    const proxy = new TcpProxy(init);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** `127.0.0.1:<port>`, for a tracker_info.txt line. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get mode(): ProxyMode {
    return this.currentMode;
  }

  /** Connections accepted so far, whatever became of them (to check that a dialer came). */
  get accepted(): number {
    return this.acceptedCount;
  }

  /** Connections currently open through the proxy (held ones included). */
  get connections(): number {
    return this.pairs.size;
  }

  /** The faults now applied in `direction`. */
  faults(direction: Direction): Readonly<Required<LinkFaults>> {
    return this.faultsBy[direction];
  }

  setMode(mode: ProxyMode): void {
    if (this.closed) throw new Error('the proxy is closed');
    this.currentMode = mode;
    for (const pair of [...this.pairs]) {
      if (mode === 'reset') this.reset(pair);
      else if (mode === 'blackhole') this.hold(pair);
      else this.flow(pair);
    }
  }

  /** Replaces the faults of one direction (or both); `{}` clears them. Takes effect at once. */
  setFaults(faults: LinkFaults, direction: Direction | 'both' = 'both'): void {
    for (const d of direction === 'both' ? (['up', 'down'] as const) : [direction]) this.faultsBy[d] = { ...noFaults(), ...faults };
  }

  /**
   * Loses the next `count` text frames starting with `prefix` in `direction` (counted over
   * every connection), delivering everything else. Needs `websocket: true`.
   */
  dropFrames(direction: Direction, prefix: string, count: number): void {
    if (!this.init.websocket) throw new Error('dropFrames needs a proxy started with websocket: true');
    this.frameDrops[direction] = { prefix, count };
  }

  /** @internal whether to lose a text frame starting with `start`, going `direction` */
  loseFrame(direction: Direction, start: string): boolean {
    const rule = this.frameDrops[direction];
    if (rule.count <= 0 || !start.startsWith(rule.prefix)) return false;
    rule.count--;
    this.stats.framesDropped++;
    return true;
  }

  /** @internal */
  get websocket(): boolean {
    return this.init.websocket === true;
  }

  /** RST on every connection open now (and whatever the proxy held for them); new ones pass. */
  resetConnections(): number {
    const open = [...this.pairs];
    for (const pair of open) this.reset(pair);
    return open.length;
  }

  /** Back to `pass` with no faults: held bytes are delivered, held connections connected onwards. */
  heal(): void {
    this.setFaults({});
    this.setMode('pass');
  }

  /** Destroys every connection (RST) and stops listening. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pair of [...this.pairs]) this.reset(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal whether a pair's bytes may flow now */
  flowing(pair: Pair): boolean {
    return this.currentMode === 'pass' && this.pairs.has(pair);
  }

  // ---- connections ----------------------------------------------------------------------------

  private onConnection(client: net.Socket): void {
    this.acceptedCount++;
    const pair: Pair = { client, upstream: undefined, pipes: undefined };
    // Errors are expected here (resets are the point); without a listener they would throw.
    client.on('error', () => this.reset(pair, false));
    client.on('close', () => this.drop(pair));
    this.pairs.add(pair);
    if (this.closed || this.currentMode === 'reset') this.reset(pair);
    else if (this.currentMode === 'pass') this.flow(pair);
    // blackhole: stays paused (pauseOnConnect) and unconnected until heal().
  }

  /** Lets bytes flow, connecting onwards first if this connection never was. */
  private flow(pair: Pair): void {
    if (pair.upstream === undefined) {
      const upstream = net.connect({ host: this.init.target.host, port: this.init.target.port });
      pair.upstream = upstream;
      upstream.on('error', () => this.reset(pair, false));
      upstream.on('close', () => this.drop(pair));
      upstream.on('connect', () => {
        if (this.currentMode === 'pass') this.forward(pair);
      });
      upstream.pause();
      return;
    }
    if (pair.upstream.connecting) return; // 'connect' starts forwarding
    this.forward(pair);
  }

  private forward(pair: Pair): void {
    const { client, upstream } = pair;
    if (!upstream) return;
    pair.pipes ??= [new Pipe(this, pair, client, upstream, 'up'), new Pipe(this, pair, upstream, client, 'down')];
    for (const pipe of pair.pipes) pipe.resume();
  }

  /** Stops reading both halves: nothing flows, nothing is lost, nobody is told. */
  private hold(pair: Pair): void {
    pair.client.pause();
    pair.upstream?.pause();
  }

  /** Destroys both halves with a TCP RST, so each peer sees ECONNRESET rather than a FIN. */
  private reset(pair: Pair, count = true): void {
    if (!this.pairs.delete(pair)) return;
    if (count) this.stats.resets++;
    for (const pipe of pair.pipes ?? []) pipe.discard();
    for (const socket of [pair.client, pair.upstream]) {
      if (!socket || socket.destroyed) continue;
      try {
        socket.resetAndDestroy();
      } catch {
        socket.destroy(); // not resettable in its current state: a plain close will do
      }
    }
  }

  /** One half closed on its own (a FIN or an error): close the other half too. */
  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    for (const pipe of pair.pipes ?? []) pipe.discard();
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}

function noFaults(): Required<LinkFaults> {
  return { delayMs: 0, jitterMs: 0, dropRate: 0, duplicateRate: 0 };
}

/**
 * One direction of one connection: reads `from`, applies the faults, writes `to`. Not `pipe()`:
 * a pipe resumes its source on the destination's 'drain' by itself, which would let bytes leak
 * through a blackhole, and it has no place for a delay queue.
 */
class Pipe {
  private readonly queue: Array<{ chunk: Buffer; at: number }> = [];
  private queuedBytes = 0;
  /** Release time of the newest queued chunk: a later chunk never goes before it. */
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private blocked = false;
  private ended = false;
  private readonly frames: WsFrameCutter | undefined;

  constructor(
    private readonly proxy: TcpProxy,
    private readonly pair: Pair,
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly direction: Direction,
  ) {
    this.frames = proxy.websocket ? new WsFrameCutter() : undefined;
    from.on('data', (chunk: Buffer) => this.onData(this.frames ? this.frames.push(chunk, (start) => proxy.loseFrame(direction, start)) : chunk));
    from.on('end', () => {
      this.ended = true;
      this.flush();
    });
    to.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
  }

  /** Flow again (after a blackhole, or the first time). */
  resume(): void {
    this.flush();
  }

  /** The connection is gone: what was held for it is lost with it. */
  discard(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private onData(chunk: Buffer): void {
    const { stats, random } = this.proxy;
    const f = this.proxy.faults(this.direction);
    if (chunk.length === 0) return; // a frame still incomplete, or one lost whole
    stats.chunks++;
    stats.bytes += chunk.length;
    if (f.dropRate > 0 && random() < f.dropRate) {
      stats.dropped++;
      return;
    }
    const copies = f.duplicateRate > 0 && random() < f.duplicateRate ? 2 : 1;
    if (copies === 2) stats.duplicated++;
    const delay = Math.max(0, f.delayMs + (f.jitterMs > 0 ? (2 * random() - 1) * f.jitterMs : 0));
    if (delay > 0) stats.delayed++;
    const at = Math.max(Date.now() + delay, this.lastAt);
    this.lastAt = at;
    for (let i = 0; i < copies; i++) this.queue.push({ chunk, at });
    this.queuedBytes += chunk.length * copies;
    this.flush();
  }

  /** Writes every chunk that is due, then sleeps until the next one is, with backpressure. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.proxy.flowing(this.pair)) return; // blackhole: hold everything, read nothing
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now && !this.blocked) {
      const { chunk } = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      if (!this.to.write(chunk)) this.blocked = true;
    }
    if (this.queue.length > 0 && !this.blocked) this.timer = setTimeout(() => this.flush(), this.queue[0]!.at - now);
    if (this.queue.length === 0 && this.ended) this.to.end();
    // Read on only while the queue is short and the destination keeps up.
    if (this.blocked || this.queuedBytes > QUEUE_HIGH_WATER_BYTES) this.from.pause();
    else this.from.resume();
  }
}
