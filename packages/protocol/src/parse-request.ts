/**
 * The one place a tracker turns untrusted text into a typed request. Everything after this
 * works on validated, normalised values (ids lower-cased, names NFC, hex lower-cased).
 */
import type { z } from 'zod';
import { ProtocolError } from './errors.js';
import { RequestSchemas, RequestIdSchema, type Request, type RequestType } from './messages.js';
import { quoteUntrusted } from './untrusted-text.js';

export type ParsedRequest =
  | { ok: true; request: Request }
  | { ok: false; id: number | null; error: ProtocolError };

function isRequestType(type: unknown): type is RequestType {
  return typeof type === 'string' && Object.hasOwn(RequestSchemas, type);
}

/** A short, safe description of what failed: field paths and messages, never the values. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Parses one text frame. Never throws: a bad message becomes an error to reply with. */
export function parseRequest(text: string): ParsedRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, id: null, error: new ProtocolError('ERR_BAD_MESSAGE', 'message is not valid JSON') };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, id: null, error: new ProtocolError('ERR_BAD_MESSAGE', 'message must be a JSON object') };
  }
  const fields = raw as Record<string, unknown>;
  const idResult = RequestIdSchema.safeParse(fields.id);
  const id = idResult.success ? idResult.data : null;
  if (id === null) {
    return { ok: false, id: null, error: new ProtocolError('ERR_BAD_MESSAGE', 'id must be a non-negative integer') };
  }
  if (!isRequestType(fields.type)) {
    // Quoted escaped and cut short: the type is the sender's text (untrusted-text.ts).
    const shown = typeof fields.type === 'string' ? quoteUntrusted(fields.type) : typeof fields.type;
    return { ok: false, id, error: new ProtocolError('ERR_UNKNOWN_TYPE', `unknown message type ${shown}`) };
  }
  let parsed;
  try {
    parsed = RequestSchemas[fields.type].safeParse(raw);
  } catch (err) {
    // A validator should never throw, but if one does (stack overflow on pathological input),
    // the sender still gets an answer and the tracker keeps running.
    return { ok: false, id, error: new ProtocolError('ERR_BAD_MESSAGE', `${fields.type}: message could not be validated`, undefined, { cause: err }) };
  }
  if (!parsed.success) {
    return {
      ok: false,
      id,
      error: new ProtocolError('ERR_BAD_MESSAGE', `${fields.type}: ${describeIssues(parsed.error)}`),
    };
  }
  return { ok: true, request: parsed.data as Request };
}
