/**
 * TrackerLink: the client's one WebSocket to "whichever tracker answers", with failover between
 * the trackers of tracker_info.txt and a session that survives it (the trackers replicate
 * sessions, so a token from one is good on all).
 *
 * Connecting. `start()` tries tracker 1 first, then 2, 3, … wrapping around. The order is fixed
 * rather than random: it is predictable for operators ("clients prefer tracker 1") and for
 * tests, and the trackers hold the same state, so where a client lands does not matter. When an
 * established connection breaks, the link goes on at once with the *next* tracker (the one that
 * just failed comes last). Within a round every tracker is tried without pause; after a whole
 * round fails the link waits `backoff.initialMs`, doubling per round up to `backoff.maxMs`
 * (jittered with `random`). Each attempt is cut off after `connectTimeoutMs`, and a connection
 * that stops answering pings for a `heartbeatMs` interval is abandoned the same way.
 *
 * Session. A successful `login` (or `resume`) is remembered: token, user id and the peer address
 * it was given (the init's `peerAddress` is filled in when the request has none). After every
 * reconnect the link first sends `resume { token, peerAddress }` and only then releases queued
 * requests. If the tracker answers ERR_SESSION_INVALID the token is forgotten and `sessionLost`
 * fires; the queued requests still go out and get ERR_NOT_LOGGED_IN, which is the truth. A
 * successful `logout`, an ERR_SESSION_INVALID reply, a `session_ended` push forget the token, and
 * so does `forgetSession()`; a resume it overtakes is undone with a `logout` on that connection.
 *
 * Requests. `request()` waits while no tracker is connected; after `requestTimeoutMs` from the
 * call it fails with TrackerUnavailableError (never sent) or RequestTimeoutError (sent, not
 * answered). A request that was sent on a connection that then broke is re-sent once on the next
 * connection, after the resume, if repeating it cannot apply a change twice; otherwise it fails
 * with ConnectionLostError, whose message says how to check whether it happened
 * (the table and its reasons: RECONNECT_POLICY in retry-policy.ts). "Once" is deliberate: a
 * request that breaks two trackers in a row is not carried to a third. `waitForTracker(false)`
 * makes requests fail at once while no tracker is connected (a client shutting down or logging
 * out: what they report, shares and pieces, is kept on disk and sent again at the next login).
 *
 * Known limit: a session is only as good on the next tracker as replication has made it: one
 * that dies just after a login may leave a session the others refuse (`sessionLost`).
 *
 * Events and errors. Nothing thrown by a socket handler or by an event listener escapes into
 * `ws`: it is passed to `error` listeners (emitted only while one is attached, because an
 * unheard `error` event would throw). Frames that are not JSON or fit no message are dropped
 * with a `badFrame` event.
 */
import {
  ProtocolError,
  formatHostPort,
  type Push,
  type RequestType,
  type Result,
} from '@groupshare/protocol';
import { WebSocket } from 'ws';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import * as C from './constants.js';
import { BadReplyError, LinkStoppedError } from './errors.js';
import { parseResult } from './frames.js';
import { busyWaitMs, expiryError, newPending, requeueOrLost, sessionAfter, stoppedError, unsentError, type PendingRequest } from './pending.js';
import { answeredByAutoResume, logoutAwaitingResend, resumeFields, resumeOutcome } from './session-resume.js';
import { TrackerConnection, type Reply, type TrackerRef } from './connection.js';
import { GuardedEmitter } from './guarded-emitter.js';
import type { LinkSession, RequestFields, TrackerLinkEvents, TrackerLinkInit } from './types.js';

export type { TrackerRef } from './connection.js';
export type { LinkSession, RequestFields, TrackerLinkEvents, TrackerLinkInit } from './types.js';

/** See the module comment. Events: {@link TrackerLinkEvents}. */
export class TrackerLink extends GuardedEmitter<TrackerLinkEvents> {
  private readonly trackers: readonly TrackerRef[];
  private readonly peerAddress: string | undefined;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly resumeTimeoutMs: number;
  private readonly heartbeatMs: number;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly WebSocketImpl: typeof WebSocket;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private noWait = false; // waitForTracker(false)
  private stopping: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Connection attempts since the last stable connection (drives the backoff). */
  private attempts = 0;
  private lastReady: number | undefined;
  private lastFailure: string | undefined;
  private currentSession: LinkSession | undefined;

  /** The current connection, and how far it got: open → (resume) → ready. */
  private conn: TrackerConnection | undefined;
  private connIndex = 0;
  private phase: 'opening' | 'resuming' | 'ready' = 'opening';
  private resumeTimer: NodeJS.Timeout | undefined;
  /** What the automatic resume on `conn` got, to answer a re-sent `resume` of the same token. */
  private resumed: { token: string; result: Result<'resume'> } | undefined;

