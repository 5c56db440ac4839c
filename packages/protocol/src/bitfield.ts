/**
 * The BEP 3 `bitfield`: which pieces a peer has.
 *
 * Layout (BEP 3): "The high bit in the first byte corresponds to piece index 0". The field is
 * ceil(pieceCount / 8) bytes and "spare bits at the end are set to zero"; a field with non-zero
 * spare bits or the wrong length is malformed (BEP 3 clients drop such peers), so it is rejected
 * here rather than silently truncated.
 */

/** Thrown for a malformed bitfield: wrong length, non-zero spare bits, bad base64, or mismatched sizes. */
export class BitfieldError extends Error {
  readonly code = 'ERR_BITFIELD';
  override readonly name = 'BitfieldError';
}

// Canonical padded standard base64 (RFC 4648 §4). Buffer.from(s, 'base64') would skip junk
// characters and accept URL-safe letters, so validate the shape first.
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// Popcount for every byte value.
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x !== 0; x >>= 1) n += x & 1;
  return n;
});

/** Number of bytes a bitfield for `pieceCount` pieces occupies. */
export function bitfieldByteLength(pieceCount: number): number {
  return Math.ceil(pieceCount / 8);
}

/** Mask of the bits of the last byte that belong to pieces (the rest are spare and must be 0). */
function lastByteMask(pieceCount: number): number {
  const used = pieceCount % 8;
  return used === 0 ? 0xff : (0xff << (8 - used)) & 0xff;
}

// Division rather than `i >>> 3`: shifts wrap for indices ≥ 2^32.
const byteOf = (i: number): number => Math.floor(i / 8);
/** Mask of piece `i` within its byte; BEP 3 numbers bits from the high end. */
const bitOf = (i: number): number => 0x80 >> (i % 8);

/** A fixed-size set of piece indices in BEP 3 bitfield layout. */
export class Bitfield {
  /** Number of pieces this field describes. */
  readonly pieceCount: number;
  /**
   * The backing bytes, in BEP 3 wire layout. This is live storage: do not write to it directly
   * (that could break the zero-spare-bits invariant); use {@link Bitfield.set}.
   */
  readonly bytes: Uint8Array;

  /**
   * Creates an empty field for `pieceCount` pieces, or wraps a copy of `bytes`.
   *
   * @throws {RangeError} if `pieceCount` is not a non-negative safe integer.
   * @throws {BitfieldError} if `bytes` has the wrong length or non-zero spare bits.
   */
  constructor(pieceCount: number, bytes?: Uint8Array) {
    if (!Number.isSafeInteger(pieceCount) || pieceCount < 0) {
      throw new RangeError(`pieceCount must be a non-negative safe integer, got ${String(pieceCount)}`);
    }
    const byteLength = bitfieldByteLength(pieceCount);
    this.pieceCount = pieceCount;
    if (bytes === undefined) {
      this.bytes = new Uint8Array(byteLength);
      return;
    }
    if (bytes.length !== byteLength) {
      throw new BitfieldError(
        `bitfield for ${pieceCount} pieces must be ${byteLength} bytes, got ${bytes.length}`,
      );
    }
    if (byteLength > 0 && ((bytes[byteLength - 1] as number) & ~lastByteMask(pieceCount)) !== 0) {
      throw new BitfieldError('bitfield has non-zero spare bits after the last piece');
    }
    this.bytes = Uint8Array.from(bytes);
  }

  /** A field with all `pieceCount` pieces set (what a seeder advertises). */
  static full(pieceCount: number): Bitfield {
    const field = new Bitfield(pieceCount);
    if (pieceCount > 0) {
      field.bytes.fill(0xff);
      field.bytes[field.bytes.length - 1] = lastByteMask(pieceCount);
    }
    return field;
  }

