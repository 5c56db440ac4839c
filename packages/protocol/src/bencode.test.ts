import { describe, expect, it } from 'vitest';

import {
  bdecode,
  bdecodeSpan,
  bencode,
  BencodeError,
  DEFAULT_MAX_DEPTH,
  isBencodeDict,
  type BencodeValue,
} from './bencode.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const enc = (v: BencodeValue): string => bencode(v).toString('latin1');

/** Asserts that decoding `input` throws a BencodeError whose message matches `pattern`. */
function expectReject(input: string | Uint8Array, pattern: RegExp, maxDepth?: number): void {
  const bytes = typeof input === 'string' ? b(input) : input;
  let thrown: unknown;
  try {
    bdecode(bytes, maxDepth === undefined ? undefined : { maxDepth });
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(BencodeError);
  expect((thrown as BencodeError).code).toBe('ERR_BENCODE');
  expect((thrown as BencodeError).message).toMatch(pattern);
}

describe('bencode', () => {
  it('encodes the BEP 3 examples', () => {
    expect(enc('spam')).toBe('4:spam');
    expect(enc(3)).toBe('i3e');
    expect(enc(-3)).toBe('i-3e');
    expect(enc(0)).toBe('i0e');
    expect(enc(-0)).toBe('i0e');
    expect(enc(['spam', 'eggs'])).toBe('l4:spam4:eggse');
    expect(enc({ cow: 'moo', spam: 'eggs' })).toBe('d3:cow3:moo4:spam4:eggse');
    expect(enc({ spam: ['a', 'b'] })).toBe('d4:spaml1:a1:bee');
    expect(enc('')).toBe('0:');
    expect(enc([])).toBe('le');
    expect(enc({})).toBe('de');
  });

  it('encodes strings as UTF-8 byte strings', () => {
    expect(bencode('é€').equals(Buffer.concat([b('5:'), Buffer.from('é€', 'utf8')]))).toBe(true);
  });

  it('encodes bigint and the safe-integer extremes', () => {
    expect(enc(Number.MAX_SAFE_INTEGER)).toBe('i9007199254740991e');
    expect(enc(Number.MIN_SAFE_INTEGER)).toBe('i-9007199254740991e');
    expect(enc(2n ** 64n)).toBe('i18446744073709551616e');
    expect(enc(-(2n ** 70n))).toBe('i-1180591620717411303424e');
  });

  it('sorts dictionary keys by raw bytes, not insertion or UTF-16 order', () => {
    expect(enc({ b: 1, a: 2, B: 3, aa: 4, 'piece length': 5, pieces: 6 })).toBe(
      'd1:Bi3e1:ai2e2:aai4e1:bi1e12:piece lengthi5e6:piecesi6ee',
    );
    // U+FF5E sorts after U+1F600 in UTF-16 code units (0xFF5E > 0xD83D) but before it in UTF-8
    // bytes (EF BD 9E < F0 9F 98 80).
    const out = bencode({ '\u{1F600}': 1, '\uFF5E': 2 });
    const expected = Buffer.concat([
      b('d3:'),
      Buffer.from('\uFF5E', 'utf8'),
      b('i2e4:'),
      Buffer.from('\u{1F600}', 'utf8'),
      b('i1ee'),
    ]);
    expect(out.equals(expected)).toBe(true);
  });

  it('rejects values that are not bencodable', () => {
    const bad: unknown[] = [
      1.5,
      NaN,
      Infinity,
      -Infinity,
      Number.MAX_SAFE_INTEGER + 1,
      null,
      undefined,
      true,
      Symbol('x'),
      () => 1,
      new Date(0),
      new Map(),
      '\uD800',
      'a\uDC00b',
      { key: undefined },
      { ['\uDFFF']: 1 },
      [1, [2, null]],
    ];
    for (const v of bad) {
      expect(() => bencode(v as BencodeValue), String(v)).toThrow(BencodeError);
    }
  });

  it('rejects cycles and over-deep nesting instead of overflowing the stack', () => {
    const cyclic: BencodeValue[] = [];
    cyclic.push(cyclic);
    expect(() => bencode(cyclic)).toThrow(/cyclic/);

    let deep: BencodeValue = 1;
    for (let i = 0; i < DEFAULT_MAX_DEPTH; i++) deep = [deep];
    expect(enc(deep)).toBe('l'.repeat(DEFAULT_MAX_DEPTH) + 'i1e' + 'e'.repeat(DEFAULT_MAX_DEPTH));
    expect(() => bencode([deep])).toThrow(/deeper than 64/);
  });

  it('encodes the same object referenced twice (a DAG is not a cycle)', () => {
    const shared = ['x'];
    expect(enc([shared, shared])).toBe('ll1:xel1:xee');
  });
});

describe('bdecode', () => {
  it('decodes each type', () => {
    expect(bdecode(b('i42e'))).toBe(42);
    expect(bdecode(b('i-42e'))).toBe(-42);
    expect(bdecode(b('i0e'))).toBe(0);
    expect(bdecode(b('4:spam'))).toEqual(Buffer.from('spam'));
    expect(Buffer.isBuffer(bdecode(b('4:spam')))).toBe(true);
    expect(bdecode(b('0:'))).toEqual(Buffer.alloc(0));
    expect(bdecode(b('l4:spami7ee'))).toEqual([Buffer.from('spam'), 7]);
    const dict = bdecode(b('d3:cow3:moo4:spaml1:aee'));
    expect(isBencodeDict(dict)).toBe(true);
    expect({ ...(dict as object) }).toEqual({ cow: Buffer.from('moo'), spam: [Buffer.from('a')] });
  });

  it('returns numbers for safe integers and bigints beyond', () => {
    expect(bdecode(b('i9007199254740991e'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(bdecode(b('i-9007199254740991e'))).toBe(Number.MIN_SAFE_INTEGER);
    expect(bdecode(b('i9007199254740992e'))).toBe(9007199254740992n);
    expect(bdecode(b('i-9007199254740992e'))).toBe(-9007199254740992n);
    expect(bdecode(b('i123456789012345678901234567890e'))).toBe(123456789012345678901234567890n);
  });

  it('copies byte strings out of the input', () => {
    const input = b('4:spam');
    const out = bdecode(input) as Buffer;
    input[2] = 0x53; // 'S'
    expect(out.toString()).toBe('spam');
  });

  it('produces null-prototype dictionaries, so __proto__ is just a key', () => {
    const d = bdecode(b('d9:__proto__d5:admini1ee11:constructori5ee')) as Record<string, BencodeValue>;
    expect(Object.getPrototypeOf(d)).toBe(null);
    expect(Object.keys(d)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(d['__proto__'])).toBe(null);
    expect((d['__proto__'] as Record<string, BencodeValue>)['admin']).toBe(1);
    expect(d['constructor']).toBe(5);
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
    // Absent inherited names are absent, not Object.prototype members.
    const empty = bdecode(b('de')) as Record<string, BencodeValue>;
    expect(empty['toString']).toBeUndefined();
    expect(empty['hasOwnProperty']).toBeUndefined();
  });

  it('decodes keys as UTF-8 and keeps a leading BOM', () => {
    const key = Buffer.from('\uFEFFnäme', 'utf8');
    const input = Buffer.concat([b(`d${key.length}:`), key, b('i1ee')]);
    expect(Object.keys(bdecode(input) as object)).toEqual(['\uFEFFnäme']);
  });

  it('round-trips: decode(encode(v)) equals v and encode(decode(x)) equals x', () => {
    const value = {
      announce: 'http://t/announce',
      info: { length: 100_000, name: 'f.bin', 'piece length': 32768, pieces: Buffer.alloc(80, 7) },
      list: [1, -1, 0, 2n ** 80n, [], {}, [[['deep']]]],
      ['\u{1F600}']: 'emoji',
    };
    const bytes = bencode(value);
    const decoded = bdecode(bytes);
    expect(bencode(decoded).equals(bytes)).toBe(true);
    const d = decoded as Record<string, BencodeValue>;
    expect((d['info'] as Record<string, BencodeValue>)['length']).toBe(100_000);
    expect((d['list'] as BencodeValue[])[3]).toBe(2n ** 80n);
    expect((d['\u{1F600}'] as Buffer).toString('utf8')).toBe('emoji');
  });

  it('accepts nesting up to maxDepth and rejects one level more', () => {
    const nest = (n: number): Buffer => b('l'.repeat(n) + 'e'.repeat(n));
    expect(() => bdecode(nest(64))).not.toThrow();
    expectReject(nest(65), /nesting deeper than maxDepth 64/);
    expect(() => bdecode(nest(3), { maxDepth: 3 })).not.toThrow();
    expectReject(nest(4), /maxDepth 3/, 3);
    expectReject('de', /maxDepth 0/, 0);
    expect(bdecode(b('i1e'), { maxDepth: 0 })).toBe(1);
    // Dictionaries count too.
    expectReject('d1:ad1:ad1:aleeee', /maxDepth 3/, 3);
  });

  it('survives hostile nesting far deeper than the call stack', () => {
    expectReject('l'.repeat(1_000_000), /nesting deeper/);
    // Even with the limit lifted, the iterative decoder cannot overflow the stack.
    const n = 200_000;
    const decoded = bdecode(b('l'.repeat(n) + 'e'.repeat(n)), { maxDepth: n });
    expect(Array.isArray(decoded)).toBe(true);
  });

  it('rejects a bad maxDepth option with RangeError', () => {
    expect(() => bdecode(b('i1e'), { maxDepth: -1 })).toThrow(RangeError);
    expect(() => bdecode(b('i1e'), { maxDepth: 1.5 })).toThrow(RangeError);
  });

  const rejections: [string, string, RegExp][] = [
    ['empty input', '', /empty input/],
    ['leading zero', 'i03e', /leading zero/],
    ['leading zero on zero', 'i00e', /leading zero/],
    ['negative leading zero', 'i-03e', /leading zero/],
    ['negative zero', 'i-0e', /negative zero/],
    ['empty integer', 'ie', /no digits/],
    ['lone minus', 'i-e', /no digits/],
    ['plus sign', 'i+1e', /invalid character in integer/],
    ['float', 'i1.5e', /invalid character in integer/],
    ['space in integer', 'i 1e', /invalid character/],
    ['unterminated integer', 'i12', /end of input/],
    ['length leading zero', '04:spam', /length has a leading zero/],
    ['length beyond input', '5:spam', /length exceeds input/],
    ['huge length', '99999999999999999999999:x', /length exceeds input/],
    ['missing colon', '4spam', /invalid character in length/],
    ['truncated length', '1', /end of input/],
    ['length longer than input', '12', /length exceeds input/],
    ['truncated list', 'l4:spam', /end of input/],
    ['truncated dict', 'd3:cow3:moo', /end of input/],
    ['dict key without value', 'd3:cowe', /key has no value/],
    ['dict key truncated', 'd3:co', /length exceeds input/],
    ['trailing garbage', 'i1ex', /trailing bytes/],
    ['two values', 'i1ei2e', /trailing bytes/],
    ['trailing e', 'lee', /trailing bytes/],
    ['stray e', 'e', /unexpected "e"/],
    ['unknown type', 'x', /unexpected byte 0x78/],
    ['integer key', 'di1ei2ee', /key must be a byte string/],
    ['list key', 'dle1:ae', /key must be a byte string/],
    ['unsorted keys', 'd1:bi1e1:ai2ee', /not sorted/],
    ['unsorted by bytes (B < a)', 'd1:ai1e1:Bi2ee', /not sorted/],
    ['prefix after longer key', 'd2:aai1e1:ai2ee', /not sorted/],
    ['duplicate keys', 'd1:ai1e1:ai2ee', /duplicate dictionary key/],
    ['duplicate __proto__', 'd9:__proto__i1e9:__proto__i2ee', /duplicate/],
    ['overlong integer', `i${'9'.repeat(65)}e`, /longer than 64 digits/],
  ];
  for (const [what, input, pattern] of rejections) {
    it(`rejects ${what}: ${JSON.stringify(input.slice(0, 30))}`, () => expectReject(input, pattern));
  }

  it('accepts unsorted keys with sortedKeys: false, still refusing duplicates', () => {
    const lenient = { sortedKeys: false };
    const d = bdecode(b('d1:bi1e1:ai2ee'), lenient);
    expect({ ...(d as object) }).toEqual({ b: 1, a: 2 });
    // Re-encoding sorts them: lenient decoding is for input whose bytes are never hashed.
    expect(enc(d)).toBe('d1:ai2e1:bi1ee');
    expect(() => bdecode(b('d1:bi1e1:ai2e1:bi3ee'), lenient)).toThrow(/duplicate dictionary key/);
    expect(() => bdecode(b('d9:__proto__i1e1:a0:9:__proto__i2ee'), lenient)).toThrow(/duplicate/);
    expect(() => bdecode(b('d1:bi1e1:ai2ee'))).toThrow(/not sorted/);
  });

  it('rejects dictionary keys that are not valid UTF-8', () => {
    expectReject(Buffer.from([0x64, 0x31, 0x3a, 0xff, 0x69, 0x31, 0x65, 0x65]), /not valid UTF-8/);
    // An encoded surrogate (ED A0 80) is not valid UTF-8 either.
    expectReject(Buffer.from([0x64, 0x33, 0x3a, 0xed, 0xa0, 0x80, 0x69, 0x31, 0x65, 0x65]), /not valid UTF-8/);
  });

  it('reports the byte offset of the problem', () => {
    try {
      bdecode(b('l4:spami03ee'));
      expect.unreachable();
    } catch (err) {
      expect((err as BencodeError).offset).toBe(7);
      expect((err as BencodeError).message).toBe('integer has a leading zero (at byte 7)');
    }
  });

  it('rejects non-Uint8Array input with BencodeError', () => {
    expectReject('x', /unexpected byte/); // sanity: the helper works on strings converted to bytes
    expect(() => bdecode('i1e' as unknown as Uint8Array)).toThrow(BencodeError);
  });

  it('accepts plain Uint8Array input, not only Buffer', () => {
    expect(bdecode(new TextEncoder().encode('l1:ae'))).toEqual([Buffer.from('a')]);
  });

  it('only ever throws BencodeError on random input (seeded fuzz)', () => {
    // xorshift32: deterministic, so a failure reproduces.
    let state = 0x9e3779b9;
    const next = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state >>> 0;
    };
    // Bias towards grammar bytes so the fuzz reaches deep into the decoder.
    const alphabet = b('ilde0123456789:-ilde:0');
    let accepted = 0;
    for (let round = 0; round < 20_000; round++) {
      const len = next() % 16;
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) {
        bytes[i] = next() % 4 === 0 ? next() % 256 : (alphabet[next() % alphabet.length] as number);
      }
      let decoded: BencodeValue;
      try {
        decoded = bdecode(bytes, { maxDepth: 8 });
      } catch (err) {
        if (!(err instanceof BencodeError)) {
          throw new Error(`non-BencodeError for ${Buffer.from(bytes).toString('hex')}: ${String(err)}`);
        }
        continue;
      }
      accepted++;
      // Anything accepted is canonical: it re-encodes to the identical bytes.
      expect(bencode(decoded).equals(bytes)).toBe(true);
      // bdecodeSpan, too, only throws BencodeError.
      try {
        bdecodeSpan(bytes, 'a');
      } catch (err) {
        expect(err).toBeInstanceOf(BencodeError);
      }
    }
    expect(accepted).toBeGreaterThan(15); // the generator does reach valid inputs
  });

  it('fuzzes mutations of a valid torrent-like document', () => {
    const base = bencode({ a: [1, 'xy', { b: -5 }], info: { length: 3, name: 'n' }, z: 'end' });
    let state = 12345;
    const next = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 8;
    };
    for (let round = 0; round < 3000; round++) {
      const bytes = Buffer.from(base);
      const edits = 1 + (next() % 3);
      for (let e = 0; e < edits; e++) bytes[next() % bytes.length] = next() % 256;
      const cut = next() % 4 === 0 ? bytes.subarray(0, next() % bytes.length) : bytes;
      try {
        const v = bdecode(cut);
        expect(bencode(v).equals(cut)).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(BencodeError);
      }
    }
  });
});

describe('random round trips', () => {
  it('decode(encode(v)) re-encodes identically for random values', () => {
    let state = 777;
    const next = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 8;
    };
    const randomValue = (depth: number): BencodeValue => {
      switch (next() % (depth > 4 ? 3 : 5)) {
        case 0:
          return (next() % 2000) - 1000;
        case 1:
          return BigInt(next()) * 10n ** 20n * (next() % 2 === 0 ? 1n : -1n);
        case 2:
          return Buffer.from(Array.from({ length: next() % 6 }, () => next() % 256));
        case 3:
          return Array.from({ length: next() % 4 }, () => randomValue(depth + 1));
        default: {
          const d: Record<string, BencodeValue> = {};
          for (let k = next() % 4; k > 0; k--) d[String.fromCharCode(97 + (next() % 26), 65 + (next() % 26))] = randomValue(depth + 1);
          return d;
        }
      }
    };
    for (let round = 0; round < 2000; round++) {
      const v = randomValue(0);
      const bytes = bencode(v);
      const decoded = bdecode(bytes);
      expect(bencode(decoded).equals(bytes)).toBe(true);
    }
  });
});

