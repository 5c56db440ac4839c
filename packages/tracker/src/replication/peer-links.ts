/**
 * The replication links of one tracker: dials the trackers numbered above it, accepts the ones
 * numbered below it on `/replication`, and keeps exactly one live link per peer.
 *
 * Why "the lower number dials": with both sides dialing, each pair would race two sockets and
 * need a tie-break after authentication; with one dialer, the common case has one socket. The
 * dialer redials forever with jittered exponential backoff, because a tracker that is down now
 * (or was started later) must be caught up as soon as it returns.
 *
 * Why "keep the newest": a peer that restarts dials again before this side has noticed its old
 * socket died (no FIN from a killed process or a lost network). The new link has authenticated,
 * so it is the real peer; the stale one is closed with 4004.
 */
import { EventEmitter } from 'node:events';
import { MAX_REPLICATION_MESSAGE_BYTES, REPLICATION_PATH, formatHostPort, type TrackerAddress, type Vector } from '@groupshare/protocol';
import type { WebsocketHandler } from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import * as C from './constants.js';
import { LinkTraffic, type LinkBytes } from './link-traffic.js';
import { PeerLink, type PeerLinkInit, type PeerLinkStatus, type PresenceExchange, type ReplicationLog } from './peer-link.js';
import type { ReplicaStore } from './replica-store.js';

/** Presence bursts are coalesced over this long. */
const PRESENCE_DEBOUNCE_MS = 20;

export interface ReplicationLinksInit {
  /** This tracker's number. */
  me: number;
  /** Every tracker of the cluster, me included: entry i is tracker i + 1. */
  trackers: readonly Pick<TrackerAddress, 'host' | 'port'>[];
  /** The cluster secret every tracker shares. */
  secret: string;
  store: ReplicaStore;
  /** Parent logger; the links log through a child bound to `{ ns: 'replication' }`. */
  log: ReplicationLog;
  now?: () => number;
  /** Jitter source in [0, 1). */
  random?: () => number;
  backoff?: { initialMs: number; maxMs: number };
  handshakeTimeoutMs?: number;
  heartbeatMs?: number;
  /** Vector exchange, resend and stall timings of every link (tests shorten them). */
  timings?: Pick<PeerLinkInit, 'exchangeMs' | 'resendAfterMs' | 'stallRedialMs'>;
  presence?: PresenceExchange;
}

export interface ReplicationLinksEvents {
  /** A link authenticated (the status is taken at that moment). */
  live: [status: PeerLinkStatus];
  /** A link closed: a failed dial, a rejected peer, or a live link ending. */
  closed: [status: PeerLinkStatus, code: number, reason: string];
}