  /**
   * Parses a field from canonical padded base64 (as produced by {@link Bitfield.toBase64}).
   *
   * @throws {BitfieldError} on malformed base64, wrong decoded length, or non-zero spare bits.
   * @throws {RangeError} if `pieceCount` is not a non-negative safe integer.
   */
  static fromBase64(s: string, pieceCount: number): Bitfield {
    if (!Number.isSafeInteger(pieceCount) || pieceCount < 0) {
      throw new RangeError(`pieceCount must be a non-negative safe integer, got ${String(pieceCount)}`);
    }
    const byteLength = bitfieldByteLength(pieceCount);
    // Length check first so an oversized string is rejected before any regex work.
    if (typeof s !== 'string' || s.length !== 4 * Math.ceil(byteLength / 3)) {
      throw new BitfieldError(`bitfield for ${pieceCount} pieces must be ${byteLength} bytes of base64`);
    }
    if (!BASE64_RE.test(s)) throw new BitfieldError('bitfield is not valid base64');
    const bytes = Buffer.from(s, 'base64');
    // Non-zero unused bits in the final base64 character give a non-canonical encoding.
    if (bytes.toString('base64') !== s) throw new BitfieldError('bitfield is not canonical base64');
    return new Bitfield(pieceCount, bytes);
  }

  /**
   * True if piece `i` is set.
   *
   * @throws {RangeError} if `i` is not an integer in [0, pieceCount).
   */
  has(i: number): boolean {
    this.check(i);
    return ((this.bytes[byteOf(i)] as number) & bitOf(i)) !== 0;
  }

  /**
   * Marks piece `i` as present.
   *
   * @throws {RangeError} if `i` is not an integer in [0, pieceCount).
   */
  set(i: number): void {
    this.check(i);
    this.bytes[byteOf(i)] = (this.bytes[byteOf(i)] as number) | bitOf(i);
  }

  /**
   * Marks piece `i` as absent.
   *
   * @throws {RangeError} if `i` is not an integer in [0, pieceCount).
   */
  clear(i: number): void {
    this.check(i);
    this.bytes[byteOf(i)] = (this.bytes[byteOf(i)] as number) & ~bitOf(i);
  }

  /** Number of pieces set. */
  count(): number {
    let n = 0;
    for (const b of this.bytes) n += POPCOUNT[b] as number;
    return n;
  }

  /** True if every piece is set (vacuously true for 0 pieces). */
  isComplete(): boolean {
    return this.count() === this.pieceCount;
  }

  /** Canonical padded standard base64 of {@link Bitfield.bytes}. */
  toBase64(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('base64');
  }

  /**
   * A new field with the pieces set in either `this` or `other`.
   *
   * @throws {BitfieldError} if the piece counts differ.
   */
  or(other: Bitfield): Bitfield {
    return this.combine(other, (a, b) => a | b);
  }

  /**
   * A new field with the pieces set in both `this` and `other`.
   *
   * @throws {BitfieldError} if the piece counts differ.
   */
  and(other: Bitfield): Bitfield {
    return this.combine(other, (a, b) => a & b);
  }

  /**
   * A new field with the pieces set in `this` but not in `other` (e.g. what a peer can offer us).
   *
   * @throws {BitfieldError} if the piece counts differ.
   */
  andNot(other: Bitfield): Bitfield {
    return this.combine(other, (a, b) => a & ~b);
  }

  /** Indices of the set pieces, ascending. */
  indices(): number[] {
    const out: number[] = [];
    for (let byte = 0; byte < this.bytes.length; byte++) {
      const b = this.bytes[byte] as number;
      if (b === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((b & (0x80 >> bit)) !== 0) out.push(byte * 8 + bit);
      }
    }
    return out;
  }

  /** An independent copy. */
  clone(): Bitfield {
    return new Bitfield(this.pieceCount, this.bytes);
  }

  /** True if `other` describes the same number of pieces with the same ones set. */
  equals(other: Bitfield): boolean {
    return this.pieceCount === other.pieceCount && Buffer.compare(this.bytes, other.bytes) === 0;
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.pieceCount) {
      throw new RangeError(`piece index ${String(i)} is out of range: the bitfield has ${this.pieceCount} pieces`);
    }
  }

  private combine(other: Bitfield, op: (a: number, b: number) => number): Bitfield {
    if (other.pieceCount !== this.pieceCount) {
      throw new BitfieldError(
        `cannot combine bitfields of ${this.pieceCount} and ${other.pieceCount} pieces`,
      );
    }
    const result = new Bitfield(this.pieceCount);
    for (let k = 0; k < this.bytes.length; k++) {
      // Spare bits stay zero: they are zero in both operands, and |, & and &~ all map 0,0 to 0.
      result.bytes[k] = op(this.bytes[k] as number, other.bytes[k] as number) & 0xff;
    }
    return result;
  }
}
