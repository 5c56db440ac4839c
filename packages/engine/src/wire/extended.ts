/**
 * The BEP 10 extended handshake: the bencoded dictionary sent as extended message id 0 right
 * after the BitTorrent handshake when both sides set the extension-protocol reserved bit.
 *
 * It is how groupshare carries its own additions without leaving the BitTorrent wire format:
 * `gs_ticket` (a tracker-signed ticket proving group membership, verified elsewhere, opaque here),
 * `gs_block` (the largest block the sender accepts), and for admission without a tracker
 * `gs_nonce` (the receiver's fresh challenge), `gs_cert` (a member certificate) and `gs_proof`
 * (the certificate key's signature over the challenge; see peer/certificate-admission.ts). BEP 9's
 * `metadata_size` says how large the info dictionary is that `ut_metadata` serves (metadata.ts). Stock clients ignore keys they do not
 * know, and so do we, so both kinds of peer can talk to each other.
 *
 * The dictionary is remote input that steers our behaviour (request queue depth, block size,
 * which ids to send extension messages under), so every key we use has its type and range
 * checked, and the whole payload, the `m` map and each name are size-limited. Encoding applies
 * the same checks, so we never send what we would refuse.
 *
 * Decoding is lenient where stock clients differ and nothing is hashed: dictionary keys may come
 * in any order (some clients write them unsorted; the strict canonical decoder is for bytes
 * whose hash matters, like info dictionaries), and a `reqq` beyond our range is clamped into it
 * (a client advertising a deeper queue than we use is not wrong). Duplicate keys, malformed
 * bencode and ill-typed values are still refused.
 */
import {
  BLOCK_SIZE,
  BencodeError,
  MAX_MEMBER_CERTIFICATE_LENGTH,
  MAX_TICKET_LENGTH,
  bdecode,
  bencode,
  isBencodeDict,
  type BencodeDict,
  type BencodeValue,
} from '@groupshare/protocol';

import { MAX_BLOCK_BYTES, WireError, type WireMessage } from './messages.js';
import { MAX_METADATA_BYTES } from './metadata.js';

/** BEP 10: extended message id 0 is the handshake; other ids are assigned by its `m` map. */
export const EXTENDED_HANDSHAKE_ID = 0;
/** Largest extended-handshake payload accepted (real ones are a few hundred bytes). */
export const MAX_EXTENDED_HANDSHAKE_BYTES = 16 * 1024;
/** Most entries in `m`: far above the handful real clients advertise. */
export const MAX_EXTENSIONS = 64;
/** Longest extension name in `m`, in bytes (`ut_metadata`, `lt_donthave`, ...). */
export const MAX_EXTENSION_NAME_BYTES = 64;
/** Longest client name (`v`), in UTF-8 bytes. */
export const MAX_CLIENT_NAME_BYTES = 128;
/** Range of `reqq` (outstanding requests the sender accepts); libtorrent's default is 500. */
export const MIN_REQQ = 1;
export const MAX_REQQ = 2048;
/** Length of `gs_nonce`, the challenge a certificate's proof signs. */
export const NONCE_BYTES = 16;
/** Length of `gs_proof`: an Ed25519 signature. */
export const PROOF_BYTES = 64;

/** A decoded extended handshake. Field names are ours; the BEP 10 key is given with each. */
export interface ExtendedHandshake {
  /**
   * `m`: extension name → the id the sender wants that extension's messages sent under
   * (1–255). 0 means "disabled" (BEP 10: used in a later handshake to turn one off).
   */
  extensions: ReadonlyMap<string, number>;
  /** `v`: client name and version, e.g. "groupshare 0.1.0". */
  client?: string;
  /** `reqq`: how many outstanding requests the sender accepts ({@link MIN_REQQ}–{@link MAX_REQQ}). */
  maxRequests?: number;
  /** `p`: the sender's TCP listen port (1–65535). */
  listenPort?: number;
  /** `gs_ticket`: a tracker-signed ticket (at most MAX_TICKET_LENGTH bytes), not verified here. */
  ticket?: string;
  /** `gs_block`: largest block the sender accepts in a piece; {@link BLOCK_SIZE} when absent. */
  maxBlock: number;
  /** `gs_nonce`: the sender's fresh challenge for this connection ({@link NONCE_BYTES} bytes). */
  nonce?: Uint8Array;
  /** `gs_cert`: a member certificate (at most MAX_MEMBER_CERTIFICATE_LENGTH bytes), not verified here. */
  certificate?: string;
  /** `gs_proof`: the certificate key's signature over our `gs_nonce` ({@link PROOF_BYTES} bytes), not verified here. */
  proof?: Uint8Array;
  /** BEP 9 `metadata_size`: bytes of the info dictionary the sender serves (1 to MAX_METADATA_BYTES). */
  metadataSize?: number;
  /**
   * `gs_sha1`: the file's whole-file SHA-1 (20 bytes), sent beside `metadata_size`: the info
   * dictionary has no such field, and a download checks the finished file against it.
   */
  fileSha1?: Uint8Array;
}

