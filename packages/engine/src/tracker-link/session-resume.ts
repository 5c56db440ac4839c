/**
 * The automatic resume TrackerLink sends first on every new connection while it holds a
 * session: what it sends, and what the tracker's answer means for the link. Pure decisions; the
 * link acts on them (goes ready, forgets the session, or tries the next tracker).
 */
import type { Result } from '@groupshare/protocol';
import type { Reply } from './connection.js';
import { parseResult } from './frames.js';
import type { PendingRequest } from './pending.js';
import type { LinkSession } from './types.js';

/** The fields of the automatic `resume` for `session`; no peer address lets the tracker keep the login's. */
export function resumeFields(session: LinkSession): Record<string, unknown> {
  return session.peerAddress === undefined ? { token: session.token } : { token: session.token, peerAddress: session.peerAddress };
}

/** What the tracker's reply to the automatic resume means. */
export type ResumeOutcome =
  /** The session lives on this connection. */
  | { kind: 'resumed'; result: Result<'resume'> }
  /** ERR_SESSION_INVALID: the session has ended on the trackers. */
  | { kind: 'invalid'; reason: string }
  /** A success whose result fits no `resume` result: the connection cannot be trusted. */
  | { kind: 'malformed'; reason: string }
  /** ERR_BUSY, ERR_INTERNAL, a malformed reply: this tracker cannot serve the session now. */
  | { kind: 'refused'; reason: string };

/** Classifies the reply to the automatic resume (see {@link ResumeOutcome}). */
export function resumeOutcome(reply: Reply): ResumeOutcome {
  if (reply.kind === 'success') {
    const parsed = parseResult('resume', reply.result);
    return parsed.ok ? { kind: 'resumed', result: parsed.result } : { kind: 'malformed', reason: parsed.reason };
  }
  if (reply.kind === 'failure' && reply.error.code === 'ERR_SESSION_INVALID') return { kind: 'invalid', reason: reply.error.message };
  return { kind: 'refused', reason: reply.kind === 'failure' ? `${reply.error.code}: ${reply.error.message}` : reply.reason };
}

/**
 * A `logout` that was in flight when the previous connection broke and waits to be sent again:
 * when the resume then finds the session ended, that logout evidently took effect.
 */
export function logoutAwaitingResend(pending: Iterable<PendingRequest>): PendingRequest | undefined {
  for (const p of pending) if (p.type === 'logout' && p.retried && !p.sentOn) return p;
  return undefined;
}

/**
 * Whether `p` is a caller's own `resume` re-queued after a break that the automatic resume on
 * the new connection (`resumed`) already did: it is answered with that result, not sent again
 * (the tracker would refuse a second resume on one connection).
 */
export function answeredByAutoResume(
  p: PendingRequest,
  resumed: { token: string; result: Result<'resume'> } | undefined,
): resumed is { token: string; result: Result<'resume'> } {
  return p.type === 'resume' && p.retried && resumed !== undefined && resumed.token === p.fields.token;
}
