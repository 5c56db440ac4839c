/**
 * Fuzzing of the BEP 10 extended handshake decoder (issue 6): the first bencoded dictionary a
 * remote peer sends us, stock clients included.
 *
 * Properties, for any payload (random bytes; valid handshakes with keys in any order, odd values
 * and unknown keys, then mutated; deep nesting):
 * - `decodeExtendedHandshake` returns a handshake or throws WireError
 *   `ERR_WIRE_BAD_EXTENDED_HANDSHAKE`, nothing else;
 * - what it accepts is within our limits: we could send it back (`encodeExtendedHandshake`
 *   does not throw) and it decodes to the same again;
 * - key order does not matter: a dictionary decodes the same whatever order its keys come in.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bencode, seededRng, type BencodeValue } from '@groupshare/protocol';
import { FUZZ_TIMEOUT_MS, fuzz, mutatedBytes, parsedOrRefused, replayRegressions } from '@groupshare/protocol/fuzz-kit';
import { describe, it } from 'vitest';

import { decodeExtendedHandshake, encodeExtendedHandshake, type ExtendedHandshake } from './extended.js';
import { WireError } from './messages.js';

/** A dictionary written with its keys in the given order (bencode() would sort them). */
function dictInOrder(entries: ReadonlyArray<readonly [string, BencodeValue]>): Buffer {
  return Buffer.concat([Buffer.from('d'), ...entries.flatMap(([k, v]) => [bencode(k), bencode(v)]), Buffer.from('e')]);
}

/** Fisher-Yates with `rng`. */
function shuffled<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

const smallInt = fc.oneof(fc.integer({ min: -2, max: 70_000 }), fc.constantFrom(16_384, 1_048_576, 2048, 2049), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }));
const value: fc.Arbitrary<BencodeValue> = fc.oneof(smallInt, fc.string({ maxLength: 12 }), fc.uint8Array({ maxLength: 6 }), fc.constant<BencodeValue>([]));
const m = fc.dictionary(fc.string({ minLength: 0, maxLength: 12 }), fc.oneof(fc.integer({ min: -1, max: 300 }), value), { maxKeys: 4, noNullPrototype: true });

/** Entries of a plausible handshake: our keys with mostly valid values, and unknown keys. */
const entries = fc
  .tuple(fc.record(
    {
      m,
      v: fc.oneof(fc.string({ maxLength: 20 }), value),
      reqq: smallInt,
      p: fc.oneof(fc.integer({ min: 0, max: 70_000 }), value),
      gs_ticket: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), value),
      gs_block: fc.oneof(fc.constantFrom(16_384, 65_536, 1_048_576), smallInt),
      gs_nonce: fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), value),
      gs_cert: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), value),
      gs_proof: fc.oneof(fc.uint8Array({ minLength: 64, maxLength: 64 }), value),
      gs_sha1: fc.oneof(fc.uint8Array({ minLength: 20, maxLength: 20 }), value),
      metadata_size: fc.oneof(fc.integer({ min: 0, max: 6_000_000 }), smallInt),
      yourip: fc.uint8Array({ maxLength: 4 }),
      complete_ago: smallInt,
    },
    { requiredKeys: [] },
  ), fc.nat())
  // Shuffled by a drawn seed rather than with `chain`, which costs several times more per input.
  .map(([d, seed]) => shuffled(Object.entries(d), seededRng(seed)));

const payload = fc.oneof(
  { arbitrary: mutatedBytes(entries.map(dictInOrder)), weight: 8 },
  { arbitrary: fc.uint8Array({ maxLength: 32 }), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 2_000 }).map((n) => Buffer.from(`d1:m${'l'.repeat(n)}${'e'.repeat(n)}e`)), weight: 1 },
);

function decoded(bytes: Uint8Array): ExtendedHandshake | undefined {
  return parsedOrRefused(() => decodeExtendedHandshake(bytes), WireError);
}

function check(bytes: Uint8Array): void {
  let h: ExtendedHandshake | undefined;
  try {
    h = decodeExtendedHandshake(bytes);
  } catch (err) {
    assert.ok(err instanceof WireError, `only WireError is thrown, got ${String(err)}`);
    assert.equal(err.code, 'ERR_WIRE_BAD_EXTENDED_HANDSHAKE');
    return;
  }
  const again = decodeExtendedHandshake(encodeExtendedHandshake(h));
  assert.deepEqual(again, h, 'an accepted handshake is one we could send, and means the same');
}

/** Inputs that once made a property fail (hex payloads); each is replayed on every run. */
const REGRESSIONS: string[] = [];

describe('extended handshake fuzzing', () => {
  replayRegressions(REGRESSIONS, (h) => check(Buffer.from(h, 'hex')));

  it('decodes any payload to an in-limits handshake or ERR_WIRE_BAD_EXTENDED_HANDSHAKE', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(fc.property(payload, check));
  });

  it('decodes a dictionary the same whatever order its keys come in', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(
      fc.property(entries, (list) => {
        const sorted = decoded(bencode(Object.fromEntries(list)));
        assert.deepEqual(decoded(dictInOrder(list)), sorted);
      }),
      20_000,
    );
  });
});
