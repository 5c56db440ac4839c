/**
 * The peer wire codec's vocabulary: constants (with the BEP that defines each), the typed
 * {@link WireMessage} union, and the encoders. Decoding lives in `decoder.ts`, the BEP 10
 * extended handshake in `extended.ts`; the connection state machine (who may send what when,
 * choking, request bookkeeping) lives elsewhere and only sees typed values.
 *
 * Why this split: the byte layout is the part stock clients check us against, so it stays in one
 * small, pure, exhaustively tested place, free of timers and sockets (codec apart from state machine and transport, modelled on
 * webtorrent's bittorrent-protocol).
 *
 * Every integer on the wire is big-endian ("network order", BEP 3). A message is
 * `<length prefix: u32><id: u8><payload>`, where the prefix counts the id and the payload;
 * a prefix of 0 (no id) is a keep-alive.
 */
import { SHA1_LENGTH } from '@groupshare/protocol';

/** BEP 3: the handshake's protocol string, preceded by its length (19). */
export const PROTOCOL_STRING = 'BitTorrent protocol';
const PROTOCOL_BYTES = Buffer.from(PROTOCOL_STRING, 'latin1');

/** BEP 3: the handshake is `<19><protocol string><8 reserved><20 info-hash><20 peer id>`. */
export const HANDSHAKE_LENGTH = 1 + PROTOCOL_BYTES.length + 8 + SHA1_LENGTH + 20;
/** BEP 3: peer ids are 20 arbitrary bytes. */
export const PEER_ID_LENGTH = 20;
/** BEP 3: every message after the handshake starts with a 4-byte big-endian length. */
export const LENGTH_PREFIX_BYTES = 4;

/** BEP 6: `reserved[7] & 0x04` advertises the fast extension. */
export const RESERVED_FAST = { byte: 7, mask: 0x04 } as const;
/** BEP 10: `reserved[5] & 0x10` advertises the extension protocol. */
export const RESERVED_EXTENDED = { byte: 5, mask: 0x10 } as const;

/** Message ids (the byte after the length prefix). */
export const MessageId = {
  // BEP 3
  CHOKE: 0,
  UNCHOKE: 1,
  INTERESTED: 2,
  NOT_INTERESTED: 3,
  HAVE: 4,
  BITFIELD: 5,
  REQUEST: 6,
  PIECE: 7,
  CANCEL: 8,
  /** BEP 5 (DHT), listed in BEP 3's id table: the sender's DHT port. */
  PORT: 9,
  // BEP 6, the fast extension
  SUGGEST: 0x0d,
  HAVE_ALL: 0x0e,
  HAVE_NONE: 0x0f,
  REJECT_REQUEST: 0x10,
  ALLOWED_FAST: 0x11,
  /** BEP 10: the extension protocol; the payload starts with the extended message id. */
  EXTENDED: 20,
} as const;

/**
 * Largest block a piece message may carry under the default limits (1 MiB). Real clients use
 * 16 KiB ({@link BLOCK_SIZE} in @groupshare/protocol); the issue asks that "wire messages over
 * 1 MiB" be refused, and this is that 1 MiB.
 */
export const MAX_BLOCK_BYTES = 1024 * 1024;

/**
 * Default ceiling on a message's length prefix: a 1 MiB block plus the 13 bytes that frame it
 * in a piece message (4 length + 1 id + 4 index + 4 begin), so a piece carrying a
 * {@link MAX_BLOCK_BYTES} block always fits, and anything meaningfully larger is refused.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = MAX_BLOCK_BYTES + 13;

/** The discriminated union of everything that can follow the handshake. */
export type WireMessage =
  | { type: 'keep_alive' }
  | { type: 'choke' }
  | { type: 'unchoke' }
  | { type: 'interested' }
  | { type: 'not_interested' }
  | { type: 'have'; index: number }
  /** Raw BEP 3 bitfield bytes; wrap with `new Bitfield(pieceCount, bytes)` to validate. */
  | { type: 'bitfield'; bytes: Uint8Array }
  | { type: 'request'; index: number; begin: number; length: number }
  | { type: 'piece'; index: number; begin: number; block: Buffer }
  | { type: 'cancel'; index: number; begin: number; length: number }
  | { type: 'port'; port: number }
  | { type: 'suggest'; index: number }
  | { type: 'have_all' }
  | { type: 'have_none' }
  | { type: 'reject'; index: number; begin: number; length: number }
  | { type: 'allowed_fast'; index: number }
  /** `id` 0 is the extended handshake (see `extended.ts`); others are negotiated in it. */
  | { type: 'extended'; id: number; payload: Buffer };