/** Dial state for one higher-numbered peer. */
interface Dialer {
  peer: number;
  url: string;
  attempt: number;
  link: PeerLink | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class ReplicationLinks extends EventEmitter<ReplicationLinksEvents> {
  private readonly log: ReplicationLog;
  private readonly dialers = new Map<number, Dialer>();
  private readonly accepted = new Set<PeerLink>();
  private readonly live = new Map<number, PeerLink>();
  private started = false;
  private stopped = false;
  private readonly progress = new Map<number, { vector: Vector; clock: string }>();
  /** When each peer's last live link closed (absence is counted from start for the others). */
  private readonly lastSeen = new Map<number, number>();
  /** Peers the operator told this tracker to stop waiting for (`forget_tracker`), until they return. */
  private readonly forgotten = new Set<number>();
  private readonly startedAt: number;
  private presenceTimer: NodeJS.Timeout | undefined;
  private readonly sockets = new WeakMap<PeerLink, WebSocket>();
  private readonly traffic = new LinkTraffic();

  constructor(private readonly init: ReplicationLinksInit) {
    super();
    this.startedAt = (init.now ?? Date.now)();
    this.log = init.log.child({ ns: 'replication' });
    for (let peer = init.me + 1; peer <= init.trackers.length; peer++) {
      const address = init.trackers[peer - 1] as Pick<TrackerAddress, 'host' | 'port'>;
      this.dialers.set(peer, { peer, url: `ws://${formatHostPort(address)}${REPLICATION_PATH}`, attempt: 0, link: undefined, timer: undefined });
    }
  }

  /** Starts dialing the higher-numbered trackers. Accepted sockets are handled even before. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const dialer of this.dialers.values()) this.dial(dialer);
  }

  /** Stops dialing and closes every link (1001); resolves when the sockets are gone. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.presenceTimer);
    const links: PeerLink[] = [...this.accepted];
    for (const dialer of this.dialers.values()) {
      clearTimeout(dialer.timer);
      if (dialer.link) links.push(dialer.link);
    }
    await Promise.all(links.map((link) => link.stop()));
  }

  /** Takes over a socket accepted on `/replication`. */
  attach(socket: WebSocket, remoteAddress: string | undefined): void {
    if (this.stopped) {
      socket.close(C.CloseCode.GOING_AWAY, 'tracker stopping');
      return;
    }
    const link = this.createLink(socket, undefined, remoteAddress);
    this.accepted.add(link);
  }

  /**
   * One entry per other tracker: its live link, else the link being set up, else a closed
   * placeholder. Counters belong to the current link and start at 0 after a reconnect.
   */
  status(): PeerLinkStatus[] {
    const out: PeerLinkStatus[] = [];
    for (let peer = 1; peer <= this.init.trackers.length; peer++) {
      if (peer === this.init.me) continue;
      const candidates = [this.live.get(peer), this.dialers.get(peer)?.link, ...[...this.accepted].filter((l) => l.peerNumber === peer)];
      const best = candidates.find((l) => l?.isLive) ?? candidates.find((l) => l !== undefined);
      out.push(best?.status() ?? { peer, direction: peer > this.init.me ? 'dial' : 'accept', state: 'closed', sentOps: 0, receivedOps: 0, appliedOps: 0, caughtUp: false, lastAckAt: null, unackedMs: 0, remoteAddress: undefined });
    }
    return out;
  }

  /**
   * This tracker's presence changed: tell every live peer, at most once per tick, since a burst
   * of connects (a restart of many clients) would otherwise send the whole set per client.
   */
  presenceChanged(): void {
    if (this.presenceTimer) return;
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = undefined;
      for (const link of this.live.values()) link.sendPresence();
    }, PRESENCE_DEBOUNCE_MS);
  }

  /**
   * What `peer` last reported holding, with its clock: from the live link, else remembered from
   * an earlier one (a tracker that is down still holds what it acknowledged). Undefined until the
   * peer was heard from since this tracker started, which holds compaction back.
   */
  peerProgress(peer: number): { vector: Vector; clock: string } | undefined {
    const live = this.live.get(peer)?.peerProgress;
    if (live) this.progress.set(peer, live);
    return this.progress.get(peer);
  }

  /** Every other tracker's number. */
  get peers(): number[] {
    return this.init.trackers.map((_, i) => i + 1).filter((n) => n !== this.init.me);
  }

  /**
   * How long `peer` has been away: 0 while a link to it is live, else since its last link closed
   * (or since this tracker started, if none was live since), Infinity once forgotten. The
   * compactor stops waiting for a peer away longer than `--evict-after` (compactor.ts).
   */
  absentForMs(peer: number): number {
    if (this.live.has(peer)) return 0;
    if (this.forgotten.has(peer)) return Infinity;
    return (this.init.now ?? Date.now)() - (this.lastSeen.get(peer) ?? this.startedAt);
  }

  /**
   * Stops waiting for `peer` in compaction now, as if its absence had lasted `--evict-after`
   * (console `forget_tracker`). It is still dialled and accepted: if it comes back, it is waited
   * for again and catches up from a snapshot. False if a link to it is live (nothing to forget).
   */
  forget(peer: number): boolean {
    if (this.live.has(peer)) return false;
    this.forgotten.add(peer);
    return true;
  }

  /** Bytes the replication sockets of `peer` carried since this tracker started. */
  linkBytes(peer: number): LinkBytes {
    return this.traffic.bytes(peer);
  }

  /** The live link to `peer`, if any (compaction reads its `peerAckedVector`). */
  liveLink(peer: number): PeerLink | undefined {
    return this.live.get(peer);
  }

  private dial(dialer: Dialer): void {
    dialer.timer = undefined;
    if (this.stopped) return;
    let socket: WebSocket;
    try {
      socket = new WebSocket(dialer.url, {
        // Dialed sockets accept a full replication frame; only the fastify side is capped lower.
        maxPayload: MAX_REPLICATION_MESSAGE_BYTES,
        perMessageDeflate: false,
        handshakeTimeout: this.init.handshakeTimeoutMs ?? C.HANDSHAKE_TIMEOUT_MS,
      });
    } catch (err) {
      // Only an unusable URL throws here, and it would throw again: give up on this peer.
      this.log.error({ err, url: dialer.url }, `cannot dial tracker ${dialer.peer}`);
      return;
    }
    dialer.link = this.createLink(socket, dialer.peer, dialer.url);
  }

  private createLink(socket: WebSocket, expectedPeer: number | undefined, remoteAddress: string | undefined): PeerLink {
    const { me, trackers } = this.init;
    const link = new PeerLink({
      socket,
      me,
      ...(expectedPeer === undefined ? {} : { expectedPeer }),
      isKnownPeer: (n) => Number.isInteger(n) && n >= 1 && n <= trackers.length && n !== me,
      secret: this.init.secret,
      store: this.init.store,
      log: this.log,
      ...(remoteAddress === undefined ? {} : { remoteAddress }),
      ...(this.init.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: this.init.handshakeTimeoutMs }),
      ...(this.init.heartbeatMs === undefined ? {} : { heartbeatMs: this.init.heartbeatMs }),
      ...(this.init.now === undefined ? {} : { now: this.init.now }),
      ...(this.init.presence === undefined ? {} : { presence: this.init.presence }),
      ...this.init.timings,
      onLive: (link) => this.onLive(link),
      onClosed: (link, code, reason) => this.onClosed(link, code, reason),
    });
    this.sockets.set(link, socket);
    return link;
  }

  private onLive(link: PeerLink): void {
    const peer = link.peerNumber;
    const older = this.live.get(peer);
    this.live.set(peer, link);
    this.traffic.live(link, peer, this.sockets.get(link));
    this.forgotten.delete(peer);
    const dialer = this.dialers.get(peer);
    if (dialer && dialer.link === link) dialer.attempt = 0;
    if (older && older !== link) {
      this.log.info({ peer }, `a newer replication link to tracker ${peer} replaces the older one`);
      older.close(C.CloseCode.REPLACED, 'replaced');
    }
    this.emit('live', link.status());
  }

  private onClosed(link: PeerLink, code: number, reason: string): void {
    const peer = link.peerNumber;
    const progress = link.peerProgress;
    if (progress && this.live.get(peer) === link) this.progress.set(peer, progress);
    if (this.live.get(peer) === link) {
      this.live.delete(peer);
      this.lastSeen.set(peer, (this.init.now ?? Date.now)());
    }
    this.accepted.delete(link);
    this.traffic.ended(link);
    this.emit('closed', link.status(), code, reason);
    const dialer = [...this.dialers.values()].find((d) => d.link === link);
    if (dialer === undefined) return;
    dialer.link = undefined;
    if (this.stopped || !this.started) return;
    const delay = backoffDelay(dialer.attempt++, this.init.backoff ?? C.DIAL_BACKOFF, this.init.random ?? Math.random);
    dialer.timer = setTimeout(() => this.dial(dialer), delay);
  }
}

/**
 * Delay before redial number `attempt` (0-based): `initialMs · 2^attempt` capped at `maxMs`,
 * then jittered to between half and all of it ("equal jitter").
 */
export function backoffDelay(attempt: number, backoff: { initialMs: number; maxMs: number }, random: () => number): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}

/**
 * Adds `GET /replication` (a WebSocket route) handing each accepted socket to `links`. The app
 * must have @fastify/websocket registered; its global maxPayload (16 MiB for clients) applies
 * here too, which MAX_SENT_FRAME_BYTES respects. `admit` may refuse a socket (closing it itself):
 * the tracker's per-address cap.
 */
export function registerReplicationRoute(app: FastifyInstance, links: Pick<ReplicationLinks, 'attach'>, admit: (socket: WebSocket, remoteAddress: string | undefined) => boolean = () => true): void {
  const handler: WebsocketHandler = (socket, request) => {
    if (admit(socket, request.socket.remoteAddress)) links.attach(socket, request.socket.remoteAddress);
  };
  app.get(REPLICATION_PATH, { websocket: true }, handler);
}
