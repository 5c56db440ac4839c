/**
 * One authenticated replication link to one other tracker, over a `ws` socket that either side
 * opened. Why it is shaped this way:
 *
 * - Handshake (hello → auth): both sides prove they know the cluster secret with an HMAC over
 *   both nonces and both numbers (`replicationMac`), so a stranger, a replay, or a reflected MAC
 *   gets nothing; nothing but hello and auth is sent before the peer's MAC verifies. The dialer
 *   proves first and the accepting side answers with its own MAC only once the dialer's
 *   verifies, so nobody can use an accepting tracker to sign a nonce for them (a relay).
 * - After it, each side sends its vector, and an OpPump (op-pump.ts) streams what the peer
 *   lacks; received `ops` are applied and acknowledged with the new vector.
 * - Received messages are handled one at a time in order (store writes must not interleave),
 *   and nothing that arrives can throw out of an event handler: every frame is parsed with the
 *   protocol schema, and a bad one closes the link (4000) with a log line.
 * - A ping each HEARTBEAT_MS drops a peer that vanished without closing its TCP connection, so
 *   the dialer redials instead of keeping a dead link "live".
 * - Every VECTOR_EXCHANGE_MS each side sends its vector again and the pump resends batches
 *   left unacknowledged (lost frames, op-pump.ts); a link whose batches get no ack at all for
 *   STALL_REDIAL_MS is closed (4005) so that it is dialled again.
 */
import { randomBytes } from 'node:crypto';
import {
  REPLICATION_PROTOCOL_VERSION,
  macEquals,
  replicationMac,
  type ReplicatedOp,
  type ReplicationMessage,
  type Vector,
} from '@groupshare/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { WebSocket, type RawData } from 'ws';
import { lacks, mergeVector } from './batches.js';
import * as C from './constants.js';
import { decodeFrame } from './decode-frame.js';
import { OpPump } from './op-pump.js';
import type { ReplicaStore } from './replica-store.js';

/** The logging the transport needs; a pino logger or fastify's `app.log` fits. */
export type ReplicationLog = Pick<FastifyBaseLogger, 'debug' | 'info' | 'warn' | 'error'> & {
  child(bindings: Record<string, unknown>): ReplicationLog;
};

export type PeerLinkState = 'connecting' | 'handshaking' | 'live' | 'closed';

export interface PeerLinkStatus {
  /** The peer's tracker number; 0 on an accepted link whose hello has not arrived yet. */
  peer: number;
  direction: 'dial' | 'accept';
  state: PeerLinkState;
  /** Ops sent / received / newly applied on this link (a new link starts from 0). */
  sentOps: number;
  receivedOps: number;
  appliedOps: number;
  /**
   * Whether this tracker has applied everything the peer had when the link went live (its
   * first vector): a restarted tracker is "catching up" until every link says true.
   */
  caughtUp: boolean;
  /** Age of the oldest batch sent and not yet acknowledged (0 if none). */
  unackedMs: number;
  /** Local time (ms) of the last ack from the peer, null before the first. */
  lastAckAt: number | null;
  remoteAddress: string | undefined;
}

/** Who is online here, and where to put what a peer says is online there. */
export interface PresenceExchange {
  local(): Array<[string, string]>;
  /** `online` null: the link closed, forget what it said. */
  remote(link: object, online: Array<[string, string]> | null): void;
}

export interface PeerLinkInit {
  socket: WebSocket;
  me: number;
  /** The tracker dialed; omitted on an accepted socket (any known tracker but me may answer). */
  expectedPeer?: number;
  /** Whether `n` is a tracker of the cluster other than me (checked on accepted sockets). */
  isKnownPeer: (n: number) => boolean;
  secret: string;
  store: ReplicaStore;
  log: ReplicationLog;
  remoteAddress?: string;
  handshakeTimeoutMs?: number;
  heartbeatMs?: number;
  /** Vector exchange and resend check interval (VECTOR_EXCHANGE_MS). */
  exchangeMs?: number;
  resendAfterMs?: number;
  stallRedialMs?: number;
  now?: () => number;
  /** Soft-state presence exchange (docs/replication.md); absent in transport-only tests. */
  presence?: PresenceExchange;
  /** Called once, when the peer has authenticated. */
  onLive?: (link: PeerLink) => void;
  /** Called once, when the link closes for any reason (after onLive, or instead of it). */
  onClosed?: (link: PeerLink, code: number, reason: string) => void;
}

