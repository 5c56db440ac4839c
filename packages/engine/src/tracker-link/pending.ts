/**
 * A request the tracker link holds until it is answered or its deadline passes, and the pure
 * decisions about it: how long to wait after ERR_BUSY, what a successful login, resume or logout
 * means for the session, and which error a request whose deadline passed ends with.
 */
import { ProtocolError, type RequestType, type Result } from '@groupshare/protocol';
import type { TrackerConnection } from './connection.js';
import { ConnectionLostError, LinkStoppedError, RequestTimeoutError, TrackerUnavailableError } from './errors.js';
import { reconnectPolicy } from './retry-policy.js';
import type { LinkSession } from './types.js';

/** Pause before asking again after ERR_BUSY without a `retryAfterMs`, and the longest pause. */
const BUSY_RETRY_MS = 500;
const MAX_BUSY_WAIT_MS = 5_000;

export interface PendingRequest {
  readonly seq: number;
  readonly type: RequestType;
  readonly fields: Record<string, unknown>;
  readonly resolve: (result: unknown) => void;
  readonly reject: (err: Error) => void;
  deadline: NodeJS.Timeout | undefined;
  /** The connection it was last sent on and its id there; undefined while queued. */
  sentOn: TrackerConnection | undefined;
  id: number | undefined;
  /** Already re-queued once after a break. */
  retried: boolean;
  /** The tracker's last ERR_BUSY message, while the request waits to be asked again. */
  busy?: string;
}

/** A request not yet sent nor timed: the link sets its deadline and queues it. */
export function newPending(
  seq: number,
  type: RequestType,
  fields: Record<string, unknown>,
  resolve: (result: unknown) => void,
  reject: (err: Error) => void,
): PendingRequest {
  return { seq, type, fields, resolve, reject, deadline: undefined, sentOn: undefined, id: undefined, retried: false };
}

/** How long to wait before asking again a request answered ERR_BUSY. */
export function busyWaitMs(retryAfterMs: number | undefined): number {
  return Math.min(retryAfterMs ?? BUSY_RETRY_MS, MAX_BUSY_WAIT_MS);
}

/**
 * The session after `p` succeeded with `result`: a login or resume starts it, a logout ends it,
 * anything else leaves `current` as it is.
 */
export function sessionAfter(p: PendingRequest, result: unknown, current: LinkSession | undefined): LinkSession | undefined {
  const peerAddress = typeof p.fields.peerAddress === 'string' ? p.fields.peerAddress : undefined;
  if (p.type === 'login') return { userId: (result as Result<'login'>).userId, token: (result as Result<'login'>).token, peerAddress };
  if (p.type === 'resume') return { userId: (result as Result<'resume'>).userId, token: String(p.fields.token), peerAddress };
  if (p.type === 'logout') return undefined;
  return current;
}

/**
 * Why `p` failed when its deadline of `ms` passed: unanswered by the tracker it went to (and
 * whether it may have happened), the tracker still busy, or no tracker reachable to send it to.
 */
export function expiryError(p: PendingRequest, sentOn: TrackerConnection | undefined, ms: number, lastFailure: string | undefined): Error {
  if (sentOn) {
    const policy = reconnectPolicy(p.type);
    const unknown = policy.retry ? '' : `; it may or may not have happened — ${policy.check}`;
    return new RequestTimeoutError(`tracker ${sentOn.ref.tracker} (${sentOn.ref.address}) did not answer ${p.type} within ${ms} ms${unknown}`);
  }
  if (p.busy !== undefined) return new ProtocolError('ERR_BUSY', `${p.busy} (still busy after ${ms} ms)`);
  const what = p.retried ? `${p.type} could not be sent again after its tracker failed` : `${p.type} was not sent`;
  const last = lastFailure === undefined ? '' : ` (last failure: ${lastFailure})`;
  return new TrackerUnavailableError(`no tracker could be reached within ${ms} ms, so ${what}${last}`);
}

/** Why `p` fails at once when the link no longer waits for a tracker (`waitForTracker(false)`) and none is connected. */
export function unsentError(p: PendingRequest, lastFailure: string | undefined): Error {
  const last = lastFailure === undefined ? '' : ` (last failure: ${lastFailure})`;
  return new TrackerUnavailableError(`no tracker is reachable, so ${p.type} was not sent${last}`);
}

/** Why `p` fails when the link is stopped before it is answered (and whether it may have happened). */
export function stoppedError(p: PendingRequest): Error {
  const policy = reconnectPolicy(p.type);
  const unknown = p.sentOn !== undefined && !policy.retry ? `; it may or may not have happened — ${policy.check}` : '';
  return new LinkStoppedError(`the tracker link was stopped before ${p.type} was answered${unknown}`);
}

/**
 * For `p`, sent on a connection that broke before answering: undefined when it may be sent again
 * (marked retried, so once only), else the ConnectionLostError it fails with.
 */
export function requeueOrLost(p: PendingRequest): Error | undefined {
  const policy = reconnectPolicy(p.type);
  if (policy.retry && !p.retried) {
    p.retried = true;
    return undefined;
  }
  return new ConnectionLostError(
    policy.retry
      ? `the tracker connection broke twice before ${p.type} was answered; try again`
      : `the tracker connection broke before ${p.type} was answered; it may or may not have happened — ${policy.check}`,
  );
}
