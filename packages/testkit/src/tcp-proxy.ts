/**
 * TcpProxy: a TCP forwarder on 127.0.0.1 that a test can turn into a network fault. Put it
 * between two processes (give one of them the proxy's address instead of the other's) and
 * switch its mode while they talk:
 *
 * | mode        | existing connections                        | new connections                           |
 * | ----------- | ------------------------------------------- | ----------------------------------------- |
 * | `pass`      | bytes flow both ways                        | accepted, connected to the target         |
 * | `blackhole` | held open, nothing flows either way         | accepted and held, not connected onwards  |
 * | `reset`     | destroyed with RST on both sides            | accepted and reset at once                |
 *
 * A blackhole is a silent partition: no FIN, no RST, nothing arrives, so only time-outs and
 * heartbeats can notice it. Bytes sent meanwhile are *held*, not dropped: the proxy stops
 * reading (flow control then backs up into the sender's kernel buffers), and `heal()` lets
 * them through in order, as TCP retransmission would after a real network heals. Dropping
 * them instead would corrupt every stream that crosses the heal.
 *
 * `reset` is a loud partition: peers see ECONNRESET at once. New connections are accepted by
 * the kernel before the proxy can refuse them (a user-space listener cannot answer a SYN with
 * RST without giving up its port), so a dialer sees its connect succeed and then the reset.
 *
 * `heal()` returns to `pass`; connections held by a blackhole resume, and the ones accepted
 * during it are connected to the target then. `close()` destroys everything and frees the port.
 */
import net from 'node:net';

export type ProxyMode = 'pass' | 'blackhole' | 'reset';

export interface TcpProxyInit {
  /** Where connections are forwarded. */
  target: { host: string; port: number };
  /** Initial mode; `pass` by default. */
  mode?: ProxyMode;
}

/** One accepted connection and (once connected onwards) its upstream half. */
interface Pair {
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** Forwarding listeners attached (once per pair). */
  wired: boolean;
}

export class TcpProxy implements AsyncDisposable {
  private readonly server: net.Server;
  private readonly pairs = new Set<Pair>();
  private currentMode: ProxyMode;
  private closed = false;
  private acceptedCount = 0;

  private constructor(private readonly init: TcpProxyInit) {
    this.currentMode = init.mode ?? 'pass';
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

  setMode(mode: ProxyMode): void {
    if (this.closed) throw new Error('the proxy is closed');
    this.currentMode = mode;
    for (const pair of [...this.pairs]) {
      if (mode === 'reset') this.reset(pair);
      else if (mode === 'blackhole') this.hold(pair);
      else this.flow(pair);
    }
  }

  /** Back to `pass`: held bytes are delivered, held connections are connected onwards. */
  heal(): void {
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

  // ---- connections ----------------------------------------------------------------------------

  private onConnection(client: net.Socket): void {
    this.acceptedCount++;
    const pair: Pair = { client, upstream: undefined, wired: false };
    // Errors are expected here (resets are the point); without a listener they would throw.
    client.on('error', () => this.reset(pair));
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
      upstream.on('error', () => this.reset(pair));
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
    if (!pair.wired) {
      pair.wired = true;
      this.wire(pair, client, upstream);
      this.wire(pair, upstream, client);
    }
    client.resume();
    upstream.resume();
  }

  /**
   * Copies `from` into `to` with backpressure. Not `pipe()`: a pipe resumes its source on the
   * destination's 'drain' by itself, which would let bytes leak through a blackhole.
   */
  private wire(pair: Pair, from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (this.currentMode === 'pass' && this.pairs.has(pair)) from.resume();
    });
    from.on('end', () => to.end());
  }

  /** Stops reading both halves: nothing flows, nothing is lost, nobody is told. */
  private hold(pair: Pair): void {
    pair.client.pause();
    pair.upstream?.pause();
  }

  /** Destroys both halves with a TCP RST, so each peer sees ECONNRESET rather than a FIN. */
  private reset(pair: Pair): void {
    this.pairs.delete(pair);
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
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}
