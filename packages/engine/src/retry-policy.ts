/**
 * What the tracker link does with a request that was sent but not answered when the connection
 * broke. Either it is sent once more on the next connection (after the session is resumed), or
 * it fails with ConnectionLostError, whose message says how to find out what happened. The
 * reasons are in the table in tracker-link.ts; `satisfies Record<RequestType, …>` makes every new
 * request type take a decision here before the engine compiles.
 */
import type { RequestType } from '@groupshare/protocol';

export type ReconnectPolicy =
  /** Repeating it cannot apply a change twice: re-send it once on the next connection. */
  | { retry: true }
  /** Repeating it could apply a change twice or answer misleadingly; `check` says how to find out. */
  | { retry: false; check: string };

const retry = { retry: true } as const;
const check = (how: string): ReconnectPolicy => ({ retry: false, check: how });

export const RECONNECT_POLICY = {
  ping: retry,
  list_groups: retry,
  list_requests: retry,
  list_members: retry,
  list_files: retry,
  get_file: retry,
  get_peers: retry,
  resume: retry,
  logout: retry,
  share_file: retry,
  update_pieces: retry,
  register: check('try to log in (a second register would answer ERR_USER_EXISTS either way)'),
  login: check('log in again'),
  create_group: check('check with list_groups'),
  join_group: check('check with list_groups (membership "requested")'),
  leave_group: check('check with list_groups'),
  accept_request: check('check with list_members and list_requests'),
  reject_request: check('check with list_requests'),
  stop_share: check('check with list_files'),
} as const satisfies Record<RequestType, ReconnectPolicy>;

/** The policy for `type`; a type this build does not know is never retried. */
export function reconnectPolicy(type: string): ReconnectPolicy {
  return Object.hasOwn(RECONNECT_POLICY, type)
    ? RECONNECT_POLICY[type as RequestType]
    : check('check its effect before trying again');
}
