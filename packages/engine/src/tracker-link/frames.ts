/**
 * The client side of the tracker codec: turns one incoming WebSocket frame into a typed reply or
 * push, and checks a reply's result against the schema of the request it answers. Never throws:
 * anything that does not fit the protocol becomes `{ kind: 'invalid' }` (or `badReply` when it is
 * recognisably the answer to a request), so remote input cannot crash the client.
 *
 *   tracker → client   { id, ok: true, result }
 *                      { id, ok: false, error: { code, message, retryAfterMs? } }
 *                      { push, data }
 */
import {
  ErrorBodySchema,
  PushSchemas,
  RequestIdSchema,
  ResultSchemas,
  describeIssues,
  type ErrorBody,
  type Push,
  type PushType,
  type RequestType,
  type Result,
} from '@groupshare/protocol';

export type IncomingFrame =
  | { kind: 'success'; id: number; result: unknown }
  /** `id` is null when the tracker could not read our message well enough to find its id. */
  | { kind: 'failure'; id: number | null; error: ErrorBody }
  /** A reply to request `id` whose error body does not fit the protocol. */
  | { kind: 'badReply'; id: number; reason: string }
  | { kind: 'push'; push: Push }
  | { kind: 'invalid'; reason: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short, value-free name for something unexpected (never echoes remote text in full). */
function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : v === null ? 'null' : typeof v;
}

/** Parses one frame; `text` is null for a binary frame. */
export function parseFrame(text: string | null): IncomingFrame {
  if (text === null) return { kind: 'invalid', reason: 'binary frame' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'frame is not valid JSON' };
  }
  if (!isObject(raw)) return { kind: 'invalid', reason: 'frame is not a JSON object' };

  if ('push' in raw) {
    const type = raw.push;
    if (typeof type !== 'string' || !Object.hasOwn(PushSchemas, type)) {
      return { kind: 'invalid', reason: `unknown push ${describe(type)}` };
    }
    const parsed = PushSchemas[type as PushType].safeParse(raw.data);
    if (!parsed.success) return { kind: 'invalid', reason: `push ${type}: ${describeIssues(parsed.error)}` };
    return { kind: 'push', push: { push: type, data: parsed.data } as Push };
  }

  const id = RequestIdSchema.safeParse(raw.id);
  if (raw.ok === true) {
    if (!id.success) return { kind: 'invalid', reason: `reply with a bad id ${describe(raw.id)}` };
    if (!('result' in raw)) return { kind: 'badReply', id: id.data, reason: 'success reply without a result' };
    return { kind: 'success', id: id.data, result: raw.result };
  }
  if (raw.ok === false) {
    if (!id.success && raw.id !== null) return { kind: 'invalid', reason: `reply with a bad id ${describe(raw.id)}` };
    const error = ErrorBodySchema.safeParse(raw.error);
    if (!error.success) {
      const reason = `error reply: ${describeIssues(error.error)}`;
      return id.success ? { kind: 'badReply', id: id.data, reason } : { kind: 'invalid', reason };
    }
    const body: ErrorBody = { code: error.data.code, message: error.data.message };
    if (error.data.retryAfterMs !== undefined) body.retryAfterMs = error.data.retryAfterMs;
    return { kind: 'failure', id: id.success ? id.data : null, error: body };
  }
  return { kind: 'invalid', reason: 'frame is neither a reply nor a push' };
}

/** Checks a success reply's `result` against the schema for request `type`. */
export function parseResult<T extends RequestType>(
  type: T,
  value: unknown,
): { ok: true; result: Result<T> } | { ok: false; reason: string } {
  const parsed = ResultSchemas[type].safeParse(value);
  if (!parsed.success) return { ok: false, reason: `${type} result: ${describeIssues(parsed.error)}` };
  return { ok: true, result: parsed.data as Result<T> };
}
