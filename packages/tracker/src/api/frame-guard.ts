/**
 * Cheap checks on a client's frame before anything expensive is done with it.
 *
 * Why: `JSON.parse` of a 15 MiB frame of nested arrays held the tracker's one thread for seconds
 * and took 700 MiB, and any stranger could send one before logging in. So:
 * - a socket's frame-size limit depends on who is talking: MAX_ANONYMOUS_REQUEST_BYTES until the
 *   connection logs in, MAX_REQUEST_BYTES after. ws checks it against each frame's header, so an
 *   oversized frame is refused (1009) before its payload is buffered;
 * - {@link requestShapeProblem} refuses nesting deeper, or more values, than any request has, with
 *   one pass over the bytes that skips string contents with a native search.
 */
import { MAX_ANONYMOUS_REQUEST_BYTES, MAX_REQUEST_BYTES, MAX_REQUEST_DEPTH, MAX_REQUEST_VALUES } from '@groupshare/protocol';
import type { WebSocket } from 'ws';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/**
 * Why `bytes` (a JSON text frame) cannot be a request, judged from its shape alone: nested
 * deeper than `maxDepth` or holding more than `maxValues` values; undefined if it may be one.
 * Malformed JSON passes (JSON.parse names that fault). Linear in the frame's length.
 */
export function requestShapeProblem(bytes: Uint8Array, maxDepth = MAX_REQUEST_DEPTH, maxValues = MAX_REQUEST_VALUES): string | undefined {
  let depth = 0;
  let values = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      i = closingQuote(bytes, i);
      if (i < 0) return undefined;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return `message is nested deeper than ${maxDepth} levels; no request needs that many`;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    } else if (c === COMMA && ++values > maxValues) {
      return `message holds more than ${maxValues} values; no request needs that many`;
    }
  }
  return undefined;
}

/** Index of the quote closing the string opened at `open`, or -1 if it is never closed. */
function closingQuote(bytes: Uint8Array, open: number): number {
  let at = open;
  for (;;) {
    at = bytes.indexOf(QUOTE, at + 1);
    if (at < 0) return -1;
    let backslashes = 0;
    while (bytes[at - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/** The frame-size limit for a connection, by whether it has logged in. */
export function requestByteLimit(loggedIn: boolean): number {
  return loggedIn ? MAX_REQUEST_BYTES : MAX_ANONYMOUS_REQUEST_BYTES;
}

/**
 * Sets the largest frame `socket` accepts from now on. ws has one `maxPayload` per server (and
 * the tracker's server also carries replication links, whose frames are larger), so the
 * per-socket limit is set on the socket's frame parser, which checks it against every frame
 * header. Returns false if this ws version has no such field; the caller then still refuses
 * oversized messages after they arrive ({@link requestByteLimit}).
 */
export function setFrameLimit(socket: WebSocket, maxBytes: number): boolean {
  const receiver = (socket as unknown as { _receiver?: { _maxPayload?: unknown } })._receiver;
  if (!receiver || typeof receiver._maxPayload !== 'number') return false;
  receiver._maxPayload = maxBytes;
  return true;
}
