/**
 * Fuzzing of the bencode decoder and of the info-dictionary parser built on it (issue 6).
 *
 * Properties, for any bytes (random, valid encodings mutated, deep nesting, huge lengths):
 * - `bdecode` returns a value or throws BencodeError, nothing else;
 * - a value it accepts re-encodes to exactly the input (the strict decoder's promise, on which
 *   info-hashes rest), and holds no more nodes and bytes than the input had (so a length field
 *   cannot make it allocate beyond the input);
 * - `bdecodeSpan` agrees with `bdecode` and returns exactly the bytes of the value's encoding;
 * - `bdecode(bencode(x))` re-encodes to `bencode(x)` for any bencodable `x`;
 * - `parseInfoDictionary` returns an info that re-encodes to its input, or throws its typed errors.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzz, heapAfterGc, mutatedBytes, parsedOrRefused, replayRegressions } from '@groupshare/protocol/fuzz-kit';
import { describe, expect, it } from 'vitest';

import { bdecode, bdecodeSpan, bencode, BencodeError, isBencodeDict, type BencodeValue } from './bencode.js';
import { FileInfoError, PiecesMismatchError, infoDictionary, parseInfoDictionary } from './info-hash.js';
import { fromHex } from './hex.js';

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Bencodable values, small enough that 100,000 of them take a few seconds. */
const { value: bencodable } = fc.letrec<{ value: BencodeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
    fc.uint8Array({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 5 }), tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
}));

/** Valid encodings, a top-level dictionary more often than not (torrents, handshakes). */
const validEncoding = fc.oneof(
  bencodable.map((v) => bencode(v)),
  fc.dictionary(fc.string({ unit: 'grapheme-ascii', maxLength: 5 }), bencodable, { maxKeys: 5, noNullPrototype: true }).map((d) => bencode(d)),
);

/** Inputs only a hostile sender writes: deep nesting, lengths far beyond the input. */
const hostile = fc.oneof(
  fc.tuple(fc.constantFrom('l', 'd', 'ld', 'd1:a'), fc.integer({ min: 1, max: 300 }), fc.boolean()).map(([open, n, close]) =>
    latin1(open.repeat(n) + (close ? 'e'.repeat(n) : '')),
  ),
  fc.tuple(fc.stringMatching(/^[1-9][0-9]{0,24}$/), fc.uint8Array({ maxLength: 16 })).map(([len, rest]) =>
    Buffer.concat([latin1(`d4:info${len}:`), rest]),
  ),
  fc.stringMatching(/^i-?[0-9]{0,80}e?$/).map(latin1),
);

const anyInput = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 48 }), weight: 2 },
  { arbitrary: fc.stringMatching(/^[0-9ilde:-]{0,40}$/).map(latin1), weight: 2 },
  { arbitrary: mutatedBytes(validEncoding), weight: 5 },
  { arbitrary: hostile, weight: 1 },
);

/** Nodes plus byte-string bytes of a decoded value: what decoding it allocated, roughly. */
function weight(v: BencodeValue): number {
  if (v instanceof Uint8Array) return 1 + v.length;
  if (Array.isArray(v)) return v.reduce<number>((n, item) => n + weight(item), 1);
  if (typeof v === 'object') return Object.entries(v).reduce((n, [k, item]) => n + Buffer.byteLength(k) + weight(item), 1);
  return 1;
}

/** The checks every input gets; the regression cases below replay through it too. */
function checkDecode(input: Uint8Array): void {
  const value = parsedOrRefused(() => bdecode(input), BencodeError);
  if (value === undefined) {
    // The span finder runs the same decoder, so it must refuse the same inputs.
    assert.throws(() => bdecodeSpan(input, 'info'), BencodeError);
    return;
  }
  assert.ok(bencode(value).equals(input), 'an accepted input re-encodes to itself');
  assert.ok(weight(value) <= input.length, 'a decoded value is no bigger than its input');
  if (isBencodeDict(value)) {
    const span = bdecodeSpan(input, 'info');
    const info = value.info;
    assert.deepEqual(span === undefined ? undefined : Buffer.from(span), info === undefined ? undefined : bencode(info));
  } else {
    assert.throws(() => bdecodeSpan(input, 'info'), BencodeError);
  }
}

/** Inputs that once made a property fail (hex); each is replayed on every run. */
const REGRESSIONS: string[] = [];

describe('bencode fuzzing', () => {
  replayRegressions(REGRESSIONS, (h) => checkDecode(fromHex(h)));

  it('bdecode returns a value that re-encodes to its input, or throws BencodeError', { timeout: FUZZ_TIMEOUT_MS }, () => {
    const before = heapAfterGc();
    fuzz(fc.property(anyInput, checkDecode));
    // Nothing is kept per input: 100,000 inputs leave the heap where it was (slack for JIT code).
    expect(heapAfterGc() - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('bdecode(bencode(x)) re-encodes to bencode(x)', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(
      fc.property(bencodable, (x) => {
        const bytes = bencode(x);
        assert.ok(bencode(bdecode(bytes)).equals(bytes));
      }),
      20_000,
    );
  });

  it('refuses nesting of any depth with BencodeError, whatever maxDepth allows', () => {
    // maxDepth far above the default: the decoder is iterative, so even 200,000 levels are no
    // threat to the call stack.
    const deep = latin1(`${'l'.repeat(200_000)}${'e'.repeat(200_000)}`);
    expect(() => bdecode(deep)).toThrow(BencodeError);
    expect(Array.isArray(bdecode(deep, { maxDepth: 1_000_000 }))).toBe(true);
  });
});

/** Valid single-file info dictionaries, as infoDictionary writes them. */
const validInfo = fc
  .record({
    name: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
    pieceLength: fc.integer({ min: 1, max: 64 }),
    pieceCount: fc.integer({ min: 0, max: 3 }),
    extra: fc.nat({ max: 63 }),
  })
  .map(({ name, pieceLength, pieceCount, extra }) => {
    const length = pieceCount === 0 ? 0 : (pieceCount - 1) * pieceLength + 1 + (extra % pieceLength);
    return infoDictionary({ name, length, pieceLength, pieces: Buffer.alloc(20 * pieceCount, 7) });
  });

describe('info dictionary fuzzing', () => {
  it('parseInfoDictionary round-trips what it accepts and throws only its own errors', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(
      fc.property(fc.oneof(mutatedBytes(validInfo), fc.uint8Array({ maxLength: 32 })), (input) => {
        const info = parsedOrRefused(() => parseInfoDictionary(input), BencodeError, FileInfoError, PiecesMismatchError);
        if (info !== undefined) assert.ok(infoDictionary(info).equals(input), 'an accepted info re-encodes to itself');
      }),
    );
  });
});
