import { describe, expect, it } from 'vitest';

import {
  AddressError,
  formatHostPort,
  parseHostPort,
  parseTrackerInfo,
  trackerAt,
  TrackerInfoError,
  type TrackerAddress,
} from './tracker-info.js';

function thrown(f: () => unknown): Error & { code?: string; lineNumber?: number } {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('parseHostPort', () => {
  it('parses IPv4, hostnames and bracketed IPv6', () => {
    expect(parseHostPort('127.0.0.1:7000')).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(parseHostPort('0.0.0.0:1')).toEqual({ host: '0.0.0.0', port: 1 });
    expect(parseHostPort('255.255.255.255:65535')).toEqual({ host: '255.255.255.255', port: 65535 });
    expect(parseHostPort('localhost:80')).toEqual({ host: 'localhost', port: 80 });
    expect(parseHostPort('Tracker-1.Example.COM:7000')).toEqual({ host: 'tracker-1.example.com', port: 7000 });
    expect(parseHostPort('tracker_a:7000')).toEqual({ host: 'tracker_a', port: 7000 });
    expect(parseHostPort('a1.b2:7000')).toEqual({ host: 'a1.b2', port: 7000 });
    expect(parseHostPort('[::1]:7000')).toEqual({ host: '::1', port: 7000 });
    expect(parseHostPort('[::]:7000')).toEqual({ host: '::', port: 7000 });
  });

  it('canonicalises IPv6 (RFC 5952)', () => {
    const host = (s: string): string => parseHostPort(`[${s}]:1`).host;
    expect(host('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(host('2001:0db8:0000:0000:0001:0000:0000:0001')).toBe('2001:db8::1:0:0:1'); // first of equal runs
    expect(host('2001:db8:0:0:1:0:0:0')).toBe('2001:db8:0:0:1::'); // longest run wins
    expect(host('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1'); // a single 0 stays
    expect(host('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(host('1::')).toBe('1::');
    expect(host('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(host('::ffff:c000:0201')).toBe('::ffff:192.0.2.1');
    expect(host('64:ff9b::192.0.2.33')).toBe('64:ff9b::c000:221');
    expect(host('fe80::1:2:3:4:5:6')).toBe('fe80:0:1:2:3:4:5:6'); // '::' for one group is expanded
  });

  it('rejects bad addresses with AddressError naming the problem', () => {
    const cases: [string, RegExp][] = [
      ['foo', /^"foo" is not host:port$/],
      ['127.0.0.1', /is not host:port/],
      ['foo:', /missing port/],
      [':7000', /missing host/],
      ['foo:0', /port must be a decimal number from 1 to 65535/],
      ['foo:65536', /from 1 to 65535/],
      ['foo:99999999', /from 1 to 65535/],
      ['foo:-1', /from 1 to 65535/],
      ['foo:+80', /from 1 to 65535/],
      ['foo:8o', /from 1 to 65535/],
      ['foo:0x50', /from 1 to 65535/],
      ['foo:080', /leading zero/],
      ['foo: 80', /from 1 to 65535/],
      ['foo :80', /not a valid IPv4 address or hostname/],
      ['::1:7000', /IPv6 address must be in brackets/],
      ['[::1]', /is not host:port/],
      ['[::1]7000', /is not host:port/],
      ['[::1:7000', /is not host:port/],
      ['[]:7000', /"" is not a valid IPv6 address/],
      ['[::1::2]:7000', /not a valid IPv6 address/],
      ['[1:2:3:4:5:6:7:8:9]:7000', /not a valid IPv6 address/],
      ['[1:2:3:4:5:6:7]:7000', /not a valid IPv6 address/],
      ['[1:2:3:4::5:6:7:8]:7000', /not a valid IPv6 address/],
      ['[12345::]:7000', /not a valid IPv6 address/],
      ['[fe80::1%eth0]:7000', /not a valid IPv6 address/],
      ['[::ffff:256.0.0.1]:7000', /not a valid IPv6 address/],
      ['[1.2.3.4::]:7000', /not a valid IPv6 address/],
      ['[:::]:7000', /not a valid IPv6 address/],
      ['[127.0.0.1]:7000', /not a valid IPv6 address/],
      ['256.0.0.1:7000', /not a valid IPv4 address or hostname/],
      ['1.2.3:7000', /not a valid IPv4 address or hostname/],
      ['01.2.3.4:7000', /not a valid IPv4 address or hostname/],
      ['1.2.3.4.5:7000', /not a valid IPv4 address or hostname/],
      ['-foo:7000', /not a valid IPv4 address or hostname/],
      ['foo-.bar:7000', /not a valid IPv4 address or hostname/],
      ['foo..bar:7000', /not a valid IPv4 address or hostname/],
      ['foo.:7000', /not a valid IPv4 address or hostname/],
      ['exämple.com:7000', /not a valid IPv4 address or hostname/],
      [`${'a'.repeat(64)}:7000`, /not a valid IPv4 address or hostname/],
      [`${'a.'.repeat(127)}ab:7000`, /not a valid IPv4 address or hostname/], // 255 characters
      ['http://foo:7000', /IPv6 address must be in brackets/],
      ['', /is not host:port/],
    ];
    for (const [input, pattern] of cases) {
      const err = thrown(() => parseHostPort(input));
      expect(err, input).toBeInstanceOf(AddressError);
      expect(err.code, input).toBe('ERR_BAD_ADDRESS');
      expect(err.message, input).toMatch(pattern);
    }
    expect(parseHostPort(`${'a'.repeat(63)}:1`).host).toHaveLength(63);
    expect(parseHostPort(`${'a.'.repeat(126)}a:1`).host).toHaveLength(253);
  });

  it('allows port 0 only when asked', () => {
    expect(() => parseHostPort('0.0.0.0:0')).toThrow(AddressError);
    expect(parseHostPort('0.0.0.0:0', { allowPortZero: true })).toEqual({ host: '0.0.0.0', port: 0 });
    expect(() => parseHostPort('h:00', { allowPortZero: true })).toThrow(/leading zero/);
  });
});

describe('formatHostPort', () => {
  it('brackets IPv6 and round-trips through parseHostPort', () => {
    expect(formatHostPort({ host: '10.0.0.1', port: 7000 })).toBe('10.0.0.1:7000');
    expect(formatHostPort({ host: 'tracker', port: 1 })).toBe('tracker:1');
    expect(formatHostPort({ host: '2001:db8::1', port: 7000 })).toBe('[2001:db8::1]:7000');
    for (const s of ['10.0.0.1:7000', 'tracker.example:65535', '[2001:db8::1]:7000', '[::ffff:1.2.3.4]:9']) {
      expect(formatHostPort(parseHostPort(s))).toBe(s);
    }
  });
});

/** Each text is refused with exactly its message, and the error names the line the message starts with. */
function expectLineErrors(cases: [text: string, message: string][]): void {
  for (const [text, message] of cases) {
    const err = thrown(() => parseTrackerInfo(text));
    expect(err, text).toBeInstanceOf(TrackerInfoError);
    expect(err.code, text).toBe('ERR_TRACKER_INFO');
    expect(err.message, text).toBe(message);
    expect(err.lineNumber, text).toBe(Number(/^line (\d+)/.exec(message)?.[1]));
  }
}

describe('parseTrackerInfo', () => {
  it('numbers trackers by non-blank, non-comment lines', () => {
    const text = [
      '# groupshare trackers',
      '',
      '10.0.0.1:7000',
      '   ',
      '  tracker-b.example:7001   # second tracker',
      '\t# indented comment',
      '[2001:db8::1]:7002\t# tab before comment',
      '',
    ].join('\n');
    const list = parseTrackerInfo(text);
    expect(list).toEqual<TrackerAddress[]>([
      { host: '10.0.0.1', port: 7000, lineNumber: 3 },
      { host: 'tracker-b.example', port: 7001, lineNumber: 5 },
      { host: '2001:db8::1', port: 7002, lineNumber: 7 },
    ]);
    expect(trackerAt(list, 1).port).toBe(7000);
    expect(trackerAt(list, 2).host).toBe('tracker-b.example');
    expect(trackerAt(list, 3).host).toBe('2001:db8::1');
  });

  it('accepts CRLF, CR and a byte-order mark', () => {
    const expected = [
      { host: 'a', port: 1, lineNumber: 1 },
      { host: 'b', port: 2, lineNumber: 3 },
    ];
    expect(parseTrackerInfo('a:1\r\n# c\r\nb:2\r\n')).toEqual(expected);
    expect(parseTrackerInfo('a:1\r# c\rb:2')).toEqual(expected);
    expect(parseTrackerInfo('\uFEFFa:1\n\nb:2')).toEqual(expected);
    // CRLF line numbers in errors count CRLF as one line break.
    expect(thrown(() => parseTrackerInfo('a:1\r\n\r\nbad\r\n')).message).toBe('line 3: "bad" is not host:port');
  });

  it('reports the line and problem for bad lines', () => {
    const cases: [string, string][] = [
      ['a:1\nb:2\nfoo\n', 'line 3: "foo" is not host:port'],
      ['a:1\nb:99999', 'line 2: "b:99999": port must be a decimal number from 1 to 65535'],
      ['a:0', 'line 1: "a:0": port must be a decimal number from 1 to 65535'],
      ['\n\na:', 'line 3: "a:": missing port'],
      ['a:1 b:2', 'line 1: "a:1 b:2" is not host:port or host port'],
      ['a:1#comment', 'line 1: "a:1#comment": port must be a decimal number from 1 to 65535'],
      ['::1:7000', 'line 1: "::1:7000": an IPv6 address must be in brackets, e.g. [::1]:7000'],
      ['# x\n[zz]:1', 'line 2: "[zz]:1": "zz" is not a valid IPv6 address'],
    ];
    expectLineErrors(cases);
  });

  it('accepts `host port` beside `host:port`, bare IPv6 included, numbered like any line', () => {
    const text = [
      '# both forms, as people write them',
      '10.0.0.1 7000',
      'Tracker-B.example\t7001   # tab between host and port',
      '  tracker-c   7002  ',
      '::1 7003',
      '[2001:db8::1] 7004',
      '2001:DB8:0:0:0:0:0:2 7005',
      '::ffff:192.0.2.1 7006',
      '[::2]:7007',
      'tracker-d:7008',
    ].join('\n');
    expect(parseTrackerInfo(text)).toEqual<TrackerAddress[]>([
      { host: '10.0.0.1', port: 7000, lineNumber: 2 },
      { host: 'tracker-b.example', port: 7001, lineNumber: 3 },
      { host: 'tracker-c', port: 7002, lineNumber: 4 },
      { host: '::1', port: 7003, lineNumber: 5 },
      { host: '2001:db8::1', port: 7004, lineNumber: 6 },
      { host: '2001:db8::2', port: 7005, lineNumber: 7 },
      { host: '::ffff:192.0.2.1', port: 7006, lineNumber: 8 },
      { host: '::2', port: 7007, lineNumber: 9 },
      { host: 'tracker-d', port: 7008, lineNumber: 10 },
    ]);
    // The example file's two trackers, written the other way, are the same two trackers.
    expect(parseTrackerInfo('127.0.0.1 7001\n127.0.0.1 7002')).toEqual(parseTrackerInfo('127.0.0.1:7001\n127.0.0.1:7002'));
  });

  it('reports the line and problem for bad `host port` lines', () => {
    const cases: [string, string][] = [
      ['a:1\nb 99999', 'line 2: "b 99999": port must be a decimal number from 1 to 65535'],
      ['b 0', 'line 1: "b 0": port must be a decimal number from 1 to 65535'],
      ['b 080', 'line 1: "b 080": port has a leading zero'],
      ['# x\n256.0.0.1 7000', 'line 2: "256.0.0.1 7000": "256.0.0.1" is not a valid IPv4 address or hostname'],
      ['[zz] 7000', 'line 1: "[zz] 7000": "zz" is not a valid IPv6 address'],
      ['a b', 'line 1: "a b" is not host:port or host port'],
      ['a 1 2', 'line 1: "a 1 2" is not host:port or host port'],
      ['a:1 7000', 'line 1: "a:1 7000" is not host:port or host port'],
      ['a :7000', 'line 1: "a :7000" is not host:port or host port'],
      ['::1::2 7000', 'line 1: "::1::2 7000" is not host:port or host port'],
      ['a 7000#x', 'line 1: "a 7000#x" is not host:port or host port'],
      // Without brackets or a space, "::1:7000" could be ::1 port 7000 or ::1:7000 with no port.
      ['::1:7000', 'line 1: "::1:7000": an IPv6 address must be in brackets, e.g. [::1]:7000'],
    ];
    expectLineErrors(cases);
  });

  it('rejects duplicate trackers, including different spellings of one address', () => {
    expect(thrown(() => parseTrackerInfo('a:1\nb:2\na:1')).message).toBe(
      'line 3: duplicate tracker a:1 (already listed on line 1)',
    );
    expect(thrown(() => parseTrackerInfo('Host:1\nhost:1')).message).toMatch(/^line 2: duplicate tracker host:1/);
    expect(thrown(() => parseTrackerInfo('[::1]:5\n[0:0::0:1]:5')).message).toMatch(
      /^line 2: duplicate tracker \[::1\]:5 \(already listed on line 1\)/,
    );
    expect(thrown(() => parseTrackerInfo('a:1\nA 1')).message).toBe('line 2: duplicate tracker a:1 (already listed on line 1)');
    expect(thrown(() => parseTrackerInfo('[::1]:5\n::1 5')).message).toBe('line 2: duplicate tracker [::1]:5 (already listed on line 1)');
    // Same host, different port: two trackers.
    expect(parseTrackerInfo('a:1\na:2')).toHaveLength(2);
  });

  it('rejects a file with no trackers', () => {
    for (const text of ['', '\n\n', '# only comments\n  # more\n', '\uFEFF']) {
      const err = thrown(() => parseTrackerInfo(text));
      expect(err).toBeInstanceOf(TrackerInfoError);
      expect(err.message).toBe('tracker_info.txt lists no trackers');
      expect(err.lineNumber).toBeUndefined();
    }
  });
});

describe('trackerAt', () => {
  const list = parseTrackerInfo('a:1\nb:2\nc:3');

  it('is 1-based', () => {
    expect(trackerAt(list, 1)).toEqual({ host: 'a', port: 1, lineNumber: 1 });
    expect(trackerAt(list, 3)).toEqual({ host: 'c', port: 3, lineNumber: 3 });
  });

  it('rejects numbers out of range or not integers', () => {
    for (const n of [0, 4, -1, 1.5, NaN, Infinity]) {
      const err = thrown(() => trackerAt(list, n));
      expect(err).toBeInstanceOf(TrackerInfoError);
      expect(err.code).toBe('ERR_TRACKER_INFO');
      expect(err.message).toBe(`tracker number ${n} is out of range: tracker_info.txt lists 3 trackers`);
    }
    expect(thrown(() => trackerAt(list.slice(0, 1), 2)).message).toBe(
      'tracker number 2 is out of range: tracker_info.txt lists 1 tracker',
    );
  });
});
