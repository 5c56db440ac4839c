/**
 * Fuzzing of the client's tracker codec (tracker → client replies and pushes; issue 6).
 *
 * Properties, for any frame text (random; valid replies, error replies and pushes with fields
 * deleted or replaced by any JSON value or deep nesting, or the text mutated as bytes):
 * - `parseFrame` never throws and always returns one of its kinds, with a safe-integer id where
 *   it names one and a protocol error code in a failure;
 * - `parseResult` never throws for any request type and value;
 * - a frame it accepts means the same when sent again: a parsed push or failure, re-serialised,
 *   parses to itself.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERROR_CODES, PushSchemas, REQUEST_TYPES, type Push } from '@groupshare/protocol';
import { FUZZ_TIMEOUT_MS, fuzz, mutatedJson, replayRegressions } from '@groupshare/protocol/fuzz-kit';
import { describe, it } from 'vitest';

import { parseFrame, parseResult } from './frames.js';

const word = fc.string({ maxLength: 10 });
const PUSH_TYPES = Object.keys(PushSchemas) as Array<Push['push']>;

/** Replies and pushes as a tracker sends them (push data loosely typed: the schema decides). */
const frame = fc.oneof(
  fc.record({ id: fc.nat(), ok: fc.constant(true), result: fc.oneof(fc.constant({}), fc.record({ groupId: word }), fc.record({ groups: fc.constant([]) })) }),
  fc.record({
    id: fc.oneof(fc.nat(), fc.constant(null)),
    ok: fc.constant(false),
    error: fc.record({ code: fc.constantFrom(...ERROR_CODES), message: word, retryAfterMs: fc.nat() }, { requiredKeys: ['code', 'message'] }),
  }),
  fc.record({
    push: fc.constantFrom(...PUSH_TYPES),
    data: fc.record({ groupId: word, userId: word, ownerId: word, name: word, infoHash: word, size: fc.nat(), sharedBy: word, reason: word }, { requiredKeys: [] }),
  }),
) as fc.Arbitrary<Record<string, unknown>>;

function check(text: string, type: (typeof REQUEST_TYPES)[number]): void {
  const f = parseFrame(text);
  switch (f.kind) {
    case 'success':
      assert.ok(Number.isSafeInteger(f.id) && f.id >= 0);
      // Whatever the result holds, checking it against any request's schema must not throw.
      assert.equal(typeof parseResult(type, f.result).ok, 'boolean');
      return;
    case 'failure':
      assert.ok(f.id === null || (Number.isSafeInteger(f.id) && f.id >= 0));
      assert.ok((ERROR_CODES as readonly string[]).includes(f.error.code));
      assert.deepEqual(parseFrame(JSON.stringify({ id: f.id, ok: false, error: f.error })), f);
      return;
    case 'push':
      assert.deepEqual(parseFrame(JSON.stringify(f.push)), f, 'a parsed push parses to itself');
      return;
    case 'badReply':
      assert.ok(Number.isSafeInteger(f.id) && typeof f.reason === 'string');
      return;
    case 'invalid':
      assert.equal(typeof f.reason, 'string');
      return;
    default:
      assert.fail(`unknown kind ${JSON.stringify(f)}`);
  }
}

/** Inputs that once made a property fail; each is replayed on every run. */
const REGRESSIONS: string[] = [];

describe('tracker frame fuzzing', () => {
  replayRegressions(REGRESSIONS, (text) => check(text, 'list_groups'));

  it('parses every frame to one of its kinds, never throwing', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(fc.property(mutatedJson(frame), fc.constantFrom(...REQUEST_TYPES), check));
  });

  it('is given null for a binary frame and says so', () => {
    assert.deepEqual(parseFrame(null), { kind: 'invalid', reason: 'binary frame' });
  });
});