export class PeerLink {
  readonly direction: 'dial' | 'accept';
  private state: PeerLinkState = 'connecting';
  private peer: number;
  private log: ReplicationLog;
  private readonly socket: WebSocket;
  private readonly myNonce = randomBytes(32).toString('hex');
  private peerNonce: string | undefined;
  private readonly acked: Vector = {};
  /** The peer's HLC clock from its latest vector or ack. */
  private peerClock: string | undefined;
  /** Parts of a snapshot being received. */
  private snapshotParts: string[] = [];
  private peerStartVector: Vector | undefined;
  private caughtUp = false;
  private behindSnapshot = false; // the peer lacked my snapshot on this link; latched: ops it read before installing it may follow its vector
  private readonly pump: OpPump;
  private queue: Promise<void> = Promise.resolve();
  /** Acks of received batches, sent in order as each commits (onOps). */
  private acking: Promise<void> = Promise.resolve();
  private queued = 0;
  private counts = { receivedOps: 0, appliedOps: 0 };
  private lastAckAt: number | null = null;
  private unsubscribe: (() => void) | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private exchange: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private alive = true;
  private readonly socketClosed: Promise<void>;
  private readonly now: () => number;

  constructor(private readonly init: PeerLinkInit) {
    this.socket = init.socket;
    this.direction = init.expectedPeer === undefined ? 'accept' : 'dial';
    this.peer = init.expectedPeer ?? 0;
    this.now = init.now ?? Date.now;
    this.log = init.log.child(this.direction === 'dial' ? { peer: this.peer } : { remote: init.remoteAddress });
    this.pump = new OpPump({
      store: init.store,
      send: (frame) => this.send(frame),
      bufferedAmount: () => this.socket.bufferedAmount,
      onError: (err) => this.fail(err),
      onResync: (vector, expected) => this.log.warn({ vector, expected }, `tracker ${this.peer} did not apply a whole batch; resending from its vector`),
      onResend: (vector, why) => this.log.warn({ event: 'replication_resend', vector, why }, `resending to tracker ${this.peer} what it lacks: ${why}`),
      ...(init.resendAfterMs === undefined ? {} : { resendAfterMs: init.resendAfterMs }),
      ...(init.now === undefined ? {} : { now: init.now }),
    });
    this.socketClosed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    this.socket.on('close', (code, reason) => this.onSocketClose(code, reason.toString()));
    // Accepted sockets also have fastify's error handler; a dialed one has only this, and an
    // 'error' event without a listener would crash the process.
    this.socket.on('error', (err) => this.log.debug({ err: err.message }, 'replication socket error'));
    this.socket.on('pong', () => (this.alive = true));
    this.handshakeTimer = setTimeout(() => this.close(C.CloseCode.HANDSHAKE_TIMEOUT, 'handshake timeout'), init.handshakeTimeoutMs ?? C.HANDSHAKE_TIMEOUT_MS);
    if (this.socket.readyState === WebSocket.OPEN) this.onOpen();
    else if (this.socket.readyState === WebSocket.CONNECTING) this.socket.once('open', () => this.onOpen());
    else queueMicrotask(() => this.finish(1006, 'socket already closed'));
  }

  /** The peer's tracker number (0 until an accepted peer has said hello). */
  get peerNumber(): number {
    return this.peer;
  }

  get isLive(): boolean {
    return this.state === 'live';
  }

  /** The latest vector the peer reported (vector and ack messages): safe to compact below. */
  get peerAckedVector(): Readonly<Vector> {
    return { ...this.acked };
  }

