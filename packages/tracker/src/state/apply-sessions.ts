/**
 * The session ops of the state machine (apply.ts): a login opens a session, a logout or an
 * expiry sweep ends one, and a user may hold at most {@link MAX_SESSIONS_PER_USER}. Like every
 * apply function, each reads only the op and the rows, so every tracker ends the same sessions;
 * each ended session is an effect, so its connections on every tracker are logged out.
 */
import type { Op } from '@groupshare/protocol';
import type { EndSessionEffect } from './effects.js';
import type { StateRows } from './sql/state-rows.js';

/**
 * Sessions one user may hold; a login beyond it ends their oldest. A part of the replicated
 * state machine, not a setting: trackers with different caps would end different sessions.
 */
export const MAX_SESSIONS_PER_USER = 50;

const LOGGED_OUT = 'this session was logged out (logout on another connection of it)';
const EXPIRED = 'your session has expired; log in again';
const TOO_MANY = `you logged in from more than ${MAX_SESSIONS_PER_USER} places; this session was the oldest and has ended`;

/** Whether the user exists under the registration the op was made with (apply.ts). */
type ActorCheck = (rows: StateRows, userId: string, account: string) => boolean;

export function applySessionOpened(rows: StateRows, op: Extract<Op, { kind: 'session_opened' }>, actorIsCurrent: ActorCheck): EndSessionEffect[] {
  if (!actorIsCurrent(rows, op.userId, op.account)) return [];
  rows.insertSession({ tokenHash: op.tokenHash, userId: op.userId, peerAddress: op.peerAddress, createdAt: op.at, expiresAt: op.expiresAt });
  rows.setLastLogin(op.userId, op.at);
  // A new login at this address: what it served before is not offered until its client says
  // again that it serves it (a restarted client may have lost or changed files meanwhile).
  if (op.peerAddress !== null) rows.pauseSharesAt(op.userId, op.peerAddress);
  const others = rows.sessionsOf(op.userId).filter((tokenHash) => tokenHash !== op.tokenHash);
  const excess = others.length + 1 - MAX_SESSIONS_PER_USER;
  return excess > 0 ? others.slice(0, excess).flatMap((tokenHash) => endSession(rows, tokenHash, TOO_MANY)) : [];
}

export function applySessionClosed(rows: StateRows, op: Extract<Op, { kind: 'session_closed' }>): EndSessionEffect[] {
  return endSession(rows, op.tokenHash, LOGGED_OUT);
}

/** Ends the named sessions that have expired by the op's time (a later login may have replaced none). */
export function applySessionsExpired(rows: StateRows, op: Extract<Op, { kind: 'sessions_expired' }>): EndSessionEffect[] {
  return op.sessions.filter((s) => rows.sessionExpiredBy(s.tokenHash, op.at)).flatMap((s) => endSession(rows, s.tokenHash, EXPIRED));
}

/**
 * Deletes the session; its peer stops serving, unless another live session of the user's at
 * the same address (a client that logged in again before the old session ended) still serves.
 */
function endSession(rows: StateRows, tokenHash: string, reason: string): EndSessionEffect[] {
  const closed = rows.sessionPeer(tokenHash);
  if (!closed) return [];
  rows.deleteSession(tokenHash);
  if (closed.peerAddress && !rows.hasSessionAt(closed.userId, closed.peerAddress)) rows.pauseSharesAt(closed.userId, closed.peerAddress);
  return [{ endSession: tokenHash, userId: closed.userId, reason }];
}
