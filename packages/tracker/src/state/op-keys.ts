/**
 * The rows an op reads or writes, named coarsely: `u:<user>`, `g:<group>`, `s:<token hash>`,
 * `cfg:<setting>`, or `*` for all of them.
 * Two ops whose keys do not overlap touch disjoint rows, so applying them in either order gives
 * the same state. The store uses this to apply an op that arrives late (older HLC than ops it
 * already applied) without replaying the log, whenever it commutes with everything after it.
 * Keys must over-approximate what apply.ts touches: a missing key would break convergence.
 */
import type { Op } from '@groupshare/protocol';

export function opKeys(op: Op): string[] {
  switch (op.kind) {
    case 'user_created':
      return [`u:${op.userId}`];
    case 'session_opened':
      return [`u:${op.userId}`, `s:${op.tokenHash}`];
    case 'session_closed':
      // Ending a session pauses its user's shares, and the per-user session cap counts the
      // user's sessions: ordered with the user's ops. An op from before it named the user
      // cannot say whose session it was, so it orders with everything.
      return op.userId === undefined ? [ANY_ROW] : [`u:${op.userId}`, `s:${op.tokenHash}`];
    case 'sessions_expired':
      return op.sessions.flatMap((s) => [`u:${s.userId}`, `s:${s.tokenHash}`]);
    case 'group_created':
      return [`u:${op.ownerId}`, `g:${op.groupId}`];
    case 'join_resolved':
      return [`u:${op.by}`, `u:${op.userId}`, `g:${op.groupId}`];
    case 'join_requested':
    case 'member_left':
    case 'file_shared':
    case 'pieces_updated':
    case 'share_stopped':
      return [`u:${op.userId}`, `g:${op.groupId}`];
    case 'user_removed':
      // Touches every group the user is in, which the op does not name: orders with everything.
      return [ANY_ROW];
    case 'password_reset':
      return [`u:${op.userId}`];
    case 'registration_set':
      return ['cfg:registration'];
  }
}

/** The key of an op whose rows cannot be named in advance: it overlaps with every key. */
export const ANY_ROW = '*';

/** Whether two ops may touch a common row (so their order matters). */
export function keysOverlap(a: readonly string[], b: readonly string[]): boolean {
  if (a.includes(ANY_ROW) || b.includes(ANY_ROW)) return true;
  return a.some((key) => b.includes(key));
}
