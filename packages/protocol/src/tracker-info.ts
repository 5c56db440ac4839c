/**
 * `tracker_info.txt`: the list of trackers every process starts from.
 *
 * Format, one tracker per line, as `host:port` or `host port`:
 *
 * ```text
 * # comments start with '#', on their own line ...
 * 10.0.0.1:7000
 * tracker-b.example:7000   # ... or after whitespace at the end of a line
 * tracker-c.example 7000
 *
 * [2001:db8::1]:7000
 * 2001:db8::2 7000
 * ```
 *
 * Blank and comment-only lines are ignored; the Nth remaining line is tracker number N
 * (1-based). Line endings may be LF, CRLF or CR; a leading UTF-8 byte-order mark is ignored.
 * A host is a dotted-quad IPv4 address, a hostname, or an IPv6 address; the port is a decimal
 * number from 1 to 65535. In `host:port` an IPv6 host goes in brackets (`[::1]:7000`); in
 * `host port` the port is a word of its own, so a bare IPv6 address is unambiguous (`::1 7000`).
 */

/** Thrown by {@link parseHostPort} for a string that is not a valid `host:port`. */
export class AddressError extends Error {
  readonly code = 'ERR_BAD_ADDRESS';
  override readonly name = 'AddressError';
}

/** Thrown for an unusable tracker_info.txt, or a tracker number it does not list. */
export class TrackerInfoError extends Error {
  readonly code = 'ERR_TRACKER_INFO';
  override readonly name = 'TrackerInfoError';
  /** The 1-based line of tracker_info.txt at fault, when there is one. */
  readonly lineNumber: number | undefined;

  constructor(message: string, lineNumber?: number) {
    super(message);
    this.lineNumber = lineNumber;
  }
}

/** A host and port. */
export interface HostPort {
  /** Lowercased hostname, dotted-quad IPv4, or IPv6 in RFC 5952 form (no brackets). */
  host: string;
  port: number;
}

/** One tracker from tracker_info.txt. */
export interface TrackerAddress extends HostPort {
  /**
   * The 1-based physical line of tracker_info.txt it came from (blank and comment lines
   * included), for error messages. Its tracker number is its 1-based position in the list
   * returned by {@link parseTrackerInfo}, which skips blank and comment lines.
   */
  lineNumber: number;
}

/** Options for {@link parseHostPort}. */
export interface ParseHostPortOptions {
  /** Accept port 0 (e.g. "any free port" for a listening socket). Default false. */
  allowPortZero?: boolean;
}

/**
 * Parses `host:port`. The host is a dotted-quad IPv4 address (no leading zeros, which some
 * resolvers read as octal), a hostname (ASCII labels of letters, digits, `-` and `_`, at most
 * 63 characters each and 253 in all; internationalised names must be given in punycode), or an
 * IPv6 address in brackets (`[::1]:7000`; zone ids are not supported). The port is decimal,
 * without leading zeros, from 1 (or 0 with `allowPortZero`) to 65535.
 *
 * Hostnames are lowercased and IPv6 addresses rewritten in RFC 5952 canonical form, so equal
 * addresses compare equal as strings.
 *
 * @throws {AddressError} with a message quoting `s` and saying what is wrong.
 */
export function parseHostPort(s: string, opts?: ParseHostPortOptions): HostPort {
  if (typeof s !== 'string') throw new AddressError(`expected a host:port string, got ${typeof s}`);
  const quoted = JSON.stringify(s);
  let hostPart: string;
  let portPart: string;
  let host: string;

  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close === -1 || s[close + 1] !== ':') throw new AddressError(`${quoted} is not host:port`);
    hostPart = s.slice(1, close);
    portPart = s.slice(close + 2);
    host = ipv6Host(hostPart, quoted);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon === -1) throw new AddressError(`${quoted} is not host:port`);
    if (s.indexOf(':') !== colon) {
      throw new AddressError(`${quoted}: an IPv6 address must be in brackets, e.g. [::1]:7000`);
    }
    hostPart = s.slice(0, colon);
    portPart = s.slice(colon + 1);
    if (hostPart === '') throw new AddressError(`${quoted}: missing host`);
    host = nameHost(hostPart, quoted);
  }

  return { host, port: parsePort(portPart, quoted, opts?.allowPortZero === true) };
}

