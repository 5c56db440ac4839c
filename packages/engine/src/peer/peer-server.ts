/**
 * The listening side of the peer wire: accepts TCP connections and turns each into an incoming
 * {@link PeerConnection}, which finds the requested file through `lookup` (the share and
 * download managers' table of files this client serves).
 *
 * It either listens itself (`host`/`port`) or takes over a `net.Server` it is given: the client
 * shell binds the peer address at login to reserve it (the tracker is told that address), and
 * hands the bound server over. A server passed in belongs to its owner: `stop()` detaches from
 * it and closes our connections but leaves it listening (while stopped, sockets it accepts are
 * the owner's business); a server we created is closed by `stop()`.
 *
 * Limits, checked before a single byte is read: at most `maxConnections` connections at once,
 * and at most `maxPerAddress` from one remote address, so one host cannot take every slot.
 * A connection over a limit is destroyed at once and reported as `turnedAway`.
 */
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

import * as C from './constants.js';
import { PeerConnection } from './peer-connection.js';
import type { PeerConnectionOptions, PeerLookup } from './types.js';

/** What a {@link PeerServer} needs. Either `server`, or `port` (and `host`) to listen on. */
export interface PeerServerInit {
  /** An existing server to take over (bound already, or bound by us when `port` is given). */
  server?: Server;
  /** Address to listen on; default all interfaces. */
  host?: string;
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Finds the file an incoming connection asks for. */
  lookup: PeerLookup;
  /** Our peer id, the ticket key, and the limits of every connection. */
  connection: Omit<PeerConnectionOptions, 'socket'>;
  /** Most connections at once (default {@link C.DEFAULT_MAX_CONNECTIONS}). */
  maxConnections?: number;
  /** Most connections from one remote address (default {@link C.DEFAULT_MAX_PER_ADDRESS}). */
  maxPerAddress?: number;
}

/** Events of a {@link PeerServer}. */
export interface PeerServerEvents {
  /** A new incoming connection, not yet started: attach listeners now; it starts right after. */
  connection: [conn: PeerConnection];
  /** A connection was refused for a limit before any byte was read. */
  turnedAway: [info: { address: string | undefined; reason: string }];
  /** A bug or a listener's exception, caught so it could not break accepting. */
  error: [err: unknown];
}

/** See the module comment. */
export class PeerServer extends EventEmitter<PeerServerEvents> {
  /** Connections that are not closed yet. */
  readonly connections = new Set<PeerConnection>();
  readonly #perAddress = new Map<string, number>();
  readonly #init: PeerServerInit;
  #server: Server | undefined;
  #starting: Promise<void> | undefined;
  readonly #onSocket = (socket: Socket): void => this.#accept(socket);

  constructor(init: PeerServerInit) {
    super();
    if (init.server === undefined && init.port === undefined) throw new RangeError('a PeerServer needs a server or a port');
    this.#init = init;
  }

  /** The address connections are accepted on, once started. */
  address(): AddressInfo | undefined {
    const a = this.#server?.address();
    return a !== null && typeof a === 'object' ? a : undefined;
  }

  /** Starts accepting (listening first if needed). Idempotent; restartable after `stop()`. */
  start(): Promise<void> {
    this.#starting ??= this.#start().catch((err: unknown) => {
      this.#detach();
      this.#starting = undefined;
      throw err;
    });
    return this.#starting;
  }

  /** Stops accepting and closes every connection; closes the server only if we created it. Idempotent. */
  async stop(): Promise<void> {
    const starting = this.#starting;
    if (starting === undefined) return;
    this.#starting = undefined;
    await starting.catch(() => {});
    const server = this.#server;
    this.#detach();
    for (const conn of [...this.connections]) conn.close('the peer server is stopping');
    if (server !== undefined && server !== this.#init.server && server.listening) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  async #start(): Promise<void> {
    const server = this.#init.server ?? createServer();
    this.#server = server;
    server.on('connection', this.#onSocket);
    if (server.listening) return;
    if (this.#init.port === undefined) throw new RangeError('the server given is not listening and no port was given');
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => reject(err);
      server.once('error', fail);
      server.listen(this.#init.port, this.#init.host, () => {
        server.off('error', fail);
        resolve();
      });
    });
  }

  #detach(): void {
    this.#server?.off('connection', this.#onSocket);
    this.#server = undefined;
  }

  #accept(socket: Socket): void {
    const address = socket.remoteAddress;
    try {
      const key = address ?? '';
      const max = this.#init.maxConnections ?? C.DEFAULT_MAX_CONNECTIONS;
      const maxPer = this.#init.maxPerAddress ?? C.DEFAULT_MAX_PER_ADDRESS;
      const fromHere = this.#perAddress.get(key) ?? 0;
      if (this.connections.size >= max) return this.#turnAway(socket, address, `the limit of ${max} connections is reached`);
      if (fromHere >= maxPer) return this.#turnAway(socket, address, `the limit of ${maxPer} connections from ${key} is reached`);
      const conn = new PeerConnection({ ...this.#init.connection, socket, lookup: this.#init.lookup });
      this.connections.add(conn);
      this.#perAddress.set(key, fromHere + 1);
      conn.once('closed', () => {
        this.connections.delete(conn);
        const left = (this.#perAddress.get(key) ?? 1) - 1;
        if (left > 0) this.#perAddress.set(key, left);
        else this.#perAddress.delete(key);
      });
      this.#fire('connection', conn);
      conn.start();
    } catch (err) {
      socket.destroy();
      this.#fire('error', err);
    }
  }

  #turnAway(socket: Socket, address: string | undefined, reason: string): void {
    socket.on('error', () => {}); // a reset racing the destroy must not become an unheard error
    socket.destroy();
    this.#fire('turnedAway', { address, reason });
  }

  #fire<K extends keyof PeerServerEvents>(event: K, ...args: PeerServerEvents[K]): void {
    if (event === 'error' && this.listenerCount('error') === 0) return;
    try {
      (this.emit as (event: K, ...args: PeerServerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      if (event !== 'error') this.#fire('error', err);
    }
  }
}
