/**
 * The public types of TrackerLink (tracker-link.ts): what it is built from, the events it
 * emits, the session it remembers. Kept apart so the state machine file holds only behaviour.
 */
import type { HostPort, Push, RequestInput, RequestType, Result } from '@groupshare/protocol';
import type { WebSocket } from 'ws';
import type { BackoffOptions } from './backoff.js';
import type { TrackerRef } from './connection.js';

export interface TrackerLinkInit {
  /** From parseTrackerInfo(); entry i is tracker number i + 1. At least one. */
  trackers: readonly HostPort[];
  /** Where this client's peer server listens; added to `login`/`resume` requests that give none. */
  peerAddress?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  resumeTimeoutMs?: number;
  heartbeatMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** For backoff jitter; Math.random by default. */
  random?: () => number;
  /** Clock in ms, to tell stable connections from flapping ones; Date.now by default. */
  now?: () => number;
  /** The WebSocket class (`ws` by default); for tests and instrumentation. */
  WebSocketImpl?: typeof WebSocket;
}

export interface TrackerLinkEvents {
  /** A tracker is connected and the session (if any) resumed; queued requests have been sent. */
  connected: [info: TrackerRef];
  /** An attempt to connect failed (refused, timed out, resume refused); the next follows. */
  connectFailed: [info: TrackerRef & { reason: string }];
  /** An established connection broke. */
  disconnected: [info: TrackerRef & { reason: string }];
  /** Connected to a different tracker than last time (fires just before `connected`). */
  failover: [info: { from: TrackerRef; to: TrackerRef }];
  /** The automatic resume after a reconnect succeeded; `result.notices` may need showing. */
  sessionResumed: [info: TrackerRef & { result: Result<'resume'> }];
  /** The remembered session is gone (expired, ended elsewhere): log in again. */
  sessionLost: [info: { reason: string }];
  /** A server push, from whichever tracker is connected. */
  push: [push: Push];
  /** A frame from the tracker was not understood and was ignored. */
  badFrame: [info: TrackerRef & { reason: string }];
  /** An exception from a listener or a bug, caught so it cannot break the socket handling. */
  error: [err: unknown];
}

/** A request's own fields: everything but the envelope's `id` and `type`. */
export type RequestFields<T extends RequestType> = Omit<RequestInput<T>, 'id' | 'type'>;

/** The session the link resumes after each reconnect. */
export interface LinkSession {
  userId: string;
  token: string;
  /** Sent with every automatic resume; undefined lets the tracker use the one from login. */
  peerAddress: string | undefined;
}