/** `host:port`, with IPv6 hosts in brackets (`[::1]:7000`). */
export function formatHostPort(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/**
 * Parses the text of tracker_info.txt (format in the module comment). Entry `i` of the result is
 * tracker number `i + 1`.
 *
 * @throws {TrackerInfoError} naming the line and the problem (e.g.
 *   `line 3: "foo" is not host:port`) for a malformed line or a tracker listed twice (same
 *   host and port after normalisation), or if no trackers are listed.
 */
export function parseTrackerInfo(text: string): TrackerAddress[] {
  if (typeof text !== 'string') throw new TrackerInfoError('tracker_info.txt must be text');
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const trackers: TrackerAddress[] = [];
  const firstLineOf = new Map<string, number>();

  lines.forEach((raw, index) => {
    const lineNumber = index + 1;
    // A '#' starts a comment at the start of the line or after whitespace; elsewhere it is part
    // of the entry (and so makes it invalid), which keeps "host:7000#x" from passing silently.
    const comment = /(?:^|\s)#/.exec(raw);
    const entry = (comment === null ? raw : raw.slice(0, comment.index)).trim();
    if (entry === '') return;
    let address: HostPort;
    try {
      address = parseTrackerEntry(entry);
    } catch (err) {
      if (err instanceof AddressError) {
        throw new TrackerInfoError(`line ${lineNumber}: ${err.message}`, lineNumber);
      }
      throw err;
    }
    const key = formatHostPort(address);
    const previous = firstLineOf.get(key);
    if (previous !== undefined) {
      throw new TrackerInfoError(
        `line ${lineNumber}: duplicate tracker ${key} (already listed on line ${previous})`,
        lineNumber,
      );
    }
    firstLineOf.set(key, lineNumber);
    trackers.push({ ...address, lineNumber });
  });

  if (trackers.length === 0) throw new TrackerInfoError('tracker_info.txt lists no trackers');
  return trackers;
}

/**
 * Tracker number `n` (1-based, as on the command line) from a parsed list.
 *
 * @throws {TrackerInfoError} `tracker number N is out of range: tracker_info.txt lists K
 *   trackers` if `n` is not an integer from 1 to K.
 */
export function trackerAt(list: readonly TrackerAddress[], n: number): TrackerAddress {
  const tracker = Number.isInteger(n) && n >= 1 ? list[n - 1] : undefined;
  if (tracker === undefined) {
    const k = list.length;
    throw new TrackerInfoError(
      `tracker number ${String(n)} is out of range: tracker_info.txt lists ${k} tracker${k === 1 ? '' : 's'}`,
    );
  }
  return tracker;
}

// ---------------------------------------------------------------------------------------------
// Pieces of an address

/**
 * One tracker_info.txt entry (comment and surrounding blanks already removed): `host:port`, or
 * `host port` as people also write it. With the port a word of its own a bare IPv6 host is
 * unambiguous, so `::1 7000` is accepted where `::1:7000` is not.
 */
function parseTrackerEntry(entry: string): HostPort {
  const words = entry.split(/\s+/);
  if (words.length === 1) return parseHostPort(entry);
  const quoted = JSON.stringify(entry);
  const [hostWord, portWord] = words as [string, string];
  // "a:1 b:2", "a:1 7000" or "host :7000" is neither form; saying so beats a complaint about
  // one half of it.
  const neither = new AddressError(`${quoted} is not host:port or host port`);
  if (words.length > 2 || !/^[0-9]+$/.test(portWord)) throw neither;
  let host: string;
  if (hostWord.startsWith('[') && hostWord.endsWith(']')) {
    host = ipv6Host(hostWord.slice(1, -1), quoted);
  } else if (hostWord.includes(':')) {
    const groups = parseIPv6(hostWord);
    if (groups === undefined) throw neither;
    host = formatIPv6(groups);
  } else {
    host = nameHost(hostWord, quoted);
  }
  return { host, port: parsePort(portWord, quoted, false) };
}

/** An IPv6 address (no brackets) in canonical form, or an AddressError quoting the entry. */
function ipv6Host(s: string, quoted: string): string {
  const groups = parseIPv6(s);
  if (groups === undefined) throw new AddressError(`${quoted}: ${JSON.stringify(s)} is not a valid IPv6 address`);
  return formatIPv6(groups);
}

/** A lowercased hostname or IPv4 address, or an AddressError quoting the entry. */
function nameHost(s: string, quoted: string): string {
  const host = parseHostName(s);
  if (host === undefined) throw new AddressError(`${quoted}: ${JSON.stringify(s)} is not a valid IPv4 address or hostname`);
  return host;
}

function parsePort(s: string, quoted: string, allowZero: boolean): number {
  const min = allowZero ? 0 : 1;
  if (s === '') throw new AddressError(`${quoted}: missing port`);
  if (!/^[0-9]{1,5}$/.test(s) || Number(s) < min || Number(s) > 65535) {
    throw new AddressError(`${quoted}: port must be a decimal number from ${min} to 65535`);
  }
  // "080" is not ambiguous, but one spelling per address keeps duplicate detection simple.
  if (s.length > 1 && s.startsWith('0')) throw new AddressError(`${quoted}: port has a leading zero`);
  return Number(s);
}

/** Dotted-quad IPv4 octets, or undefined. Leading zeros are rejected (inet_aton reads them as octal). */
function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const p of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    octets.push(Number(p));
  }
  return octets;
}

