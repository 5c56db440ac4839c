/**
 * Fuzzing of tracker_info.txt and `host:port` parsing (issue 6).
 *
 * Properties, for any text (random, valid files mutated: lines cut, characters flipped, comments,
 * CR/LF mixes, BOMs, IPv6 forms, `host:port` and `host port` lines):
 * - `parseTrackerInfo` returns trackers or throws TrackerInfoError naming a line, nothing else;
 * - what it returns is normalised for good: written back one per line, it parses to the same
 *   hosts and ports, and no two trackers are the same address;
 * - `parseHostPort` returns a canonical address (formatting it and parsing again is a fixed
 *   point) or throws AddressError.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzz, mutatedText, parsedOrRefused, replayRegressions } from '@groupshare/protocol/fuzz-kit';
import { describe, it } from 'vitest';

import { AddressError, TrackerInfoError, formatHostPort, parseHostPort, parseTrackerInfo } from './tracker-info.js';

const port = fc.oneof(fc.integer({ min: 0, max: 70_000 }).map(String), fc.constantFrom('07000', '', '65535'));
const host = fc.oneof(
  fc.tuple(fc.nat(300), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.')),
  fc.domain(),
  fc.ipV6().map((a) => `[${a}]`),
  fc.constantFrom('[::1]', '[::ffff:1.2.3.4]', 'localhost', '[1:2:3:4:5:6:7::]', 'A-b_c.Example'),
);
/** A host as written before a space and a port: bare IPv6 allowed. */
const spacedHost = fc.oneof(host, fc.ipV6(), fc.constantFrom('::1', '::ffff:1.2.3.4', '1:2:3:4:5:6:7::'));
const line = fc.oneof(
  { arbitrary: fc.tuple(host, port).map(([h, p]) => `${h}:${p}`), weight: 6 },
  { arbitrary: fc.tuple(spacedHost, fc.constantFrom(' ', '\t', '   '), port).map(([h, s, p]) => `${h}${s}${p}`), weight: 3 },
  { arbitrary: fc.constantFrom('', '   ', '# comment', '\t# x'), weight: 2 },
  { arbitrary: fc.tuple(host, port, fc.constantFrom(' # c', '#c', '\t#')).map(([h, p, c]) => `${h}:${p}${c}`), weight: 1 },
);
const file = fc
  .tuple(fc.boolean(), fc.array(line, { maxLength: 5 }), fc.constantFrom('\n', '\r\n', '\r'))
  .map(([bom, lines, eol]) => (bom ? '\uFEFF' : '') + lines.join(eol));

const input = fc.oneof(
  { arbitrary: mutatedText(file), weight: 6 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
  { arbitrary: fc.string({ unit: fc.constantFrom(...'[]:.0123456789abcdef#\n\r \t'), maxLength: 40 }), weight: 3 },
);

function checkFile(text: string): void {
  const trackers = parsedOrRefused(() => parseTrackerInfo(text), TrackerInfoError);
  if (trackers === undefined) return;
  assert.ok(trackers.length > 0);
  const keys = trackers.map(formatHostPort);
  assert.equal(new Set(keys).size, keys.length, 'no tracker is listed twice');
  const again = parseTrackerInfo(keys.join('\n'));
  assert.deepEqual(again.map(formatHostPort), keys, 'a parsed list written back parses to itself');
}

function checkAddress(s: string): void {
  const address = parsedOrRefused(() => parseHostPort(s, { allowPortZero: true }), AddressError);
  if (address === undefined) return;
  assert.deepEqual(parseHostPort(formatHostPort(address), { allowPortZero: true }), address, 'a parsed address is canonical');
}

/** Inputs that once made a property fail; each is replayed on every run. */
const REGRESSIONS: string[] = [];

describe('tracker_info.txt fuzzing', () => {
  replayRegressions(REGRESSIONS, (text) => {
    checkFile(text);
    checkAddress(text);
  });

  it('parses every text to trackers or a TrackerInfoError, and every line to an address or an AddressError', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(
      fc.property(input, (text) => {
        checkFile(text);
        checkAddress(text.split(/[\r\n]/, 1)[0] as string);
      }),
    );
  });
});
