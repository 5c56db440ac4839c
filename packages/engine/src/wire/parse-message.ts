/**
 * Parsing of complete frames into typed values: the handshake (68 bytes) and one message body
 * (`<id><payload>`, length prefix already removed). `decoder.ts` finds the frame boundaries and
 * enforces the size limit; this file checks that each message's length fits its id, so a
 * malformed message is refused by its code instead of being half-read.
 *
 * Results are views of the input where that saves a copy (piece blocks, bitfields, extended
 * payloads) and copies where the value outlives the chunk (handshake ids).
 */
import {
  MessageId,
  PEER_ID_LENGTH,
  PROTOCOL_STRING,
  RESERVED_EXTENDED,
  RESERVED_FAST,
  WireError,
  type Handshake,
  type WireMessage,
} from './messages.js';

/** The handshake as a frame: always the first frame of a stream that has one. */
export type HandshakeFrame = Handshake & { type: 'handshake' };

/** `<19>BitTorrent protocol`: the first 20 bytes of every BEP 3 handshake. */
export const HANDSHAKE_PREFIX = Buffer.concat([Buffer.from([19]), Buffer.from(PROTOCOL_STRING, 'latin1')]);

/**
 * Checks a handshake's first bytes (any number, up to all 68) against {@link HANDSHAKE_PREFIX},
 * so a stream that is not BitTorrent is refused from its first wrong byte.
 */
export function checkHandshakePrefix(seen: Buffer): WireError | undefined {
  const n = Math.min(seen.length, HANDSHAKE_PREFIX.length);
  if (seen.subarray(0, n).equals(HANDSHAKE_PREFIX.subarray(0, n))) return undefined;
  return new WireError(
    'ERR_WIRE_BAD_HANDSHAKE',
    seen[0] === HANDSHAKE_PREFIX[0]
      ? 'handshake protocol string is not "BitTorrent protocol"'
      : `handshake protocol string length is ${String(seen[0])}, expected 19`,
  );
}

/**
 * Reads a complete 68-byte handshake whose prefix {@link checkHandshakePrefix} accepted.
 * Other reserved bits are kept in `reserved`: they are not ours to drop.
 */
export function parseHandshake(buf: Buffer): HandshakeFrame {
  const at = HANDSHAKE_PREFIX.length;
  // Copies: these 48 bytes outlive the chunk they came in; a view would pin the whole chunk.
  const reserved = Buffer.from(buf.subarray(at, at + 8));
  return {
    type: 'handshake',
    reserved,
    infoHash: Buffer.from(buf.subarray(at + 8, at + 28)),
    peerId: Buffer.from(buf.subarray(at + 28, at + 28 + PEER_ID_LENGTH)),
    fast: ((reserved[RESERVED_FAST.byte] as number) & RESERVED_FAST.mask) !== 0,
    extended: ((reserved[RESERVED_EXTENDED.byte] as number) & RESERVED_EXTENDED.mask) !== 0,
  };
}

/** Names and exact lengths (id included) of the fixed-size messages, for error texts. */
const FIXED: ReadonlyMap<number, readonly [string, number]> = new Map([
  [MessageId.CHOKE, ['choke', 1]],
  [MessageId.UNCHOKE, ['unchoke', 1]],
  [MessageId.INTERESTED, ['interested', 1]],
  [MessageId.NOT_INTERESTED, ['not_interested', 1]],
  [MessageId.HAVE, ['have', 5]],
  [MessageId.REQUEST, ['request', 13]],
  [MessageId.CANCEL, ['cancel', 13]],
  [MessageId.PORT, ['port', 3]],
  [MessageId.SUGGEST, ['suggest', 5]],
  [MessageId.HAVE_ALL, ['have_all', 1]],
  [MessageId.HAVE_NONE, ['have_none', 1]],
  [MessageId.REJECT_REQUEST, ['reject_request', 13]],
  [MessageId.ALLOWED_FAST, ['allowed_fast', 5]],
]);

/**
 * One message from its body (`<id><payload>`; the length prefix already removed and non-zero).
 * Returns `undefined` for an unknown id when `rejectUnknown` is false (BEP 3: ignore them).
 * Never throws: a malformed body is returned as a {@link WireError}.
 */
export function parseMessage(body: Buffer, rejectUnknown: boolean): WireMessage | WireError | undefined {
  const id = body[0] as number;
  const fixed = FIXED.get(id);
  if (fixed !== undefined && body.length !== fixed[1]) {
    return new WireError('ERR_WIRE_BAD_LENGTH', `${fixed[0]} must be ${fixed[1]} bytes long, got ${body.length}`);
  }
  const u32 = (at: number): number => body.readUInt32BE(at);
  switch (id) {
    case MessageId.CHOKE: return { type: 'choke' };
    case MessageId.UNCHOKE: return { type: 'unchoke' };
    case MessageId.INTERESTED: return { type: 'interested' };
    case MessageId.NOT_INTERESTED: return { type: 'not_interested' };
    case MessageId.HAVE: return { type: 'have', index: u32(1) };
    case MessageId.BITFIELD: return { type: 'bitfield', bytes: body.subarray(1) };
    case MessageId.REQUEST: return { type: 'request', index: u32(1), begin: u32(5), length: u32(9) };
    case MessageId.PIECE:
      if (body.length < 9) {
        return new WireError('ERR_WIRE_BAD_LENGTH', `piece must be at least 9 bytes long, got ${body.length}`);
      }
      return { type: 'piece', index: u32(1), begin: u32(5), block: body.subarray(9) };
    case MessageId.CANCEL: return { type: 'cancel', index: u32(1), begin: u32(5), length: u32(9) };
    case MessageId.PORT: return { type: 'port', port: body.readUInt16BE(1) };
    case MessageId.SUGGEST: return { type: 'suggest', index: u32(1) };
    case MessageId.HAVE_ALL: return { type: 'have_all' };
    case MessageId.HAVE_NONE: return { type: 'have_none' };
    case MessageId.REJECT_REQUEST: return { type: 'reject', index: u32(1), begin: u32(5), length: u32(9) };
    case MessageId.ALLOWED_FAST: return { type: 'allowed_fast', index: u32(1) };
    case MessageId.EXTENDED:
      if (body.length < 2) {
        return new WireError('ERR_WIRE_BAD_LENGTH', `extended must be at least 2 bytes long, got ${body.length}`);
      }
      return { type: 'extended', id: body[1] as number, payload: body.subarray(2) };
    default:
      return rejectUnknown ? new WireError('ERR_WIRE_UNKNOWN_ID', `unknown message id ${id}`) : undefined;
  }
}