  status(): PeerLinkStatus {
    return {
      peer: this.peer,
      direction: this.direction,
      state: this.state,
      sentOps: this.pump.sentOps,
      ...this.counts,
      caughtUp: this.caughtUp,
      lastAckAt: this.lastAckAt,
      unackedMs: this.pump.unackedForMs(),
      remoteAddress: this.init.remoteAddress,
    };
  }

  /** Closes the link with `code` (idempotent); the socket is destroyed if the peer lingers. */
  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.finish(code, reason);
    if (this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.terminate();
    } else if (this.socket.readyState === WebSocket.OPEN) {
      try {
        this.socket.close(code, reason);
        this.graceTimer = setTimeout(() => this.socket.terminate(), C.CLOSE_GRACE_MS);
      } catch {
        this.socket.terminate(); // an invalid code or reason must not leave the socket open
      }
    }
  }

  /** Closes with 1001 and resolves once the socket is gone. Idempotent. */
  async stop(): Promise<void> {
    this.close(C.CloseCode.GOING_AWAY, 'tracker stopping');
    if (this.socket.readyState !== WebSocket.CLOSED) await this.socketClosed;
  }

  // --- receiving -------------------------------------------------------------------------------

  private onOpen(): void {
    if (this.state === 'closed') return;
    this.state = 'handshaking';
    this.send({ t: 'hello', version: REPLICATION_PROTOCOL_VERSION, tracker: this.init.me, nonce: this.myNonce });
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.state === 'closed') return;
    this.alive = true;
    const decoded = decodeFrame(data, isBinary);
    if ('error' in decoded) return this.reject(decoded.error);
    if (++this.queued > C.MAX_QUEUED_MESSAGES) return this.reject('too many unprocessed messages');
    const { msg } = decoded;
    this.queue = this.queue
      .then(() => this.handle(msg))
      .catch((err: unknown) => this.fail(err))
      .finally(() => this.queued--);
  }

  private async handle(msg: ReplicationMessage): Promise<void> {
    if (this.state === 'closed') return;
    if (this.peerNonce === undefined) {
      return msg.t === 'hello' ? this.onHello(msg.tracker, msg.nonce) : this.reject(`expected hello, got ${msg.t}`);
    }
    if (this.state !== 'live') {
      return msg.t === 'auth' ? this.onAuth(msg.mac) : this.reject(`expected auth, got ${msg.t}`);
    }
    switch (msg.t) {
      case 'hello':
      case 'auth':
        return this.reject(`unexpected ${msg.t} after the handshake`);
      case 'vector':
        return this.onVector(msg.vector, msg.clock);
      case 'ops':
        return this.onOps(msg.ops, msg.batch);
      case 'ack':
        return this.onAck(msg.vector, msg.clock, msg.batch);
      case 'presence':
        return this.init.presence?.remote(this, msg.online);
      case 'snapshot':
        return this.onSnapshotPart(msg);
    }
  }

  private onHello(tracker: number, nonce: string): void {
    const ok = this.direction === 'dial' ? tracker === this.init.expectedPeer : this.init.isKnownPeer(tracker);
    if (!ok) {
      const expected = this.direction === 'dial' ? `tracker ${this.init.expectedPeer}` : 'a tracker of the cluster';
      this.log.warn({ said: tracker, remote: this.init.remoteAddress }, `replication peer is not ${expected}`);
      return this.close(C.CloseCode.UNKNOWN_TRACKER, 'unexpected tracker number');
    }
    if (this.direction === 'accept') {
      this.peer = tracker;
      this.log = this.init.log.child({ peer: tracker, remote: this.init.remoteAddress });
    }
    this.peerNonce = nonce;
    // The accepting side proves itself only after the dialer has (onAuth). Signing at once would
    // make it an oracle: a stranger could claim to be tracker k here, send tracker k's nonce
    // from a socket it opened to tracker k, get back the MAC tracker k expects from me, and go
    // live there as me, without knowing the secret (a relay).
    if (this.direction === 'dial') this.sendAuth();
  }

  private sendAuth(): void {
    this.send({ t: 'auth', mac: replicationMac(this.init.secret, this.init.me, this.peer, this.myNonce, this.peerNonce as string) });
  }

  private async onAuth(mac: string): Promise<void> {
    const expected = replicationMac(this.init.secret, this.peer, this.init.me, this.peerNonce as string, this.myNonce);
    if (!macEquals(mac, expected)) {
      this.log.warn({ remote: this.init.remoteAddress }, `replication peer ${this.peer} failed authentication: bad cluster secret`);
      return this.close(C.CloseCode.BAD_SECRET, 'bad cluster secret');
    }
    if (this.direction === 'accept') this.sendAuth();
    this.state = 'live';
    clearTimeout(this.handshakeTimer);
    this.heartbeat = setInterval(() => this.beat(), this.init.heartbeatMs ?? C.HEARTBEAT_MS);
    this.exchange = setInterval(() => this.exchangeProgress(), this.init.exchangeMs ?? C.VECTOR_EXCHANGE_MS);
    this.unsubscribe = this.init.store.onApplied(() => this.pump.schedule());
    this.log.info({ event: 'replication_link_live', direction: this.direction }, `replication link to tracker ${this.peer} is live`);
    this.init.onLive?.(this);
    this.send({ t: 'vector', ...(await this.progress()) });
    this.sendPresence();
  }

  /** This tracker's vector, with its clock when the store can tell it (compaction needs it). */
  private async progress(): Promise<{ vector: Vector; clock?: string }> {
    if (this.init.store.progress) return this.init.store.progress();
    return { vector: await this.init.store.vector() };
  }

  /** The latest vector and clock the peer reported, for the compaction horizon (horizon.ts). */
  get peerProgress(): { vector: Vector; clock: string } | undefined {
    return this.peerClock === undefined ? undefined : { vector: { ...this.acked }, clock: this.peerClock };
  }

  private async onSnapshotPart(msg: Extract<ReplicationMessage, { t: 'snapshot' }>): Promise<void> {
    if (msg.part !== this.snapshotParts.length) return this.reject(`snapshot part ${msg.part} out of order`);
    this.snapshotParts.push(msg.rows);
    if (!msg.last) return;
    const rows = this.snapshotParts.filter((part) => part !== '').join('\n');
    this.snapshotParts = [];
    if (!this.init.store.installSnapshot) return this.reject('this tracker cannot install snapshots');
    const installed = await this.init.store.installSnapshot({ horizon: msg.horizon, vector: msg.vector, rows });
    if (installed) this.log.info({ event: 'snapshot_installed', horizon: msg.horizon }, `caught up from tracker ${this.peer}'s snapshot`);
    // Either way, tell the peer where this tracker now stands; its pump restarts from there.
    if (this.state === 'live') this.send({ t: 'vector', ...(await this.progress()) });
  }

  /** Sends this tracker's whole presence set (after going live and after each change). */
  sendPresence(): void {
    if (this.state === 'live' && this.init.presence) this.send({ t: 'presence', online: this.init.presence.local() });
  }

  private async onVector(vector: Vector, clock?: string): Promise<void> {
    if (clock !== undefined) this.peerClock = clock;
    mergeVector(this.acked, vector);
    this.pump.peerVector(vector);
    if (this.peerStartVector !== undefined) return;
    this.peerStartVector = vector;
    this.noteVector(await this.init.store.vector());
  }

  /**
   * Queues the batch on the store without waiting for it: batches that arrive while one is being
   * applied share the next transaction (a catch-up writes each page once per few batches, not
   * once per batch). The store applies them in arrival order; acks follow in the same order, once
   * each batch has committed. Until then the batch counts as unprocessed, so a peer that ignores
   * the ack window is still cut off at MAX_QUEUED_MESSAGES.
   */
  private onOps(ops: ReplicatedOp[], batch: number | undefined): void {
    this.counts.receivedOps += ops.length;
    // Before applying: once applied they are in the log, and the pump must not echo them.
    this.pump.peerHas(ops);
    this.queued++;
    const applying = this.init.store.applyRemote(ops, { behindSnapshot: (this.behindSnapshot ||= this.init.store.needsSnapshot?.(this.acked) ?? false) });
    applying.catch(() => {}); // handled in order below; not "unhandled" while earlier acks wait
    this.acking = this.acking
      .then(async () => {
        const applied = await applying;
        this.counts.appliedOps += applied.length;
        if (this.state !== 'live') return;
        const progress = await this.progress();
        this.send({ t: 'ack', ...(batch === undefined ? {} : { batch }), ...progress });
        this.noteVector(progress.vector);
      })
      .catch((err: unknown) => this.fail(err))
      .finally(() => this.queued--);
  }

  private noteVector(mine: Vector): void {
    if (!this.caughtUp && this.peerStartVector !== undefined && !lacks(mine, this.peerStartVector)) {
      this.caughtUp = true;
      this.log.info({ event: 'replication_caught_up' }, `caught up with tracker ${this.peer}`);
    }
  }

  private onAck(vector: Vector, clock: string | undefined, batch: number | undefined): void {
    if (!this.pump.ack(vector, batch)) return this.reject('ack without a batch');
    if (clock !== undefined) this.peerClock = clock;
    this.lastAckAt = this.now();
    mergeVector(this.acked, vector);
  }

  // --- sending and closing ---------------------------------------------------------------------

  /** Sends a message, or an already encoded frame; a no-op once the socket is closing. */
  private send(msg: ReplicationMessage | string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  private beat(): void {
    if (this.socket.readyState !== WebSocket.OPEN) return; // closing: the 'close' event is coming
    if (!this.alive) {
      this.log.warn(`replication peer ${this.peer} stopped answering pings`);
      this.finish(1006, 'heartbeat timeout');
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  /**
   * Every VECTOR_EXCHANGE_MS: resend what went unacknowledged, redial a link that makes no
   * progress, and tell the peer this tracker's vector, so it notices lost frames too.
   */
  private exchangeProgress(): void {
    if (this.state !== 'live') return;
    this.pump.tick();
    const stalled = this.pump.stalledForMs();
    if (stalled >= (this.init.stallRedialMs ?? C.STALL_REDIAL_MS)) {
      this.log.warn({ event: 'replication_stalled', stalledMs: stalled }, `tracker ${this.peer} acknowledged nothing for ${stalled} ms; reconnecting`);
      return this.close(C.CloseCode.NO_PROGRESS, 'no progress');
    }
    // After the acks of the batches received so far, so it never overtakes one of them.
    this.acking = this.acking
      .then(async () => {
        if (this.state === 'live') this.send({ t: 'vector', ...(await this.progress()) });
      })
      .catch((err: unknown) => this.fail(err));
  }

  /** A protocol violation by the peer: log it and close 4000. */
  private reject(why: string): void {
    this.log.warn({ remote: this.init.remoteAddress, why }, `closing replication link to tracker ${this.peer || '?'}: ${why}`);
    // A close reason must fit 123 bytes or ws throws; `why` may quote the peer's input.
    this.close(C.CloseCode.BAD_MESSAGE, why.replace(/[^\x20-\x7e]/g, '?').slice(0, 120));
  }

  /** A local failure (store error, op too large): log it and close 1011; the dialer retries. */
  private fail(err: unknown): void {
    if (this.state === 'closed') return;
    this.log.error({ err }, `replication link to tracker ${this.peer} failed`);
    this.close(C.CloseCode.INTERNAL_ERROR, 'internal error');
  }

  private onSocketClose(code: number, reason: string): void {
    clearTimeout(this.graceTimer);
    if (this.state !== 'closed') this.finish(code, reason);
  }

  private finish(code: number, reason: string): void {
    if (this.state === 'closed') return;
    const wasLive = this.state === 'live';
    this.state = 'closed';
    clearTimeout(this.handshakeTimer);
    clearInterval(this.heartbeat);
    clearInterval(this.exchange);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.pump.stop();
    this.init.presence?.remote(this, null);
    const fields = { event: 'replication_link_closed', code, reason };
    if (wasLive) this.log.info(fields, `replication link to tracker ${this.peer} closed (${code} ${reason})`);
    else this.log.debug(fields, 'replication link closed before going live');
    this.init.onClosed?.(this, code, reason);
  }
}