const LABEL_RE = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/** A lowercased hostname or IPv4 address, or undefined if `s` is neither. */
function parseHostName(s: string): string | undefined {
  const labels = s.split('.');
  // An all-numeric last label means an IP address (no top-level domain is numeric, RFC 3696
  // §2), so "1.2.3" or "300.1.1.1" must not slip through as hostnames.
  if (/^[0-9]+$/.test(labels[labels.length - 1] as string)) {
    return parseIPv4(s) === undefined ? undefined : s;
  }
  if (s.length > 253 || !labels.every((l) => LABEL_RE.test(l))) return undefined;
  return s.toLowerCase();
}

/** The eight 16-bit groups of an IPv6 address (RFC 4291 §2.2 text forms), or undefined. */
function parseIPv6(s: string): number[] | undefined {
  // Longest valid form is "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" (45 characters).
  if (s.length === 0 || s.length > 45) return undefined;
  const gap = s.indexOf('::');
  if (gap !== -1 && s.indexOf('::', gap + 1) !== -1) return undefined;
  if (gap === -1) {
    const groups = parseGroups(s, true);
    return groups?.length === 8 ? groups : undefined;
  }
  const head = parseGroups(s.slice(0, gap), false);
  const tail = parseGroups(s.slice(gap + 2), true);
  // "::" stands for at least one zero group.
  if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** Colon-separated hex groups; the last may be a dotted quad (two groups) if `v4Tail`. */
function parseGroups(s: string, v4Tail: boolean): number[] | undefined {
  if (s === '') return [];
  const parts = s.split(':');
  const groups: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (v4Tail && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part);
      if (v4 === undefined) return undefined;
      const [a, b, c, d] = v4 as [number, number, number, number];
      groups.push((a << 8) | b, (c << 8) | d);
    } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
function formatIPv6(g: number[]): string {
  const at = (i: number): number => g[i] as number;
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted-quad tail.
  if (g.slice(0, 5).every((x) => x === 0) && at(5) === 0xffff) {
    return `::ffff:${at(6) >> 8}.${at(6) & 0xff}.${at(7) >> 8}.${at(7) & 0xff}`;
  }
  let bestStart = -1;
  let bestLen = 1; // a single zero group is not shortened (RFC 5952 §4.2.2)
  for (let i = 0; i < 8; ) {
    if (at(i) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && at(j) === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
