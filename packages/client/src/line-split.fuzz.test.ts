/**
 * Fuzzing of the shell's command-line splitter and of the history entries built on it (issue 6).
 *
 * Properties, for any line (random text; quote, backslash, '#' and white-space soup; unicode
 * including lone surrogates and non-BMP characters):
 * - `scanLine` never throws; `splitLine` returns words or throws LineSyntaxError, exactly when
 *   the scan found an open quote or a dangling backslash;
 * - `quoteWord` round-trips: any words, quoted and joined by spaces, split back to themselves;
 * - `historyEntry` never throws, and never stores a password: for `login`/`create_user` with a
 *   password, the stored entry has at most the command and the user id.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzz, parsedOrRefused, replayRegressions } from '@groupshare/protocol/fuzz-kit';
import { describe, it } from 'vitest';

import { historyEntry } from './history.js';
import { LineSyntaxError, quoteWord, scanLine, splitLine } from './line-split.js';

const soup = fc.string({ unit: fc.constantFrom(...'ab #\'"\\\t\u00a0\u2028é'.split(''), '\u{1F600}', '\uD800'), maxLength: 24 });
const line = fc.oneof(fc.string({ maxLength: 24 }), fc.string({ unit: 'binary', maxLength: 12 }), soup);

function checkLine(text: string): void {
  const scan = scanLine(text);
  const words = parsedOrRefused(() => splitLine(text), LineSyntaxError);
  const blank = text.trimStart() === '' || text.trimStart().startsWith('#');
  if (words === undefined) assert.ok(!blank && (scan.openQuote !== undefined || scan.danglingEscape));
  else assert.deepEqual(words, blank ? [] : scan.words);
  const entry = historyEntry(text);
  if (entry !== undefined) assert.ok(!entry.includes('\n'));
}

/** Inputs that once made a property fail; each is replayed on every run. */
const REGRESSIONS: string[] = [
  // historyEntry stored these with their line break, so the history file read them back as two
  // entries: the second one, a login with its password, unredacted.
  '\u0000\n\u0000',
  'x\nlogin bob secret-password',
];

describe('command line fuzzing', () => {
  replayRegressions(REGRESSIONS, checkLine);

  it('splits any line into words or a LineSyntaxError, never throwing anything else', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(fc.property(line, checkLine));
  });

  it('gives back any words written with quoteWord', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(
      fc.property(fc.array(fc.oneof(soup, fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 4 }), (words) => {
        assert.deepEqual(splitLine(words.map(quoteWord).join(' ')), words);
      }),
      30_000,
    );
  });

  it('never stores a password in the history', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(
      fc.property(fc.constantFrom('login', 'create_user'), soup, fc.string({ minLength: 1, maxLength: 12 }), soup, (command, user, password, pad) => {
        const entry = historyEntry(`${pad.replace(/[#\S]/gu, '')}${command} ${quoteWord(user)} ${quoteWord(`pw${password}`)}`);
        assert.ok(entry === undefined || !entry.includes(`pw${password}`), `stored ${JSON.stringify(entry)}`);
      }),
      30_000,
    );
  });
});