/** What {@link encodeExtendedHandshake} takes: as decoded, with `m` and `gs_block` optional. */
export type ExtendedHandshakeInit = Partial<ExtendedHandshake>;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function bad(message: string, cause?: unknown): WireError {
  return new WireError('ERR_WIRE_BAD_EXTENDED_HANDSHAKE', `extended handshake: ${message}`, { cause });
}

function intIn(v: number | undefined, min: number, max: number): boolean {
  return v === undefined || (Number.isSafeInteger(v) && v >= min && v <= max);
}

/**
 * The first limit `h` breaks, or `undefined`. Shared by the encoder (a caller bug) and the
 * decoder (a remote peer's fault) so both sides of the wire agree on what is valid.
 */
function limitProblem(h: ExtendedHandshakeInit): string | undefined {
  const m = h.extensions ?? new Map<string, number>();
  if (m.size > MAX_EXTENSIONS) return `"m" has ${m.size} entries, the limit is ${MAX_EXTENSIONS}`;
  for (const [name, id] of m) {
    const bytes = Buffer.byteLength(name);
    if (bytes === 0 || bytes > MAX_EXTENSION_NAME_BYTES) {
      return `extension name must be 1 to ${MAX_EXTENSION_NAME_BYTES} bytes, got ${bytes}`;
    }
    if (!intIn(id, 0, 255)) return `"m" id of ${JSON.stringify(name)} must be 0 to 255`;
  }
  if (h.client !== undefined && Buffer.byteLength(h.client) > MAX_CLIENT_NAME_BYTES) {
    return `"v" is longer than ${MAX_CLIENT_NAME_BYTES} bytes`;
  }
  if (!intIn(h.maxRequests, MIN_REQQ, MAX_REQQ)) return `"reqq" must be ${MIN_REQQ} to ${MAX_REQQ}`;
  if (!intIn(h.listenPort, 1, 0xffff)) return '"p" must be a port from 1 to 65535';
  if (h.ticket !== undefined && (h.ticket.length === 0 || Buffer.byteLength(h.ticket) > MAX_TICKET_LENGTH)) {
    return `"gs_ticket" must be 1 to ${MAX_TICKET_LENGTH} bytes`;
  }
  if (!intIn(h.maxBlock, BLOCK_SIZE, MAX_BLOCK_BYTES)) {
    return `"gs_block" must be ${BLOCK_SIZE} to ${MAX_BLOCK_BYTES}`;
  }
  if (h.nonce !== undefined && h.nonce.length !== NONCE_BYTES) return `"gs_nonce" must be ${NONCE_BYTES} bytes`;
  if (h.proof !== undefined && h.proof.length !== PROOF_BYTES) return `"gs_proof" must be ${PROOF_BYTES} bytes`;
  if (h.certificate !== undefined && (h.certificate.length === 0 || Buffer.byteLength(h.certificate) > MAX_MEMBER_CERTIFICATE_LENGTH)) {
    return `"gs_cert" must be 1 to ${MAX_MEMBER_CERTIFICATE_LENGTH} bytes`;
  }
  if (h.fileSha1 !== undefined && h.fileSha1.length !== 20) return '"gs_sha1" must be 20 bytes';
  if (!intIn(h.metadataSize, 1, MAX_METADATA_BYTES)) return `"metadata_size" must be 1 to ${MAX_METADATA_BYTES}`;
  return undefined;
}

/**
 * Encodes the handshake dictionary (the payload of extended message 0; see
 * {@link extendedHandshakeMessage} for the whole message). `m` is always present, possibly
 * empty, because BEP 10 peers look for it; other keys only when set.
 *
 * @throws {RangeError} if a field breaks the limits the decoder enforces (a caller bug).
 */
export function encodeExtendedHandshake(init: ExtendedHandshakeInit): Buffer {
  const problem = limitProblem(init);
  if (problem !== undefined) throw new RangeError(`extended handshake: ${problem}`);
  // Null prototype: an extension named "__proto__" must stay an ordinary key.
  const m = Object.create(null) as BencodeDict;
  for (const [name, id] of init.extensions ?? []) m[name] = id;
  const dict: BencodeDict = { m };
  if (init.client !== undefined) dict.v = init.client;
  if (init.maxRequests !== undefined) dict.reqq = init.maxRequests;
  if (init.listenPort !== undefined) dict.p = init.listenPort;
  if (init.ticket !== undefined) dict.gs_ticket = init.ticket;
  if (init.maxBlock !== undefined) dict.gs_block = init.maxBlock;
  if (init.nonce !== undefined) dict.gs_nonce = init.nonce;
  if (init.certificate !== undefined) dict.gs_cert = init.certificate;
  if (init.proof !== undefined) dict.gs_proof = init.proof;
  if (init.metadataSize !== undefined) dict.metadata_size = init.metadataSize;
  if (init.fileSha1 !== undefined) dict.gs_sha1 = init.fileSha1;
  const payload = bencode(dict);
  if (payload.length > MAX_EXTENDED_HANDSHAKE_BYTES) {
    throw new RangeError(`extended handshake: ${payload.length} bytes exceeds ${MAX_EXTENDED_HANDSHAKE_BYTES}`);
  }
  return payload;
}

