import { describe, expect, it } from 'vitest';

import { Bitfield, BitfieldError, bitfieldByteLength } from './bitfield.js';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('Bitfield', () => {
  it('uses the BEP 3 layout: high bit of byte 0 is piece 0', () => {
    const f = new Bitfield(10);
    f.set(0);
    expect([...f.bytes]).toEqual([0x80, 0x00]);
    f.set(7);
    f.set(8);
    expect([...f.bytes]).toEqual([0x81, 0x80]);
    f.set(9);
    expect([...f.bytes]).toEqual([0x81, 0xc0]);
    expect(f.has(0)).toBe(true);
    expect(f.has(1)).toBe(false);
    expect(f.has(9)).toBe(true);
    expect(f.indices()).toEqual([0, 7, 8, 9]);
    expect(f.count()).toBe(4);
    f.clear(7);
    expect([...f.bytes]).toEqual([0x80, 0xc0]);
    expect(f.indices()).toEqual([0, 8, 9]);
  });

  it('sizes the field as ceil(n / 8) bytes', () => {
    expect(bitfieldByteLength(0)).toBe(0);
    expect(bitfieldByteLength(1)).toBe(1);
    expect(bitfieldByteLength(8)).toBe(1);
    expect(bitfieldByteLength(9)).toBe(2);
    expect(new Bitfield(17).bytes.length).toBe(3);
  });

  it('builds full fields with zero spare bits', () => {
    expect([...Bitfield.full(10).bytes]).toEqual([0xff, 0xc0]);
    expect([...Bitfield.full(8).bytes]).toEqual([0xff]);
    expect([...Bitfield.full(1).bytes]).toEqual([0x80]);
    expect(Bitfield.full(0).bytes.length).toBe(0);
    expect(Bitfield.full(10).count()).toBe(10);
    expect(Bitfield.full(10).isComplete()).toBe(true);
    expect(Bitfield.full(0).isComplete()).toBe(true);
  });

  it('tracks completeness', () => {
    const f = new Bitfield(3);
    expect(f.isComplete()).toBe(false);
    f.set(0);
    f.set(2);
    expect(f.isComplete()).toBe(false);
    f.set(1);
    expect(f.isComplete()).toBe(true);
    f.set(1); // idempotent
    expect(f.count()).toBe(3);
  });

  it('throws RangeError for out-of-range indices', () => {
    const f = new Bitfield(10);
    for (const i of [-1, 10, 16, 1.5, NaN]) {
      expect(() => f.set(i), String(i)).toThrow(RangeError);
      expect(() => f.has(i), String(i)).toThrow(RangeError);
    }
    expect(() => f.set(10)).toThrow(/piece index 10 is out of range: the bitfield has 10 pieces/);
    expect(() => new Bitfield(-1)).toThrow(RangeError);
    expect(() => new Bitfield(1.5)).toThrow(RangeError);
  });

  it('copies constructor bytes and validates them', () => {
    const src = new Uint8Array([0xa0, 0x40]);
    const f = new Bitfield(10, src);
    src[0] = 0;
    expect(f.indices()).toEqual([0, 2, 9]);

    const wrongLength = thrown(() => new Bitfield(10, new Uint8Array(3)));
    expect(wrongLength).toBeInstanceOf(BitfieldError);
    expect((wrongLength as BitfieldError).code).toBe('ERR_BITFIELD');
    expect((wrongLength as BitfieldError).message).toBe('bitfield for 10 pieces must be 2 bytes, got 3');
    expect(() => new Bitfield(10, new Uint8Array(1))).toThrow(BitfieldError);

    // Piece 10 would be bit 0x20 of byte 1: a spare bit.
    const spare = thrown(() => new Bitfield(10, new Uint8Array([0, 0x20])));
    expect(spare).toBeInstanceOf(BitfieldError);
    expect((spare as BitfieldError).message).toMatch(/spare bits/);
    expect(() => new Bitfield(10, new Uint8Array([0, 0x01]))).toThrow(BitfieldError);
    expect(() => new Bitfield(9, new Uint8Array([0xff, 0xc0]))).toThrow(BitfieldError);
    expect(() => new Bitfield(9, new Uint8Array([0xff, 0x80]))).not.toThrow();
    // No spare bits when n is a multiple of 8.
    expect(new Bitfield(8, new Uint8Array([0xff])).count()).toBe(8);
  });

  it('round-trips through base64', () => {
    const f = new Bitfield(20);
    [0, 3, 19].forEach((i) => f.set(i));
    expect(f.toBase64()).toBe(Buffer.from([0x90, 0x00, 0x10]).toString('base64'));
    expect(f.toBase64()).toBe('kAAQ');
    const g = Bitfield.fromBase64('kAAQ', 20);
    expect(g.indices()).toEqual([0, 3, 19]);
    expect(g.equals(f)).toBe(true);
    expect(Bitfield.fromBase64('', 0).pieceCount).toBe(0);
    expect(Bitfield.full(10).toBase64()).toBe('/8A=');
    expect(Bitfield.fromBase64('/8A=', 10).isComplete()).toBe(true);
  });

  it('rejects bad base64', () => {
    const cases: [string, number, RegExp][] = [
      ['kAAQ', 10, /must be 2 bytes, got 3/], // right string length, but 3 bytes where 10 pieces need 2
      ['kAAQkAAQ', 10, /must be 2 bytes of base64/], // wrong string length
      ['kAA=', 20, /must be 3 bytes/], // too short
      ['/8A=', 9, /spare bits/], // bit for piece 9 set in a 9-piece field
      ['/8E=', 10, /spare bits/],
      ['kA!Q', 20, /not valid base64/],
      ['kA-Q', 20, /not valid base64/], // URL-safe alphabet
      ['kAB=', 10, /not canonical/], // non-zero unused bits in the last character
      ['kA\nQ', 20, /not valid base64/],
    ];
    for (const [s, n, pattern] of cases) {
      const err = thrown(() => Bitfield.fromBase64(s, n));
      expect(err, `${s}/${n}`).toBeInstanceOf(BitfieldError);
      expect((err as Error).message, `${s}/${n}`).toMatch(pattern);
    }
    expect(Bitfield.fromBase64('gA==', 1).has(0)).toBe(true);
    expect(() => Bitfield.fromBase64('kA==', 1)).toThrow(/spare bits/); // 0x90: piece 3 of 1
    expect(() => Bitfield.fromBase64('gA', 1)).toThrow(BitfieldError); // missing padding
    expect(() => Bitfield.fromBase64('gA==', 1.5)).toThrow(RangeError);
  });

  it('combines fields', () => {
    const a = new Bitfield(10);
    const b = new Bitfield(10);
    [0, 1, 9].forEach((i) => a.set(i));
    [1, 2].forEach((i) => b.set(i));
    expect(a.or(b).indices()).toEqual([0, 1, 2, 9]);
    expect(a.and(b).indices()).toEqual([1]);
    expect(a.andNot(b).indices()).toEqual([0, 9]);
    expect(b.andNot(a).indices()).toEqual([2]);
    // Operands are not modified.
    expect(a.indices()).toEqual([0, 1, 9]);
    // Spare bits stay zero (the result re-validates through base64).
    const full = Bitfield.full(10);
    expect(Bitfield.fromBase64(full.andNot(a).toBase64(), 10).indices()).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(() => a.or(new Bitfield(11))).toThrow(BitfieldError);
  });

  it('clones independently', () => {
    const a = new Bitfield(4);
    const c = a.clone();
    c.set(1);
    expect(a.has(1)).toBe(false);
    expect(c.equals(a)).toBe(false);
    expect(new Bitfield(4).equals(new Bitfield(5))).toBe(false);
  });
});
