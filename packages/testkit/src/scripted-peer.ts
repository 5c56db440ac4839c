/**
 * ScriptedPeer: a seeder played by the test process, for scenarios that must see exactly what a
 * real client fetches, or must feed it what no honest client would. It is admitted the way a
 * member is (`joinAsSeeder`: an account whose login names this peer's address, membership
 * accepted by the owner, `share_file` of the same file, so the tracker lists it as a holder and a
 * downloader dials it), answers the dialler's handshake with its own ticket (so the downloader
 * also serves it and sends it `have`s), advertises every piece and then behaves as told:
 *
 * - `honest`: serves the right bytes, at most `blocksPerSecond` blocks a second if given;
 * - `corrupt`: answers every request at once, flipping bytes in every `every`-th block (default
 *   every block), so its bad blocks may also land in pieces completed by honest peers;
 * - `silent`: unchokes, advertises every piece, and never answers a request (a black hole);
 * - `trickle`: answers requests one at a time, `bytesPerSecond` bytes of the piece frame a second.
 *
 * What it records is the measurement, taken outside the client under test: every block it
 * served (with the test's current `epoch`, e.g. how many times the downloader was killed so
 * far), and every piece the remote announced (`have`, `bitfield`), i.e. what the downloader
 * had verified, journaled and counted.
 */
import { createServer, type Server, type Socket } from 'node:net';

import { createPeerId, encodeHandshake, encodeMessage, extendedHandshakeMessage, type RequestFields, type WireFrame } from '@groupshare/engine';
import { Bitfield, pieceCount } from '@groupshare/protocol';

import { nextWake, signUp, type WsClient } from '@groupshare/tracker/testing';
import { RawPeer } from './raw-peer.js';

const BLOCK = 16 * 1024;
/** How often a rate-limited honest peer or a trickling one writes. */
const TICK_MS = 20;

export type PeerBehaviour =
  | { kind: 'honest'; blocksPerSecond?: number }
  | { kind: 'corrupt'; every?: number }
  | { kind: 'silent' }
  | { kind: 'trickle'; bytesPerSecond: number };

export interface ScriptedPeerInit {
  /** For failure messages ("seed-1"). */
  name: string;
  /** The whole file (the scenarios use a few MiB). */
  data: Buffer;
  pieceLength: number;
  /** Info-hash, hex. */
  infoHash: string;
  behaviour: PeerBehaviour;
}

/** One block written to a downloader. */
export interface ServedBlock {
  index: number;
  begin: number;
  length: number;
  /** The peer's `epoch` when it was served. */
  epoch: number;
}

interface Pending {
  peer: RawPeer;
  index: number;
  begin: number;
  length: number;
}

export class ScriptedPeer implements AsyncDisposable {
  /** Blocks served, in order (corrupt ones included). */
  readonly served: ServedBlock[] = [];
  /** Piece → the epoch in which a remote first announced it (have, bitfield or have_all). */
  readonly announced = new Map<number, number>();
  /** Epoch → every piece announced in it (a restarted client's bitfield repeats what it kept). */
  private readonly announcedByEpoch = new Map<number, Set<number>>();
  /** Requests received, answered or not. */
  requests = 0;
  /** A label the test moves on (e.g. after each kill of the downloader); stamped on each served block. */
  epoch = 0;
  /** The ticket sent in our extended handshake (from `get_peers`), so the dialler serves us too. */
  ticket = '';
  private paused = false;
  private readonly conns = new Set<RawPeer>();
  private readonly queue: Pending[] = [];
  private readonly wakers = new Set<() => void>();
  private readonly pieces: number;
  private timer: NodeJS.Timeout | undefined;
  /** Trickle: the frame being written and how much of it is out. */
  private trickling: { peer: RawPeer; bytes: Buffer; sent: number } | undefined;
  private credit = 0;