  /** Pending requests by sequence number: Map order is call order, which sending keeps. */
  private readonly pending = new Map<number, PendingRequest>();
  private nextSeq = 1;
  private nextId = 1;

  constructor(init: TrackerLinkInit) {
    super();
    if (init.trackers.length === 0) throw new RangeError('TrackerLink needs at least one tracker');
    this.trackers = init.trackers.map((t, i) => ({ tracker: i + 1, address: formatHostPort(t) }));
    this.peerAddress = init.peerAddress;
    this.connectTimeoutMs = init.connectTimeoutMs ?? C.DEFAULT_CONNECT_TIMEOUT_MS;
    this.requestTimeoutMs = init.requestTimeoutMs ?? C.DEFAULT_REQUEST_TIMEOUT_MS;
    this.resumeTimeoutMs = init.resumeTimeoutMs ?? C.DEFAULT_RESUME_TIMEOUT_MS;
    this.heartbeatMs = init.heartbeatMs ?? C.DEFAULT_HEARTBEAT_MS;
    this.backoff = { ...C.DEFAULT_BACKOFF, ...init.backoff };
    this.random = init.random ?? Math.random;
    this.now = init.now ?? Date.now;
    this.WebSocketImpl = init.WebSocketImpl ?? WebSocket;
  }

  /** The tracker in use, once connected and resumed; undefined while (re)connecting. */
  get connectedTracker(): TrackerRef | undefined {
    return this.conn !== undefined && this.phase === 'ready' ? this.conn.ref : undefined;
  }

  /** The remembered session, if logged in. The token is a secret: never print it. */
  get session(): Readonly<LinkSession> | undefined {
    return this.currentSession;
  }

  /** Starts connecting (tracker 1 first) in the background. Requests may be made at once. */
  start(): void {
    if (this.state === 'stopped') throw new LinkStoppedError('a stopped tracker link cannot be started again');
    if (this.state === 'running') return;
    this.state = 'running';
    this.scheduleNext(0);
  }

  /** Stops for good: rejects every pending request (LinkStoppedError), closes the socket; idempotent. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.state = 'stopped';
    clearTimeout(this.retryTimer);
    clearTimeout(this.resumeTimer);
    for (const p of [...this.pending.values()]) {
      const err = stoppedError(p);
      this.finish(p);
      p.reject(err);
    }
    const conn = this.conn;
    this.conn = undefined;
    this.stopping = conn ? conn.stop() : Promise.resolve();
    return this.stopping;
  }

  /**
   * Forgets the session without telling a tracker (a logout with none reachable: there it lapses).
   * It is not resumed again; a resume already in flight that succeeds is followed by a `logout`.
   */
  forgetSession(): void {
    this.currentSession = undefined;
  }

  /** `false`: requests queued for want of a tracker fail now (TrackerUnavailableError), later ones too while none is connected. */
  waitForTracker(wait: boolean): void {
    this.noWait = !wait;
    if (wait || (this.conn !== undefined && this.phase === 'ready')) return;
    for (const p of [...this.pending.values()]) {
      if (p.sentOn !== undefined) continue;
      this.finish(p);
      p.reject(unsentError(p, this.lastFailure));
    }
  }

  /**
   * Sends a request and resolves with its result, or rejects with the tracker's ProtocolError
   * (`code` from the reply) or one of the link's errors (errors.ts).
   */
  request<T extends RequestType>(
    type: T,
    ...args: {} extends RequestFields<T> ? [fields?: RequestFields<T>] : [fields: RequestFields<T>]
  ): Promise<Result<T>> {
    if (this.state !== 'running') {
      const why = this.state === 'idle' ? 'is not started' : 'is stopped';
      return Promise.reject(new LinkStoppedError(`cannot send ${type}: the tracker link ${why}`));
    }
    const fields: Record<string, unknown> = { ...(args[0] as object | undefined) };
    if ((type === 'login' || type === 'resume') && fields.peerAddress === undefined && this.peerAddress !== undefined) {
      fields.peerAddress = this.peerAddress;
    }
    return new Promise<Result<T>>((resolve, reject) => {
      const p = newPending(this.nextSeq++, type, fields, resolve as (result: unknown) => void, reject);
      const connected = this.conn !== undefined && this.phase === 'ready';
      if (this.noWait && !connected) return void reject(unsentError(p, this.lastFailure));
      p.deadline = setTimeout(this.guard(() => this.expire(p)), this.requestTimeoutMs);
      this.pending.set(p.seq, p);
      if (connected) this.send(p, this.conn as TrackerConnection);
    });
  }

  // ---- connecting ---------------------------------------------------------------------------