/** The `type` tags of {@link WireMessage}. */
export type WireMessageType = WireMessage['type'];

/** The handshake fields, as given to {@link encodeHandshake}. */
export interface HandshakeInit {
  /** SHA-1 of the info dictionary, 20 bytes. */
  infoHash: Uint8Array;
  /** The sender's peer id, 20 bytes. */
  peerId: Uint8Array;
  /** Advertise the BEP 6 fast extension. */
  fast: boolean;
  /** Advertise the BEP 10 extension protocol. */
  extended: boolean;
}

/** A decoded handshake: the fields plus the raw reserved bytes (other bits are not ours to drop). */
export interface Handshake extends HandshakeInit {
  infoHash: Buffer;
  peerId: Buffer;
  reserved: Buffer;
}

/** Stable codes of {@link WireError}. */
export type WireErrorCode =
  /** A length prefix above the decoder's `maxMessageBytes`. */
  | 'ERR_WIRE_TOO_LARGE'
  /** A message whose length does not fit its id (have ≠ 5, request ≠ 13, piece < 9, ...). */
  | 'ERR_WIRE_BAD_LENGTH'
  /** Wrong protocol-string length or protocol string. */
  | 'ERR_WIRE_BAD_HANDSHAKE'
  /** An id we do not know, when the decoder was told to reject those. */
  | 'ERR_WIRE_UNKNOWN_ID'
  /** A BEP 10 extended handshake that is not a valid, in-limits dictionary. */
  | 'ERR_WIRE_BAD_EXTENDED_HANDSHAKE'
  /** A BEP 9 `ut_metadata` message that is malformed or out of range (metadata.ts). */
  | 'ERR_WIRE_BAD_METADATA_MESSAGE';

/**
 * The 13 bytes that precede a block in a `piece` message. Senders write them and the block as
 * two buffers (one writev), so a served block is never copied into a new message buffer.
 *
 * @throws {RangeError} for an index or begin outside u32.
 */
export function encodePieceHeader(index: number, begin: number, blockLength: number): Buffer {
  const buf = Buffer.allocUnsafe(13);
  buf.writeUInt32BE(checkU32('length', 9 + blockLength), 0);
  buf[4] = MessageId.PIECE;
  buf.writeUInt32BE(checkU32('index', index), 5);
  buf.writeUInt32BE(checkU32('begin', begin), 9);
  return buf;
}

/**
 * The one error type for bytes a remote peer sent that we refuse. The connection that produced
 * it should be closed with `code` as the reason; nothing else about it is trustworthy.
 */
export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly code: WireErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function checkU32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(`${name} must be an integer from 0 to 2^32-1, got ${String(v)}`);
  }
  return v;
}

/** `<len><id>` followed by `payload` bytes of space, prefix and id filled in. */
function frame(id: number, payload: number): Buffer {
  const buf = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES + 1 + payload);
  buf.writeUInt32BE(1 + payload, 0);
  buf[4] = id;
  return buf;
}

/** `<len=13><id><index><begin><length>`: request, cancel and reject share this layout. */
function blockRef(id: number, m: { index: number; begin: number; length: number }): Buffer {
  const buf = frame(id, 12);
  buf.writeUInt32BE(checkU32('index', m.index), 5);
  buf.writeUInt32BE(checkU32('begin', m.begin), 9);
  buf.writeUInt32BE(checkU32('length', m.length), 13);
  return buf;
}

/** `<len=5><id><piece index>`: have, suggest and allowed_fast share this layout. */
function pieceRef(id: number, index: number): Buffer {
  const buf = frame(id, 4);
  buf.writeUInt32BE(checkU32('index', index), 5);
  return buf;
}

/**
 * Encodes one message, length prefix included. Layouts are per case below; `len` is the u32
 * length prefix, every number is big-endian.
 *
 * The block of a piece message is copied once, into the returned frame.
 *
 * @throws {RangeError} for values that do not fit their field (index/begin/length outside u32,
 *   port outside u16, extended id outside u8): a caller bug, never remote input.
 */