  private constructor(
    readonly init: ScriptedPeerInit,
    private readonly server: Server,
    readonly address: string,
  ) {
    this.pieces = pieceCount(init.data.length, init.pieceLength);
    server.on('connection', (socket: Socket) => this.onConnection(socket));
    const b = init.behaviour;
    if ((b.kind === 'honest' && b.blocksPerSecond !== undefined) || b.kind === 'trickle') {
      this.timer = setInterval(() => this.tick(), TICK_MS);
    }
  }

  /** Listens on 127.0.0.1 (a free port). */
  static async listen(init: ScriptedPeerInit): Promise<ScriptedPeer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, resolve);
    });
    const { port } = server.address() as { port: number };
    return new ScriptedPeer(init, server, `127.0.0.1:${port}`);
  }

  /** Connections open now. */
  get connections(): number {
    return this.conns.size;
  }

  /** Holds every request from now on (queued, not answered) until `resume()`. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.drain();
  }

  /** Pieces announced to this peer during `epoch`. */
  announcedIn(epoch: number): ReadonlySet<number> {
    return this.announcedByEpoch.get(epoch) ?? new Set();
  }

  /** Bytes served in `epoch` (all epochs if omitted). */
  bytesServed(epoch?: number): number {
    return this.served.reduce((sum, b) => sum + (epoch === undefined || b.epoch === epoch ? b.length : 0), 0);
  }

  /** Resolves once `check()` holds (re-checked on every frame and close), or rejects after `timeoutMs`. */
  async waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`${this.init.name}: ${what} not within ${timeoutMs} ms (served ${this.served.length} blocks, ${this.announced.size} pieces announced to it, ${this.conns.size} connections)`);
      await nextWake(this.wakers, Math.min(remaining, 250));
    }
  }

  /** Resolves once every connection has closed (e.g. its client was killed and the FIN read). */
  allClosed(timeoutMs = 10_000): Promise<void> {
    return this.waitFor('all connections closed', () => this.conns.size === 0, timeoutMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const c of this.conns) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private onConnection(socket: Socket): void {
    const peer = RawPeer.accept(socket);
    this.conns.add(peer);
    peer.onFrame((f) => {
      this.onFrame(peer, f);
      this.wake();
    });
    void peer.closed.then(() => {
      this.conns.delete(peer);
      for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.peer === peer) this.queue.splice(i, 1);
      if (this.trickling?.peer === peer) this.trickling = undefined;
      this.wake();
    });
  }

  private onFrame(peer: RawPeer, f: WireFrame): void {
    switch (f.type) {
      case 'handshake':
        if (!Buffer.from(f.infoHash).equals(Buffer.from(this.init.infoHash, 'hex'))) return peer.destroy();
        peer.writeRaw(encodeHandshake({ infoHash: Buffer.from(this.init.infoHash, 'hex'), peerId: createPeerId(), fast: true, extended: true }));
        peer.send(extendedHandshakeMessage({ ticket: this.ticket, maxRequests: 500 }));
        return;
      case 'extended':
        // The dialler's extended handshake: both are done, so say what we have and let it ask.
        if (f.id === 0) peer.send({ type: 'have_all' }, { type: 'unchoke' });
        return;
      case 'have':
        return this.announce(f.index);
      case 'have_all':
        for (let i = 0; i < this.pieces; i++) this.announce(i);
        return;
      case 'bitfield':
        for (const i of new Bitfield(this.pieces, f.bytes).indices()) this.announce(i);
        return;
      case 'request':
        this.requests++;
        return this.onRequest({ peer, index: f.index, begin: f.begin, length: f.length });
      case 'cancel': {
        const at = this.queue.findIndex((q) => q.peer === peer && q.index === f.index && q.begin === f.begin);
        if (at >= 0) this.queue.splice(at, 1);
        return;
      }
      default:
        return;
    }
  }

  private announce(index: number): void {
    if (!this.announced.has(index)) this.announced.set(index, this.epoch);
    let set = this.announcedByEpoch.get(this.epoch);
    if (set === undefined) this.announcedByEpoch.set(this.epoch, (set = new Set()));
    set.add(index);
  }

  private onRequest(r: Pending): void {
    const { data, pieceLength, behaviour } = this.init;
    const at = r.index * pieceLength + r.begin;
    if (r.index >= this.pieces || r.length > BLOCK || at + r.length > data.length || r.begin + r.length > pieceLength) return;
    if (behaviour.kind === 'silent') return;
    if (behaviour.kind === 'corrupt') return this.send(r, this.requests % (behaviour.every ?? 1) === 0);
    this.queue.push(r);
    this.drain();
  }

  /** Unthrottled honest peer: answers everything queued at once (unless paused). */
  private drain(): void {
    const b = this.init.behaviour;
    if (this.paused || b.kind !== 'honest' || b.blocksPerSecond !== undefined) return;
    for (const r of this.queue.splice(0)) this.send(r, false);
  }

  private tick(): void {
    const b = this.init.behaviour;
    if (this.paused) return;
    if (b.kind === 'honest' && b.blocksPerSecond !== undefined) {
      // A token bucket holding at most one tick's worth beyond a block, so an idle spell or a
      // pause does not become a burst, while a rate below one block a tick still carries over.
      const perTick = (b.blocksPerSecond * TICK_MS) / 1000;
      this.credit = Math.min(this.credit + perTick, perTick + 1);
      while (this.credit >= 1 && this.queue.length > 0) {
        this.credit -= 1;
        this.send(this.queue.shift()!, false);
      }
    } else if (b.kind === 'trickle') {
      this.credit += (b.bytesPerSecond * TICK_MS) / 1000;
      while (this.credit >= 1) {
        if (this.trickling === undefined || this.trickling.sent >= this.trickling.bytes.length) {
          const r = this.queue.shift();
          if (r === undefined) return void (this.credit = Math.min(this.credit, 1));
          this.trickling = { peer: r.peer, bytes: this.frame(r, false), sent: 0 };
          this.record(r);
        }
        const t = this.trickling;
        const n = Math.min(Math.floor(this.credit), t.bytes.length - t.sent);
        t.peer.writeRaw(t.bytes.subarray(t.sent, t.sent + n));
        t.sent += n;
        this.credit -= n;
      }
    }
  }

  private send(r: Pending, corrupt: boolean): void {
    r.peer.writeRaw(this.frame(r, corrupt));
    this.record(r);
  }

  private record(r: Pending): void {
    this.served.push({ index: r.index, begin: r.begin, length: r.length, epoch: this.epoch });
  }

  private frame(r: Pending, corrupt: boolean): Buffer {
    const at = r.index * this.init.pieceLength + r.begin;
    const block = Buffer.from(this.init.data.subarray(at, at + r.length));
    if (corrupt) for (let i = 0; i < block.length; i += 997) block[i] = block[i]! ^ 0xff;
    return encodeMessage({ type: 'piece', index: r.index, begin: r.begin, block });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}

export interface JoinAsSeederInit {
  /** A connection to a tracker, not yet logged in; it must stay open while the peer serves. */
  ws: WsClient;
  userId: string;
  groupId: string;
  /** Lets `userId` into the group once it asked (the owner's `accept_request`). */
  accept: (userId: string) => Promise<void>;
  /** The `share_file` fields of the file the peer serves. */
  share: RequestFields<'share_file'>;
}

/**
 * Admits `peer` as a member would be: registers `userId` with the peer's address, joins the
 * group (accepted by the owner), shares the file (listed by the tracker as a holder from now
 * on) and takes the ticket `get_peers` hands out.
 */
export async function joinAsSeeder(peer: ScriptedPeer, init: JoinAsSeederInit): Promise<void> {
  const { ws, userId, groupId } = init;
  await signUp(ws, userId, peer.address);
  await ws.ok('join_group', { groupId });
  await init.accept(userId);
  const { file } = await ws.ok('share_file', init.share);
  const { ticket } = await ws.ok('get_peers', { groupId, infoHash: file.infoHash });
  peer.ticket = ticket;
}