  private scheduleNext(index: number): void {
    if (this.state !== 'running') return;
    const n = this.trackers.length;
    // A whole round without a stable connection earns a pause before the next round.
    const delay = this.attempts > 0 && this.attempts % n === 0 ? backoffDelay(this.attempts / n, this.backoff, this.random) : 0;
    this.attempts++;
    this.retryTimer = setTimeout(this.guard(() => this.connect(index % n)), delay);
  }

  private connect(index: number): void {
    if (this.state !== 'running') return;
    const ref = this.trackers[index] as TrackerRef;
    const conn: TrackerConnection = new TrackerConnection({
      ref,
      WebSocketImpl: this.WebSocketImpl,
      connectTimeoutMs: this.connectTimeoutMs,
      heartbeatMs: this.heartbeatMs,
      now: this.now,
      nextId: () => this.nextId++,
      onOpen: () => this.onOpen(conn),
      onPush: (push) => this.onPush(push),
      onBadFrame: (reason) => this.fire('badFrame', { ...ref, reason }),
      onClose: (reason) => this.dropped(conn, reason),
      onError: (err) => this.reportError(err),
    });
    this.conn = conn;
    this.connIndex = index;
    this.phase = 'opening';
    this.resumed = undefined;
    conn.start();
  }

  private onOpen(conn: TrackerConnection): void {
    if (conn !== this.conn) return;
    const session = this.currentSession;
    if (!session) {
      this.ready(conn);
      return;
    }
    // Resume before anything else, so that queued requests run inside the session.
    this.phase = 'resuming';
    this.sendFirst(conn, 'resume', resumeFields(session), (reply) => this.onResumeReply(conn, session, reply));
  }

  /** Sends what must be answered before `conn` is ready, cut off (next tracker) after `resumeTimeoutMs`. */
  private sendFirst(conn: TrackerConnection, type: 'resume' | 'logout', fields: Record<string, unknown>, onReply: (reply: Reply) => void): void {
    const timeout = () => conn.close(`${type} not answered within ${this.resumeTimeoutMs} ms`);
    this.resumeTimer = setTimeout(this.guard(timeout), this.resumeTimeoutMs);
    conn.send(type, fields, (reply) => {
      clearTimeout(this.resumeTimer);
      if (conn === this.conn) onReply(reply);
    });
  }

  private onResumeReply(conn: TrackerConnection, session: LinkSession, reply: Reply): void {
    const outcome = resumeOutcome(reply);
    const forgotten = this.currentSession !== session; // by forgetSession() while the resume was in flight
    switch (outcome.kind) {
      case 'resumed':
        if (forgotten) return this.endForgotten(conn);
        this.resumed = { token: session.token, result: outcome.result };
        this.ready(conn, () => this.fire('sessionResumed', { ...conn.ref, result: outcome.result }));
        return;
      case 'invalid': {
        if (this.currentSession === session) this.currentSession = undefined;
        const logout = logoutAwaitingResend(this.pending.values());
        if (logout) {
          this.finish(logout);
          logout.resolve({});
        }
        // Not lost if a logout re-queued after a break evidently took effect, or it was forgotten meanwhile.
        this.ready(conn, logout || forgotten ? undefined : () => this.fire('sessionLost', { reason: outcome.reason }));
        return;
      }
      case 'malformed':
        this.fire('badFrame', { ...conn.ref, reason: outcome.reason });
        conn.close(`resume answered with a malformed result (${outcome.reason})`);
        return;
      case 'refused':
        // This tracker cannot serve us now; try the next.
        conn.close(`resume refused (${outcome.reason})`);
    }
  }

  /**
   * The session was forgotten (forgetSession) while its resume was in flight, and the resume
   * succeeded: the tracker holds a live session the client considers ended. A `logout` on this
   * connection ends it before anything else is sent; failing that, the connection is given up
   * (the next one resumes nothing) and the session lapses on the trackers.
   */
  private endForgotten(conn: TrackerConnection): void {
    this.sendFirst(conn, 'logout', {}, (reply) => {
      if (reply.kind === 'success') return this.ready(conn);
      conn.close(`the forgotten session could not be ended (${reply.kind === 'failure' ? reply.error.code : reply.reason})`);
    });
  }

  /** The connection is usable: send what waited, in call order, then tell listeners. */
  private ready(conn: TrackerConnection, then?: () => void): void {
    this.phase = 'ready';
    const previous = this.lastReady;
    this.lastReady = this.connIndex;
    const resumed = this.resumed;
    for (const p of [...this.pending.values()]) {
      if (this.conn !== conn) return; // the socket failed meanwhile; the next one will send
      if (p.sentOn) continue;
      if (answeredByAutoResume(p, resumed)) {
        this.finish(p);
        p.resolve(resumed.result);
        continue;
      }
      this.send(p, conn);
    }
    if (previous !== undefined && previous !== this.connIndex) {
      this.fire('failover', { from: this.trackers[previous] as TrackerRef, to: conn.ref });
    }
    this.fire('connected', conn.ref);
    then?.();
  }

