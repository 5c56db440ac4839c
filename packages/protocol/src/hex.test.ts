import { describe, expect, it } from 'vitest';

import { fromHex, HexError, toHex } from './hex.js';

describe('hex', () => {
  it('encodes lowercase and decodes either case', () => {
    expect(toHex(new Uint8Array([0x00, 0x0f, 0xab, 0xff]))).toBe('000fabff');
    expect(toHex(new Uint8Array(0))).toBe('');
    // A view with an offset encodes only its own bytes.
    expect(toHex(new Uint8Array([1, 2, 3, 4]).subarray(1, 3))).toBe('0203');
    expect([...fromHex('000FabfF')]).toEqual([0x00, 0x0f, 0xab, 0xff]);
    expect(fromHex('').length).toBe(0);
  });

  it('rejects odd lengths and non-hex characters that Buffer would silently drop', () => {
    for (const s of ['abc', 'zz', '0g', 'ab cd', '0x00', 'ab\n']) {
      let err: unknown;
      try {
        fromHex(s);
      } catch (e) {
        err = e;
      }
      expect(err, s).toBeInstanceOf(HexError);
      expect((err as HexError).code).toBe('ERR_HEX');
    }
  });
});
