/**
 * Errors of the web API and how every failure becomes `{"error": {"code", "message"}}` with an
 * HTTP status: the web layer's own (WebError), the shell's input checks (CommandError, as
 * ERR_INPUT with the same sentence), and the tracker's and engine's coded errors, whose codes
 * pass through unchanged with the shell's sentence for them as the message.
 */
import { CommandError, describeError } from '../errors.js';
import { humanSize } from '../render.js';
import { JSON_BODY_LIMIT } from './schemas.js';

export class WebError extends Error {
  override readonly name = 'WebError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS: Record<string, number> = {
  ERR_NOT_LOGGED_IN: 401,
  ERR_SESSION_INVALID: 401,
  ERR_BAD_CREDENTIALS: 401,
  ERR_NOT_MEMBER: 403,
  ERR_NOT_GROUP_OWNER: 403,
  ERR_REGISTRATION_CLOSED: 403,
  ERR_NO_SUCH_GROUP: 404,
  ERR_NO_SUCH_FILE: 404,
  ERR_NO_SUCH_REQUEST: 404,
  ERR_NO_SUCH_DOWNLOAD: 404,
  ERR_USER_EXISTS: 409,
  ERR_GROUP_EXISTS: 409,
  ERR_ALREADY_MEMBER: 409,
  ERR_ALREADY_REQUESTED: 409,
  ERR_ALREADY_LOGGED_IN: 409,
  ERR_FILE_NAME_TAKEN: 409,
  ERR_DOWNLOAD_COMPLETE: 409,
  ERR_ALREADY_SYNCED: 409,
  ERR_NESTED_SYNC: 409,
  ERR_NOT_A_FOLDER: 409,
  ERR_NOT_SYNCED: 404,
  ERR_RATE_LIMITED: 429,
  ERR_BUSY: 503,
  ERR_TRACKER_UNAVAILABLE: 503,
  ERR_REQUEST_TIMEOUT: 504,
  ERR_CONNECTION_LOST: 503,
  ERR_LINK_STOPPED: 503,
};

/** The status and body for `err`. */
export function errorReply(err: unknown): { status: number; body: { error: { code: string; message: string } } } {
  if (err instanceof WebError) return { status: err.statusCode, body: { error: { code: err.code, message: err.message } } };
  if (err instanceof CommandError) return { status: 400, body: { error: { code: 'ERR_INPUT', message: err.message } } };
  const validation = (err as { validation?: unknown; message?: unknown }).validation;
  if (validation !== undefined) return { status: 400, body: { error: { code: 'ERR_BAD_REQUEST', message: String((err as Error).message) } } };
  const code = (err as { code?: unknown }).code;
  const statusCode = (err as { statusCode?: unknown }).statusCode;
  if (typeof code === 'string' && code.startsWith('ERR_') && !code.startsWith('FST_')) {
    return { status: STATUS[code] ?? 400, body: { error: { code, message: describeError(err) } } };
  }
  if (statusCode === 413) {
    // fastify's bodyLimit: a JSON body (uploads have their own limit and error).
    return { status: 413, body: { error: { code: 'ERR_TOO_LARGE', message: `the request body is larger than the ${humanSize(JSON_BODY_LIMIT)} this API takes` } } };
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    // fastify's own refusals (a body that is not JSON, too large, a bad content type).
    return { status: statusCode, body: { error: { code: 'ERR_BAD_REQUEST', message: String((err as Error).message) } } };
  }
  return { status: 500, body: { error: { code: 'ERR_INTERNAL', message: 'the peer failed internally; see client.log' } } };
}