  /** The connection is gone: settle what was sent on it, then try the next tracker. */
  private dropped(conn: TrackerConnection, reason: string): void {
    if (conn !== this.conn) return; // replaced, or the link is stopping
    this.conn = undefined;
    clearTimeout(this.resumeTimer);
    if (conn.openedAt !== undefined && this.now() - conn.openedAt >= C.STABLE_CONNECTION_MS) this.attempts = 0;
    this.lastFailure = `${conn.ref.address}: ${reason}`;
    for (const p of [...this.pending.values()]) {
      if (p.sentOn !== conn) continue;
      p.sentOn = undefined;
      p.id = undefined;
      const err = requeueOrLost(p); // re-queued: stays pending; ready() sends it again after the resume
      if (err === undefined) continue;
      this.finish(p);
      p.reject(err);
    }
    if (this.noWait) this.waitForTracker(false); // what was re-queued for the next tracker does not wait for it either
    this.fire(conn.openedAt !== undefined ? 'disconnected' : 'connectFailed', { ...conn.ref, reason });
    this.scheduleNext(this.connIndex + 1);
  }

  // ---- requests -----------------------------------------------------------------------------

  private send(p: PendingRequest, conn: TrackerConnection): void {
    let id: number | undefined;
    try {
      id = conn.send(p.type, p.fields, (reply) => this.settle(p, conn, reply));
    } catch (err) {
      this.finish(p);
      p.reject(new TypeError(`${p.type}: the request cannot be encoded as JSON`, { cause: err }));
      return;
    }
    // Undefined: the socket is closing; the request stays queued for the next connection.
    if (id === undefined) return;
    p.sentOn = conn;
    p.id = id;
  }

  private settle(p: PendingRequest, conn: TrackerConnection, reply: Reply): void {
    p.id = undefined; // the connection no longer awaits it
    if (reply.kind === 'failure' && reply.error.code === 'ERR_BUSY' && this.pending.has(p.seq)) {
      // Nothing was done (argon2 queue or registration lane full): ask again after the pause the
      // tracker asks for, as often as the request's own deadline allows.
      p.sentOn = undefined;
      p.busy = reply.error.message;
      const wait = busyWaitMs(reply.error.retryAfterMs);
      setTimeout(this.guard(() => {
        if (this.pending.has(p.seq) && p.sentOn === undefined && this.conn !== undefined && this.phase === 'ready') this.send(p, this.conn);
      }), wait);
      return;
    }
    this.finish(p);
    const from = `tracker ${conn.ref.tracker} (${conn.ref.address})`;
    if (reply.kind === 'badReply') {
      this.fire('badFrame', { ...conn.ref, reason: reply.reason });
      p.reject(new BadReplyError(`${from} answered ${p.type} with a malformed reply: ${reply.reason}`));
      return;
    }
    if (reply.kind === 'failure') {
      const { code, message, retryAfterMs } = reply.error;
      // The tracker logs a connection out when its session expires; a refused resume of some
      // other token says nothing about ours.
      if (code === 'ERR_SESSION_INVALID' && (p.type !== 'resume' || p.fields.token === this.currentSession?.token)) {
        this.loseSession(message);
      }
      p.reject(new ProtocolError(code, message, retryAfterMs));
      return;
    }
    const parsed = parseResult(p.type, reply.result);
    if (!parsed.ok) {
      this.fire('badFrame', { ...conn.ref, reason: parsed.reason });
      p.reject(new BadReplyError(`${from} answered ${p.type} with a malformed result: ${parsed.reason}`));
      return;
    }
    this.currentSession = sessionAfter(p, parsed.result, this.currentSession);
    p.resolve(parsed.result);
  }

  private onPush(push: Push): void {
    this.fire('push', push);
    // Compared as a string: this push is new in protocol, and builds without it must compile.
    const kind: string = push.push;
    if (kind === 'session_ended') this.loseSession('the tracker ended the session');
  }

  private loseSession(reason: string): void {
    if (!this.currentSession) return;
    this.currentSession = undefined;
    this.fire('sessionLost', { reason });
  }

  /** Forgets a pending request: its deadline, its place in the queue, its awaited reply. */
  private finish(p: PendingRequest): void {
    clearTimeout(p.deadline);
    this.pending.delete(p.seq);
    if (p.sentOn && p.id !== undefined) p.sentOn.forget(p.id);
  }

  private expire(p: PendingRequest): void {
    if (!this.pending.has(p.seq)) return;
    const conn = p.sentOn;
    this.finish(p);
    p.reject(expiryError(p, conn, this.requestTimeoutMs, this.lastFailure));
  }
}
