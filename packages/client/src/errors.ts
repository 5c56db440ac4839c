/**
 * One clear sentence per error code, for people. The engine and the tracker report failures as
 * stable codes (every error carries one; tests and fronts match on it); the tracker's `message` is written for logs and may be terse or
 * technical, so the shell says what happened and what to do in its own words, adding the
 * tracker's detail only where it helps (which field was wrong, how long to wait).
 *
 * `SENTENCES` is typed as a Record over every code, so a code added to the protocol or the
 * engine fails the build until it has a sentence; errors.test.ts checks the same at run time
 * against ERROR_CODES, because vitest does not type-check.
 */
import type { LinkErrorCode } from '@groupshare/engine';
import { ERROR_CODES, ProtocolError, type ErrorCode } from '@groupshare/protocol';
import { safeText } from './render.js';

/** The codes the engine's tracker link raises itself (errors.ts in the engine). */
export const LINK_ERROR_CODES = [
  'ERR_TRACKER_UNAVAILABLE',
  'ERR_CONNECTION_LOST',
  'ERR_REQUEST_TIMEOUT',
  'ERR_LINK_STOPPED',
  'ERR_BAD_REPLY',
] as const satisfies readonly LinkErrorCode[];

// Fails to compile if the engine grows a link error that the list above leaves out.
type MissingLinkCodes = Exclude<LinkErrorCode, (typeof LINK_ERROR_CODES)[number]>;
const linkCodesComplete: [MissingLinkCodes] extends [never] ? true : MissingLinkCodes = true;
void linkCodesComplete;

/** Every code the shell can be handed. */
export type KnownErrorCode = ErrorCode | LinkErrorCode;

export const KNOWN_ERROR_CODES: readonly KnownErrorCode[] = [...ERROR_CODES, ...LINK_ERROR_CODES];

export const SENTENCES: Record<KnownErrorCode, string> = {
  ERR_BAD_MESSAGE: 'the tracker refused the request as malformed',
  ERR_UNKNOWN_TYPE: 'the tracker does not know this request; it may run an older version',
  ERR_INTERNAL: 'the tracker failed internally and changed nothing; try again later',
  ERR_BUSY: 'the tracker is busy checking passwords; try again in a moment',
  ERR_RATE_LIMITED: 'too many failed logins for this user or from this address; wait before trying again',
  ERR_USER_EXISTS: 'that user id is taken (ids ignore case); choose another',
  ERR_BAD_CREDENTIALS: 'wrong user id or password',
  ERR_NOT_LOGGED_IN: 'you are not logged in; use login <user_id> first',
  ERR_ALREADY_LOGGED_IN: 'you are already logged in; logout first',
  ERR_SESSION_INVALID: 'your session has ended; log in again',
  ERR_ACCOUNT_CONFLICT:
    'this user id was registered at the same moment on another tracker and that registration won; create_user again under another id',
  ERR_REGISTRATION_CLOSED: "this tracker's operator makes the accounts; ask them for one",
  ERR_GROUP_EXISTS: 'that group id is taken; choose another',
  ERR_NO_SUCH_GROUP: 'there is no group with that id; list_groups shows them all',
  ERR_NOT_MEMBER: 'you are not a member of that group; join_group asks its owner to let you in',
  ERR_NOT_GROUP_OWNER: "only the group's owner may do that; list_groups shows who it is",
  ERR_ALREADY_MEMBER: 'you are already a member of that group',
  ERR_ALREADY_REQUESTED: 'your request to join that group is still waiting for its owner',
  ERR_NO_SUCH_REQUEST: 'that user has no pending request to join the group; list_requests shows them',
  ERR_NO_SUCH_FILE: 'that group has no such file, or you are not sharing it; list_files shows them',
  ERR_FILE_NAME_TAKEN: 'a different file already has that name in the group; share yours under another name',
  ERR_BAD_FILE_INFO: "the file's size, piece length and piece hashes do not agree; hash the file again",
  ERR_NO_PEER_ADDRESS: 'sharing needs a peer address, which this session lacks; log out and log in again',
  ERR_NOT_SHARING: 'the tracker does not list this peer as sharing or downloading that file; start the download again',
  ERR_TRACKER_UNAVAILABLE: 'no tracker could be reached',
  ERR_CONNECTION_LOST: 'the connection to the tracker broke before it answered',
  ERR_REQUEST_TIMEOUT: 'the tracker did not answer in time',
  ERR_LINK_STOPPED: 'the client is shutting down',
  ERR_BAD_REPLY: 'the tracker sent a reply this client does not understand (a version mismatch?)',
};

/** A failure the shell detects itself (usage, a bad id, no password): its message is the sentence. */
export class CommandError extends Error {
  readonly code = 'ERR_COMMAND';
  override readonly name = 'CommandError';
}

/** Codes whose tracker message adds something the sentence cannot know (which field failed). */
const WITH_TRACKER_DETAIL = new Set<string>(['ERR_BAD_MESSAGE', 'ERR_ACCOUNT_CONFLICT']);

function isKnown(code: string): code is KnownErrorCode {
  return Object.hasOwn(SENTENCES, code);
}

/**
 * The sentence to show for `err`: the code's sentence (plus the detail that helps), the
 * tracker's own message for a code this build does not know, or the message of a local error.
 * Everything that may have come from the network is passed through safeText.
 */
export function describeError(err: unknown): string {
  if (err instanceof CommandError) return err.message;
  if (!(err instanceof Error)) return `unexpected failure: ${safeText(String(err))}`;
  const code = (err as { code?: unknown }).code;
  const message = safeText(err.message);
  if (typeof code !== 'string') return `unexpected failure: ${message}`;
  if (!isKnown(code)) {
    // A tracker newer than this build: its message is all there is. Local errors with codes
    // of their own (a line that cannot be split, a bad address) already say it in full.
    return err instanceof ProtocolError ? `the tracker refused: ${message} (${safeText(code)})` : message;
  }

  let sentence = SENTENCES[code];
  const retryAfterMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
  if (typeof retryAfterMs === 'number' && retryAfterMs > 0) {
    sentence += ` (retry in ${Math.ceil(retryAfterMs / 1000)} s)`;
  }
  // The link's own messages say which tracker, how long, and how to check what happened.
  const fromLink = (LINK_ERROR_CODES as readonly string[]).includes(code) && code !== 'ERR_LINK_STOPPED';
  if ((fromLink || WITH_TRACKER_DETAIL.has(code)) && message !== '') sentence += `: ${message}`;
  return sentence;
}