export function encodeMessage(msg: WireMessage): Buffer {
  switch (msg.type) {
    // keep_alive: <len=0000>  (no id; BEP 3 peers send one every ~2 minutes of silence)
    case 'keep_alive':
      return Buffer.alloc(LENGTH_PREFIX_BYTES);
    // choke / unchoke / interested / not_interested: <len=0001><id=0|1|2|3>
    case 'choke':
      return frame(MessageId.CHOKE, 0);
    case 'unchoke':
      return frame(MessageId.UNCHOKE, 0);
    case 'interested':
      return frame(MessageId.INTERESTED, 0);
    case 'not_interested':
      return frame(MessageId.NOT_INTERESTED, 0);
    // have: <len=0005><id=4><piece index>
    case 'have':
      return pieceRef(MessageId.HAVE, msg.index);
    // bitfield: <len=0001+X><id=5><bitfield: X bytes, high bit of byte 0 = piece 0>
    case 'bitfield': {
      const buf = frame(MessageId.BITFIELD, msg.bytes.length);
      buf.set(msg.bytes, 5);
      return buf;
    }
    // request: <len=0013><id=6><index><begin><length>
    case 'request':
      return blockRef(MessageId.REQUEST, msg);
    // piece: <len=0009+X><id=7><index><begin><block: X bytes>
    case 'piece':
      return Buffer.concat([encodePieceHeader(msg.index, msg.begin, msg.block.length), msg.block]);
    // cancel: <len=0013><id=8><index><begin><length>
    case 'cancel':
      return blockRef(MessageId.CANCEL, msg);
    // port (BEP 5): <len=0003><id=9><listen port: u16>
    case 'port': {
      if (!Number.isInteger(msg.port) || msg.port < 0 || msg.port > 0xffff) {
        throw new RangeError(`port must be an integer from 0 to 65535, got ${String(msg.port)}`);
      }
      const buf = frame(MessageId.PORT, 2);
      buf.writeUInt16BE(msg.port, 5);
      return buf;
    }
    // suggest (BEP 6): <len=0005><id=0x0D><piece index>
    case 'suggest':
      return pieceRef(MessageId.SUGGEST, msg.index);
    // have_all / have_none (BEP 6): <len=0001><id=0x0E|0x0F>, instead of a bitfield
    case 'have_all':
      return frame(MessageId.HAVE_ALL, 0);
    case 'have_none':
      return frame(MessageId.HAVE_NONE, 0);
    // reject_request (BEP 6): <len=0013><id=0x10><index><begin><length>
    case 'reject':
      return blockRef(MessageId.REJECT_REQUEST, msg);
    // allowed_fast (BEP 6): <len=0005><id=0x11><piece index>
    case 'allowed_fast':
      return pieceRef(MessageId.ALLOWED_FAST, msg.index);
    // extended (BEP 10): <len=0002+X><id=20><extended id: u8><payload: X bytes>
    case 'extended': {
      if (!Number.isInteger(msg.id) || msg.id < 0 || msg.id > 0xff) {
        throw new RangeError(`extended id must be an integer from 0 to 255, got ${String(msg.id)}`);
      }
      const buf = frame(MessageId.EXTENDED, 1 + msg.payload.length);
      buf[5] = msg.id;
      buf.set(msg.payload, 6);
      return buf;
    }
  }
}

/**
 * Encodes the 68-byte handshake (BEP 3):
 *
 * `<pstrlen=19><pstr="BitTorrent protocol"><reserved: 8><info_hash: 20><peer_id: 20>`
 *
 * Reserved bits set: `reserved[7] |= 0x04` when `fast` (BEP 6), `reserved[5] |= 0x10` when
 * `extended` (BEP 10); all others zero.
 *
 * @throws {RangeError} if `infoHash` or `peerId` is not 20 bytes.
 */
export function encodeHandshake(init: HandshakeInit): Buffer {
  if (init.infoHash.length !== SHA1_LENGTH) throw new RangeError('infoHash must be 20 bytes');
  if (init.peerId.length !== PEER_ID_LENGTH) throw new RangeError('peerId must be 20 bytes');
  const buf = Buffer.alloc(HANDSHAKE_LENGTH);
  buf[0] = PROTOCOL_BYTES.length;
  PROTOCOL_BYTES.copy(buf, 1);
  const reserved = 1 + PROTOCOL_BYTES.length;
  if (init.fast) buf[reserved + RESERVED_FAST.byte] = RESERVED_FAST.mask;
  if (init.extended) buf[reserved + RESERVED_EXTENDED.byte] = RESERVED_EXTENDED.mask;
  buf.set(init.infoHash, reserved + 8);
  buf.set(init.peerId, reserved + 8 + SHA1_LENGTH);
  return buf;
}
