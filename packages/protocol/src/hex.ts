/**
 * Strict hexadecimal helpers.
 *
 * `Buffer.from(s, 'hex')` silently stops at the first non-hex character and drops an odd
 * trailing nibble, so a corrupted digest would decode to a shorter buffer instead of failing.
 * These helpers reject such input outright.
 */

/** Thrown by {@link fromHex} when a string is not an even-length run of hex digits. */
export class HexError extends Error {
  readonly code = 'ERR_HEX';
  override readonly name = 'HexError';
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** Lowercase hex encoding of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Decodes a hex string (either case) to bytes.
 *
 * @throws {HexError} if `s` has odd length or contains a non-hex character.
 */
export function fromHex(s: string): Buffer {
  if (typeof s !== 'string' || !HEX_RE.test(s)) {
    throw new HexError('expected an even-length string of hex digits');
  }
  return Buffer.from(s, 'hex');
}