/** The complete wire message carrying an extended handshake, ready for `encodeMessage`. */
export function extendedHandshakeMessage(init: ExtendedHandshakeInit): WireMessage {
  return { type: 'extended', id: EXTENDED_HANDSHAKE_ID, payload: encodeExtendedHandshake(init) };
}

/** A byte-string value as UTF-8 text, or a WireError naming `key`. */
function text(v: BencodeValue | undefined, key: string): string | undefined {
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array)) throw bad(`"${key}" must be a byte string`);
  try {
    return utf8.decode(v);
  } catch (cause) {
    throw bad(`"${key}" is not valid UTF-8`, cause);
  }
}

/** A byte-string value as raw bytes (copied), or a WireError naming `key`. */
function bytes(v: BencodeValue | undefined, key: string): Uint8Array | undefined {
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array)) throw bad(`"${key}" must be a byte string`);
  return Uint8Array.from(v);
}

/** An integer value, or a WireError naming `key` (bigints are out of every range we accept). */
function integer(v: BencodeValue | undefined, key: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'bigint') throw bad(`"${key}" is out of range`);
  if (typeof v !== 'number') throw bad(`"${key}" must be an integer`);
  return v;
}

/** `reqq` clamped into {@link MIN_REQQ}..{@link MAX_REQQ}; a value of the wrong type is still refused. */
function clampedReqq(v: BencodeValue | undefined): number | undefined {
  if (typeof v === 'bigint') return v < 0n ? MIN_REQQ : MAX_REQQ;
  const n = integer(v, 'reqq');
  return n === undefined ? undefined : Math.min(MAX_REQQ, Math.max(MIN_REQQ, n));
}

/**
 * Decodes and validates an extended handshake payload (the bytes after the extended id 0).
 * Keys other than `m`, `v`, `reqq`, `p`, `gs_ticket`, `gs_block`, `gs_nonce`, `gs_cert`,
 * `gs_proof`, `metadata_size` and `gs_sha1` are ignored, as BEP 10 asks; an `m` entry must still be well-formed even for an extension we do not know.
 *
 * @throws {WireError} `ERR_WIRE_BAD_EXTENDED_HANDSHAKE` if the payload is over
 *   {@link MAX_EXTENDED_HANDSHAKE_BYTES}, is not a bencoded dictionary (keys in any order, none
 *   twice), or a known key has the wrong type or breaks a limit (`reqq` is clamped instead).
 *   Nothing else is thrown for any input.
 */
export function decodeExtendedHandshake(payload: Uint8Array): ExtendedHandshake {
  if (payload.length > MAX_EXTENDED_HANDSHAKE_BYTES) {
    throw bad(`${payload.length} bytes exceeds ${MAX_EXTENDED_HANDSHAKE_BYTES}`);
  }
  let root: BencodeValue;
  try {
    root = bdecode(payload, { sortedKeys: false });
  } catch (cause) {
    if (cause instanceof BencodeError) throw bad(cause.message, cause);
    throw cause;
  }
  if (!isBencodeDict(root)) throw bad('not a dictionary');

  const extensions = new Map<string, number>();
  if (root.m !== undefined) {
    if (!isBencodeDict(root.m)) throw bad('"m" must be a dictionary');
    const names = Object.keys(root.m);
    // Checked before the loop so a huge map is refused without walking it.
    if (names.length > MAX_EXTENSIONS) throw bad(`"m" has ${names.length} entries, the limit is ${MAX_EXTENSIONS}`);
    for (const name of names) {
      const id = integer(root.m[name], `m.${name.slice(0, MAX_EXTENSION_NAME_BYTES)}`);
      if (id !== undefined) extensions.set(name, id);
    }
  }
  const h: ExtendedHandshake = { extensions, maxBlock: integer(root.gs_block, 'gs_block') ?? BLOCK_SIZE };
  const client = text(root.v, 'v');
  const maxRequests = clampedReqq(root.reqq);
  const listenPort = integer(root.p, 'p');
  const ticket = text(root.gs_ticket, 'gs_ticket');
  if (client !== undefined) h.client = client;
  if (maxRequests !== undefined) h.maxRequests = maxRequests;
  if (listenPort !== undefined) h.listenPort = listenPort;
  if (ticket !== undefined) h.ticket = ticket;
  const nonce = bytes(root.gs_nonce, 'gs_nonce');
  const certificate = text(root.gs_cert, 'gs_cert');
  const proof = bytes(root.gs_proof, 'gs_proof');
  const metadataSize = integer(root.metadata_size, 'metadata_size');
  if (nonce !== undefined) h.nonce = nonce;
  if (certificate !== undefined) h.certificate = certificate;
  if (proof !== undefined) h.proof = proof;
  if (metadataSize !== undefined) h.metadataSize = metadataSize;
  const fileSha1 = bytes(root.gs_sha1, 'gs_sha1');
  if (fileSha1 !== undefined) h.fileSha1 = fileSha1;

  const problem = limitProblem(h);
  if (problem !== undefined) throw bad(problem);
  return h;
}
