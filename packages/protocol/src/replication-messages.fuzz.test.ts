/**
 * Fuzzing of the replication codec (tracker ↔ tracker frames, parsed by the tracker's peer link
 * as `ReplicationMessageSchema.safeParse(JSON.parse(text))`; issue 6).
 *
 * Properties, for any text (random, valid messages and ops with fields deleted, replaced by any
 * JSON value or deep nesting, or the text mutated as bytes):
 * - parsing never throws anything but the SyntaxError of JSON.parse (which the peer link
 *   catches), and a refusal is a ZodError with at least one issue;
 * - an accepted message survives JSON unchanged: sent on, it parses to itself.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzz, mutatedJson, replayRegressions } from '@groupshare/protocol/fuzz-kit';
import { describe, it } from 'vitest';

import { ReplicationMessageSchema } from './replication-messages.js';

const hexOf = (n: number): fc.Arbitrary<string> => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const hlc = fc.tuple(fc.nat({ max: 2 ** 40 }), fc.nat({ max: 999_999 }), fc.nat({ max: 99_999 })).map(
  ([ms, c, n]) => `${String(ms).padStart(15, '0')}-${String(c).padStart(6, '0')}-${String(n).padStart(5, '0')}`,
);
const at = fc.date({ min: new Date(0), max: new Date(2 ** 42), noInvalidDate: true }).map((d) => d.toISOString());
const word = fc.string({ minLength: 1, maxLength: 8 });
const vector = fc.dictionary(fc.integer({ min: 1, max: 2 ** 31 - 1 }).map(String), fc.nat(), { maxKeys: 3 });

/** One op of each kind, fields valid. */
const op = fc.oneof(
  fc.record({ kind: fc.constant('user_created'), at, userId: word, passwordHash: word }),
  fc.record({ kind: fc.constant('session_opened'), account: hlc, at, tokenHash: hexOf(32), userId: word, peerAddress: fc.option(word), expiresAt: at }),
  fc.record({ kind: fc.constant('group_created'), at, account: hlc, groupId: word, ownerId: word }),
  fc.record({ kind: fc.constant('join_resolved'), at, account: hlc, groupId: word, userId: word, accepted: fc.boolean(), by: word }),
  fc.record({
    kind: fc.constant('file_shared'), account: hlc, at, groupId: word, infoHash: hexOf(20), name: fc.string(),
    size: fc.nat(), sha1: hexOf(20), pieceLength: fc.integer({ min: 1 }), pieces: hexOf(20), userId: word, peerAddress: word,
  }),
  fc.record({ kind: fc.constant('pieces_updated'), account: hlc, at, groupId: word, infoHash: hexOf(20), userId: word, peerAddress: word, bitfield: fc.base64String({ maxLength: 8 }) }),
);

/** Valid replication messages of every kind. */
const message = fc.oneof(
  fc.record({ t: fc.constant('hello'), version: fc.constant(1), tracker: fc.integer({ min: 1, max: 9 }), nonce: hexOf(32) }),
  fc.record({ t: fc.constant('auth'), mac: hexOf(32) }),
  fc.record({ t: fc.constantFrom('vector', 'ack'), vector, clock: hlc }, { requiredKeys: ['t', 'vector'] }),
  fc.record({
    t: fc.constant('ops'),
    ops: fc.array(fc.record({ origin: fc.integer({ min: 1, max: 2 ** 31 - 1 }), seq: fc.integer({ min: 1 }), hlc, op }), { maxLength: 2 }),
  }),
  fc.record({ t: fc.constant('snapshot'), horizon: hlc, vector, part: fc.nat(), last: fc.boolean(), rows: fc.string({ maxLength: 16 }) }),
  fc.record({ t: fc.constant('presence'), online: fc.array(fc.tuple(word, word), { maxLength: 2 }) }),
) as fc.Arbitrary<Record<string, unknown>>;

function check(text: string): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    assert.ok(err instanceof SyntaxError);
    return;
  }
  const parsed = ReplicationMessageSchema.safeParse(json);
  if (!parsed.success) {
    assert.ok(parsed.error.issues.length > 0);
    return;
  }
  const again = ReplicationMessageSchema.safeParse(JSON.parse(JSON.stringify(parsed.data)));
  assert.ok(again.success);
  assert.deepEqual(again.data, parsed.data, 'an accepted message parses to itself');
}

/** Inputs that once made a property fail; each is replayed on every run. */
const REGRESSIONS: string[] = [
  // -0: accepted as an integer >= 0, but serialised as 0, so the message did not parse back to itself.
  '{"t":"vector","vector":{"1":-0}}',
];

describe('replication message fuzzing', () => {
  replayRegressions(REGRESSIONS, check);

  it('parses every text to a message or a schema refusal', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(fc.property(mutatedJson(message), check));
  });
});
