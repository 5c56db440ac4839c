/**
 * Fuzzing of the tracker's request parser (client → tracker frames; issue 6).
 *
 * Properties, for any text (random, valid requests with fields deleted, replaced by any JSON
 * value or deep nesting, or the text mutated as bytes):
 * - `parseRequest` never throws; a refusal carries a ProtocolError with a protocol error code,
 *   and the request's id when the message had a usable one;
 * - an accepted request is normalised for good: sent again as JSON, it parses to itself.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzz, mutatedJson, replayRegressions } from '@groupshare/protocol/fuzz-kit';
import { describe, it } from 'vitest';

import { ERROR_CODES, ProtocolError } from './errors.js';
import { REQUEST_TYPES, RequestSchemas } from './messages.js';
import { parseRequest } from './parse-request.js';

// Built from bytes and small alphabets rather than fc.stringMatching, which costs several times more.
const hex40 = fc.tuple(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.boolean()).map(([b, upper]) => {
  const h = Buffer.from(b).toString('hex');
  return upper ? h.toUpperCase() : h;
});
const id = fc.string({ unit: fc.constantFrom(...'abcXYZ019._-'), minLength: 1, maxLength: 34 });

/** A plausible value for each request field, by name; most are valid, some just miss. */
const FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  userId: id,
  groupId: id,
  password: fc.string({ minLength: 6, maxLength: 20 }),
  peerAddress: fc.oneof(fc.constantFrom('10.0.0.2:6881', '[::1]:7000', '0.0.0.0:1', 'peer.example:65535'), fc.string({ maxLength: 12 })),
  token: fc.uint8Array({ minLength: 31, maxLength: 33 }).map((b) => Buffer.from(b).toString('base64url')),
  name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  size: fc.oneof(fc.nat({ max: 10_000 }), fc.double()),
  sha1: hex40,
  infoHash: hex40,
  pieceLength: fc.constantFrom(16_384, 262_144, 1, 3),
  pieces: fc.array(hex40, { maxLength: 2 }).map((a) => a.join('')),
  have: fc.array(fc.integer({ min: -1, max: 300_000 }), { maxLength: 4 }),
  bitfield: fc.base64String({ maxLength: 12 }),
};

/** Well-formed requests of every type, fields chosen from {@link FIELDS}. */
const request = fc.constantFrom(...REQUEST_TYPES).chain((type) => {
  const fields = Object.keys(RequestSchemas[type].shape).filter((k) => k !== 'id' && k !== 'type');
  const shape = Object.fromEntries(fields.map((k) => [k, FIELDS[k] ?? fc.string()]));
  return fc.record({ id: fc.nat(), type: fc.constant(type), ...shape }, { requiredKeys: ['id', 'type'] }) as fc.Arbitrary<Record<string, unknown>>;
});

/** Deep nesting as text (cheap to generate at any depth), in a field every type validates. */
const deep = fc
  .tuple(fc.constantFrom(...REQUEST_TYPES), fc.constantFrom('groupId', 'have', 'name', 'x'), fc.integer({ min: 1, max: 5_000 }), fc.constantFrom('[', '{"a":'))
  .map(([type, field, n, open]) => `{"id":7,"type":"${type}","${field}":${open.repeat(n)}1${(open === '[' ? ']' : '}').repeat(n)}}`);

function check(text: string): void {
  const parsed = parseRequest(text);
  if (parsed.ok) {
    const again = parseRequest(JSON.stringify(parsed.request));
    assert.deepEqual(again, parsed, 'an accepted request parses to itself');
    return;
  }
  assert.ok(parsed.error instanceof ProtocolError);
  assert.ok((ERROR_CODES as readonly string[]).includes(parsed.error.code));
  // The reply must reach the request it answers whenever the id could be read.
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return;
  }
  const sentId = (raw as { id?: unknown } | null)?.id;
  // `+ 0` turns a sent -0 into the 0 the reply carries (JSON has no -0 on the way back either).
  if (Number.isSafeInteger(sentId) && (sentId as number) >= 0 && !Array.isArray(raw)) assert.equal(parsed.id, (sentId as number) + 0);
}

/** Inputs that once made a property fail; each is replayed on every run. */
const REGRESSIONS: string[] = [
  // -0: accepted as an integer >= 0, but serialised as 0, so the request did not parse back to itself.
  '{"id":-0,"type":"get_peers","groupId":"aaaaaaaaaa","infoHash":"0000a00000000000000000000000000000000000"}',
  '{"id":1,"type":"update_pieces","groupId":"aaaaaaaaaa","infoHash":"0000a00000000000000000000000000000000000","have":[-0]}',
  '{"id":1,"type":"share_file","groupId":"aaaaaaaaaa","name":"e","size":-0,"pieceLength":16384,"pieces":"","sha1":"da39a3ee5e6b4b0d3255bfef95601890afd80709"}',
  // -0 as the id of a refused request: the refusal answers id 0, which is the id sent.
  '{"id":-0e-323,"type":"reject_request"}',
];

describe('parseRequest fuzzing', () => {
  replayRegressions(REGRESSIONS, check);

  it('answers every text with a request or a typed refusal', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(fc.property(fc.oneof({ arbitrary: mutatedJson(request), weight: 20 }, { arbitrary: deep, weight: 1 }), check));
  });
});
