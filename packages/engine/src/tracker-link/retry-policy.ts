/**
 * What the tracker link does with a request that was sent but not answered when the connection
 * broke. Either it is sent once more on the next connection (after the session is resumed), or
 * it fails with ConnectionLostError, whose message says how to find out what happened.
 * `satisfies Record<RequestType, …>` makes every new request type take a decision here before
 * the engine compiles.
 *
 * | type                             | after a break | why                                                     |
 * | -------------------------------- | ------------- | ------------------------------------------------------- |
 * | ping, list_groups, list_requests,| re-sent once  | read-only                                               |
 * | list_members, list_files,        |               |                                                         |
 * | get_file, file_info, get_peers,  |               |                                                         |
 * | lan_credentials                  |               | (a second certificate for the same key does no harm)    |
 * | resume                           | re-sent once  | binds the new connection only; if the link already      |
 * |                                  |               | resumed that token there, it answers with that result   |
 * | logout                           | re-sent once  | ending a session twice ends it once; if the automatic   |
 * |                                  |               | resume finds the session gone, the logout succeeded     |
 * | share_file, share_files          | re-sent once  | sharing a file you already seed from this address is a  |
 * |                                  |               | no-op (`alreadyShared` may then be true for a share     |
 * |                                  |               | that the lost attempt made)                             |
 * | update_pieces                    | re-sent once  | pieces are merged and never un-had                      |
 * | register                         | fails         | 2nd try says ERR_USER_EXISTS even if the 1st made it    |
 * | login                            | fails         | failed logins are throttled; a lost token is useless    |
 * | create_group                     | fails         | 2nd try says ERR_GROUP_EXISTS even if the 1st made it   |
 * | join_group                       | fails         | 2nd try says ERR_ALREADY_REQUESTED                      |
 * | leave_group                      | fails         | 2nd try says ERR_NOT_MEMBER; ownership may have moved   |
 * | accept_request, reject_request   | fails         | 2nd try says ERR_NO_SUCH_REQUEST, or rejects a request  |
 * |                                  |               | made again in between                                   |
 * | stop_share                       | fails         | 2nd try says ERR_NO_SUCH_FILE; `withdrawn` would be lost |
 *
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
  file_info: retry,
  get_peers: retry,
  lan_credentials: retry,
  resume: retry,
  logout: retry,
  share_file: retry,
  share_files: retry,
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