describe('bdecodeSpan', () => {
  it('returns the exact bytes of a top-level value', () => {
    const doc = b('d8:announce3:url4:infod6:lengthi5e4:name1:xe8:url-listl1:uee');
    expect(Buffer.from(bdecodeSpan(doc, 'info') ?? []).toString('latin1')).toBe('d6:lengthi5e4:name1:xe');
    expect(Buffer.from(bdecodeSpan(doc, 'announce') ?? []).toString('latin1')).toBe('3:url');
    expect(Buffer.from(bdecodeSpan(doc, 'url-list') ?? []).toString('latin1')).toBe('l1:ue');
    expect(bdecodeSpan(doc, 'missing')).toBeUndefined();
  });

  it('ignores nested keys with the same name', () => {
    const doc = b('d1:ad4:infoi1ee4:infoi2ee');
    expect(Buffer.from(bdecodeSpan(doc, 'info') ?? []).toString('latin1')).toBe('i2e');
    expect(bdecodeSpan(b('d1:ad4:infoi1eee'), 'info')).toBeUndefined();
  });

  it('returns a view into the input', () => {
    const doc = b('d4:infoi7ee');
    const span = bdecodeSpan(doc, 'info');
    expect(span?.buffer).toBe(doc.buffer);
    expect(span?.byteOffset).toBe(doc.byteOffset + 7);
  });

  it('validates the whole input', () => {
    expect(() => bdecodeSpan(b('d4:infoi7eex'), 'info')).toThrow(/trailing bytes/);
    expect(() => bdecodeSpan(b('d4:infoi07ee'), 'info')).toThrow(BencodeError);
    expect(() => bdecodeSpan(b('li1ee'), 'info')).toThrow(/not a dictionary/);
    expect(() => bdecodeSpan(b('4:info'), 'info')).toThrow(BencodeError);
  });
});
