/**
 * Fuzzing of the resume-state decoder (a file on disk that a crash, a disk error or a user may
 * have garbled; issue 6).
 *
 * Properties, for any text (random; states written by `encodeState` then mutated; documents
 * with a correct checksum but odd fields, so the checks behind the checksum are reached too):
 * - `decodeState` never throws: a state is applied or ignored with a reason;
 * - a state it applies is for this download (its bitfield has the download's piece count) and
 *   written again, decodes to the same pieces.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Bitfield, pieceCount } from '@groupshare/protocol';
import { FUZZ_TIMEOUT_MS, fuzz, mutatedJson, mutatedText, replayRegressions } from '@groupshare/protocol/fuzz-kit';
import { describe, it } from 'vitest';

import { decodeState, encodeState, type DownloadIdentity } from './resume-state.js';

const PIECE_LENGTH = 16_384;
const identity = (pieces: number): DownloadIdentity => ({
  sha1: 'ab'.repeat(20),
  size: pieces * PIECE_LENGTH - 1,
  pieceLength: PIECE_LENGTH,
  pieces: Buffer.alloc(20 * pieces, pieces),
});
const IDS = [1, 7, 8, 9, 20].map(identity);

const bitfield = (id: DownloadIdentity): fc.Arbitrary<Bitfield> => {
  const n = pieceCount(id.size, id.pieceLength);
  return fc.uniqueArray(fc.nat({ max: n - 1 }), { maxLength: n }).map((set) => {
    const b = new Bitfield(n);
    for (const i of set) b.set(i);
    return b;
  });
};

/** A state of one of IDS, as written. */
const written = fc.constantFrom(...IDS.keys()).chain((k) => bitfield(IDS[k] as DownloadIdentity).map((b) => encodeState(IDS[k] as DownloadIdentity, b)));

/**
 * Documents whose checksum matches whatever fields they hold, so mutations get past it. This
 * repeats resume-state.ts's checksum rule on purpose: the test must reach the checks behind it.
 */
const checksummed = mutatedJson(written.map((t) => JSON.parse(t) as Record<string, unknown>)).map((text) => {
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return text;
  }
  if (typeof d !== 'object' || d === null) return text;
  const fields = [d.format, d.sha1, d.size, d.pieceLength, d.piecesSha1, d.have];
  return JSON.stringify({ ...d, checksum: createHash('sha1').update(JSON.stringify(fields)).digest('hex') });
});

function check(text: string, k: number): void {
  const id = IDS[k % IDS.length] as DownloadIdentity;
  const state = decodeState(text, id);
  if (!state.ok) {
    assert.equal(typeof state.reason, 'string');
    return;
  }
  assert.equal(state.have.pieceCount, pieceCount(id.size, id.pieceLength));
  const again = decodeState(encodeState(id, state.have), id);
  assert.ok(again.ok && again.have.toBase64() === state.have.toBase64());
}

/** Inputs that once made a property fail; each is replayed on every run. */
const REGRESSIONS: Array<[string, number]> = [];

describe('resume state fuzzing', () => {
  replayRegressions(REGRESSIONS, ([text, k]) => check(text, k));

  it('applies a state of this download or ignores it with a reason, never throwing', { timeout: FUZZ_TIMEOUT_MS }, () => {
    const text = fc.oneof({ arbitrary: mutatedText(written), weight: 2 }, { arbitrary: checksummed, weight: 3 }, { arbitrary: fc.string({ maxLength: 16 }), weight: 1 });
    fuzz(fc.property(text, fc.nat({ max: IDS.length - 1 }), check));
  });
});
