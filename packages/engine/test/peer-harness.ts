/**
 * Test support for the peer tests beside this file (not exported from the package): a shared
 * temp file with its seed source, tickets signed with a test cluster key, a peer server on
 * 127.0.0.1 port 0, and `RawPeer`, a hand-driven wire endpoint that records every frame it
 * receives, used to play a misbehaving or stock peer against a real `PeerConnection`.
 */
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';

import {
  Bitfield, deriveTicketSeed, fromHex, signTicket, ticketPrivateKey, ticketPublicKey, ticketPublicKeyBase64,
} from '@groupshare/protocol';

import { hashFile, SeedSource, type HashedFile } from '../src/storage/index.js';
import {
  WireDecoder, encodeHandshake, encodeMessage, extendedHandshakeMessage, type ExtendedHandshakeInit, type WireFrame,
  type WireMessage,
} from '../src/wire/index.js';
import { PeerConnection } from '../src/peer/peer-connection.js';
import { createPeerId } from '../src/peer/peer-id.js';
import { PeerServer, type PeerServerInit } from '../src/peer/peer-server.js';
import { seedBlockSource, type BlockSource, type PeerConnectionOptions, type PeerFile, type PeerLookup } from '../src/peer/types.js';

export const GROUP = 'books';
export const TICKET_PRIVATE_KEY = ticketPrivateKey(deriveTicketSeed('secret'));
export const TICKET_KEY = ticketPublicKey(ticketPublicKeyBase64(TICKET_PRIVATE_KEY));

/** A ticket for `infoHashHex` in `groupId`, valid for five minutes unless `expSec` says otherwise. */
export function ticketFor(groupId: string, infoHashHex: string, opts: { user?: string; expSec?: number; secret?: string } = {}): string {
  const key = opts.secret === undefined ? TICKET_PRIVATE_KEY : ticketPrivateKey(deriveTicketSeed(opts.secret));
  const exp = opts.expSec ?? Math.floor(Date.now() / 1000) + 300;
  return signTicket({ v: 1, g: groupId, h: infoHashHex, u: opts.user ?? 'alice', exp }, key);
}

/** A random file on disk, hashed, with an open seed source. */
export interface SharedFixture {
  dir: string;
  data: Buffer;
  hashed: HashedFile;
  infoHash: Buffer;
  seed: SeedSource;
  /** The file as a seeder serves it (every piece). */
  seederFile(): PeerFile;
  /** The file as a fetcher with nothing yet sees it; `ticket` defaults to a valid one. */
  fetcherFile(ticket?: string): PeerFile;
  cleanup(): Promise<void>;
}

export async function sharedFile(size: number, pieceLength: number): Promise<SharedFixture> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'gs-peer-'));
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 131 + (i >> 9)) & 0xff;
  await fsp.writeFile(join(dir, 'shared.bin'), data);
  const hashed = await hashFile(join(dir, 'shared.bin'), { pieceLength });
  const seed = await SeedSource.open(hashed);
  const geometry = { groupId: GROUP, size, pieceLength };
  return {
    dir, data, hashed, seed, infoHash: fromHex(hashed.infoHash),
    seederFile: () => ({ ...geometry, source: seedBlockSource(seed) }),
    fetcherFile: (ticket = ticketFor(GROUP, hashed.infoHash)) => ({ ...geometry, source: emptySource(seed.pieceCount), ticket }),
    cleanup: async () => {
      await seed.close();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

/** A source with no pieces (a fetcher that has nothing yet). */
export function emptySource(pieceCount: number): BlockSource {
  return { have: new Bitfield(pieceCount), readBlock: () => Promise.reject(new Error('nothing to serve')) };
}

/** Connection options for our side, with short timeouts. */
export function options(extra: Partial<Omit<PeerConnectionOptions, 'socket'>> = {}): Omit<PeerConnectionOptions, 'socket'> {
  return { peerId: createPeerId(), ticketKey: TICKET_KEY, handshakeTimeoutMs: 2_000, ...extra };
}

/** A started peer server on 127.0.0.1, port 0. */
export async function startServer(lookup: PeerLookup, extra: Partial<PeerServerInit> = {}): Promise<{ server: PeerServer; port: number }> {
  const server = new PeerServer({ host: '127.0.0.1', port: 0, lookup, connection: options(), ...extra });
  await server.start();
  return { server, port: (server.address() as { port: number }).port };
}

/** A started outgoing connection to 127.0.0.1:`port`. */
export function connectTo(port: number, infoHash: Buffer, file: PeerFile, extra: Partial<PeerConnectionOptions> = {}): PeerConnection {
  const conn = new PeerConnection({ ...options(), ...extra, socket: netConnect(port, '127.0.0.1'), infoHash, file });
  conn.start();
  return conn;
}

/** Resolves with the server's next incoming connection. */
export async function nextConnection(server: PeerServer): Promise<PeerConnection> {
  const [conn] = (await once(server, 'connection')) as [PeerConnection];
  return conn;
}

/** Two Duplex ends joined back to back, with no socket (destroying one ends the other). */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (other: () => Duplex): Duplex =>
    new Duplex({
      allowHalfOpen: false, // like a socket: the end of one direction ends the connection
      read() {},
      write(chunk: Buffer, _enc, cb) { other().push(chunk); cb(); },
      final(cb) { other().push(null); cb(); },
      destroy(err, cb) { if (!other().readableEnded) other().push(null); cb(err); },
    });
  ends.push(make(() => ends[1] as Duplex), make(() => ends[0] as Duplex));
  return [ends[0] as Duplex, ends[1] as Duplex];
}

/** A wire endpoint driven by hand; records what it receives. */
export class RawPeer {
  readonly frames: WireFrame[] = [];
  readonly decoder = new WireDecoder();
  readonly closed: Promise<void>;
  #waiters: (() => void)[] = [];

  constructor(readonly socket: Socket | Duplex) {
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.decoder.push(chunk).frames);
      for (const w of this.#waiters) w();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(port: number): Promise<RawPeer> {
    const socket = netConnect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawPeer(socket);
  }

  /** Our handshake, then (when `extended`) our extended handshake carrying `ext`. */
  handshake(infoHash: Uint8Array, opts: { fast?: boolean; extended?: boolean; ext?: ExtendedHandshakeInit } = {}): void {
    const extended = opts.extended ?? true;
    this.write(encodeHandshake({ infoHash, peerId: createPeerId(), fast: opts.fast ?? true, extended }));
    if (extended) this.send(extendedHandshakeMessage(opts.ext ?? {}));
  }

  send(...messages: WireMessage[]): void {
    this.write(Buffer.concat(messages.map(encodeMessage)));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Types of the frames received so far. */
  types(): string[] {
    return this.frames.map((f) => f.type);
  }

  /** The first received frame matching `pred`, now or when it arrives. */
  waitFor<T extends WireFrame>(pred: (f: WireFrame) => f is T): Promise<T>;
  waitFor(pred: (f: WireFrame) => boolean): Promise<WireFrame>;
  waitFor(pred: (f: WireFrame) => boolean): Promise<WireFrame> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const hit = this.frames.find(pred);
        if (hit === undefined) return false;
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(hit);
        return true;
      };
      const waiter = (): void => void check();
      if (!check()) this.#waiters.push(waiter);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Type guard for `waitFor`: a frame of type `t`. */
export function is<T extends WireFrame['type']>(t: T): (f: WireFrame) => f is Extract<WireFrame, { type: T }> {
  return (f): f is Extract<WireFrame, { type: T }> => f.type === t;
}
