/**
 * Fuzzing of the share library decoder (`shares-<user>.json`, read at every login; issue 6).
 *
 * Properties, for any text (random; libraries written by `encodeLibrary` then mutated, entries
 * with fields deleted or replaced by any JSON value):
 * - `decodeLibrary` never throws: the file is refused with a reason, or its entries are kept or
 *   skipped one by one with a reason;
 * - what it keeps is consistent (one entry per group and name) and, written again, decodes to
 *   the same entries with nothing skipped.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MIN_PIECE_LENGTH, infoHash, pieceCount } from '@groupshare/protocol';
import { FUZZ_TIMEOUT_MS, fuzz, mutatedJson, replayRegressions } from '@groupshare/protocol/fuzz-kit';
import { describe, it } from 'vitest';

import { decodeLibrary, encodeLibrary, entryKey, type LibraryEntry } from './library.js';

const USER = 'alice';

const entry: fc.Arbitrary<LibraryEntry> = fc
  .record({
    groupId: fc.constantFrom('team', 'g-2', 'Team'),
    name: fc.constantFrom('a.txt', 'b c.bin', 'é.txt', 'e\u0301.txt'),
    path: fc.constantFrom('/data/a.txt', 'relative/a', '/x'),
    pieces: fc.integer({ min: 0, max: 3 }),
    mtimeMs: fc.oneof(fc.double(), fc.nat()),
    sha1: fc.constantFrom('ab'.repeat(20), 'AB'.repeat(20)),
  })
  .map(({ pieces, ...e }) => {
    const size = pieces === 0 ? 0 : pieces * MIN_PIECE_LENGTH - 1;
    const hex = '12'.repeat(20 * pieceCount(size, MIN_PIECE_LENGTH));
    const hash = infoHash({ name: e.name, length: size, pieceLength: MIN_PIECE_LENGTH, pieces: Buffer.from(hex, 'hex') });
    return { ...e, size, pieceLength: MIN_PIECE_LENGTH, pieces: hex, infoHash: hash };
  });

/** A library document, its entries possibly mutated (the JSON mutations act on one entry). */
const library = fc
  .tuple(fc.array(entry, { maxLength: 3 }), mutatedJson(entry as fc.Arbitrary<unknown> as fc.Arbitrary<Record<string, unknown>>))
  .map(([entries, odd]) => {
    let extra: unknown;
    try {
      extra = JSON.parse(odd);
    } catch {
      return encodeLibrary(USER, entries).replace(/]\s*}\s*$/, `${odd}]}`);
    }
    return encodeLibrary(USER, [...entries, extra as LibraryEntry]);
  });

function check(text: string): void {
  const decoded = decodeLibrary(text, USER);
  if (!decoded.ok) {
    assert.equal(typeof decoded.reason, 'string');
    return;
  }
  const keys = decoded.entries.map((e) => entryKey(e.groupId, e.name));
  assert.equal(new Set(keys).size, keys.length, 'one entry per group and name');
  const again = decodeLibrary(encodeLibrary(USER, decoded.entries), USER);
  assert.deepEqual(again, { ok: true, entries: decoded.entries, skipped: [] });
}

/** Inputs that once made a property fail; each is replayed on every run. */
const REGRESSIONS: string[] = [
  // A user id that is an object whose toString is not a function: naming it threw.
  '{"format":"groupshare-shares/1","userId":{"toString":null},"shares":[]}',
];

describe('share library fuzzing', () => {
  replayRegressions(REGRESSIONS, check);

  it('keeps, skips or refuses, never throwing', { timeout: FUZZ_TIMEOUT_MS }, () => {
    const document = fc.array(entry, { maxLength: 3 }).map((entries) => JSON.parse(encodeLibrary(USER, entries)) as Record<string, unknown>);
    fuzz(fc.property(fc.oneof(library, mutatedJson(document)), check));
  });
});
