/**
 * Fuzzing of the BEP 9 `ut_metadata` decoder: messages a remote peer sends while we fetch a
 * file's info dictionary from it, or asks of us while we serve it.
 *
 * Properties, for any payload (random bytes; valid requests, data and rejects, then mutated;
 * dictionaries with keys in any order and odd values):
 * - `decodeMetadataMessage` returns a message or throws WireError
 *   `ERR_WIRE_BAD_METADATA_MESSAGE`, nothing else;
 * - what it accepts is within our limits: we could send it (`encodeMetadataMessage` does not
 *   throw) and it decodes to the same again; a data piece has exactly its length.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bencode, type BencodeValue } from '@groupshare/protocol';
import { FUZZ_TIMEOUT_MS, fuzz, mutatedBytes, replayRegressions } from '@groupshare/protocol/fuzz-kit';
import { describe, it } from 'vitest';

import { WireError } from './messages.js';
import { MAX_METADATA_BYTES, METADATA_PIECE_BYTES, decodeMetadataMessage, encodeMetadataMessage, type MetadataMessage } from './metadata.js';

/** A dictionary written with its keys in the given order (bencode() would sort them). */
function dictInOrder(entries: ReadonlyArray<readonly [string, BencodeValue]>): Buffer {
  return Buffer.concat([Buffer.from('d'), ...entries.flatMap(([k, v]) => [bencode(k), bencode(v)]), Buffer.from('e')]);
}

const int = fc.oneof(fc.integer({ min: -2, max: 400 }), fc.constantFrom(0, 1, 2, 3, 16_384, 16_385, MAX_METADATA_BYTES, MAX_METADATA_BYTES + 1), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }));
const odd: fc.Arbitrary<BencodeValue> = fc.oneof(int, fc.string({ maxLength: 6 }), fc.constant<BencodeValue>([]));

/** Plausible messages: a header (keys in any order, mostly sensible values) and trailing bytes. */
const plausible = fc
  .tuple(
    fc.record({ msg_type: fc.oneof(fc.constantFrom(0, 1, 2), odd), piece: fc.oneof(fc.integer({ min: 0, max: 4 }), odd), total_size: fc.oneof(fc.integer({ min: 1, max: 70_000 }), odd), extra: odd }, { requiredKeys: [] }),
    fc.boolean(),
    fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 200 }), fc.constant(METADATA_PIECE_BYTES - 1), fc.constant(METADATA_PIECE_BYTES)),
  )
  .map(([d, reverse, tail]) => {
    const entries = Object.entries(d);
    if (reverse) entries.reverse();
    return Buffer.concat([dictInOrder(entries), Buffer.alloc(tail, 7)]);
  });

const payload = fc.oneof(
  { arbitrary: mutatedBytes(plausible), weight: 8 },
  { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => Buffer.from(`d5:piece${'l'.repeat(n)}${'e'.repeat(n)}e`)), weight: 1 },
);

function check(bytes: Uint8Array): void {
  let m: MetadataMessage;
  try {
    m = decodeMetadataMessage(bytes);
  } catch (err) {
    assert.ok(err instanceof WireError, `only WireError is thrown, got ${String(err)}`);
    assert.equal(err.code, 'ERR_WIRE_BAD_METADATA_MESSAGE');
    return;
  }
  if (m.type === 'data') {
    assert.ok(m.totalSize >= 1 && m.totalSize <= MAX_METADATA_BYTES);
    assert.ok(m.data.length >= 1 && m.data.length <= METADATA_PIECE_BYTES);
  }
  assert.deepEqual(decodeMetadataMessage(encodeMetadataMessage(m)), m, 'an accepted message is one we could send, and means the same');
}

/** Inputs that once made a property fail (hex payloads); each is replayed on every run. */
const REGRESSIONS: string[] = [];

describe('ut_metadata fuzzing', () => {
  replayRegressions(REGRESSIONS, (h) => check(Buffer.from(h, 'hex')));

  it('decodes any payload to an in-limits message or ERR_WIRE_BAD_METADATA_MESSAGE', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(fc.property(payload, check));
  });
});
