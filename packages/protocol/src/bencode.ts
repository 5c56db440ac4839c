/**
 * Bencoding (BEP 3): the serialisation used by .torrent files and info dictionaries.
 *
 * The decoder is strict on purpose. An info-hash is the SHA-1 of exact bytes, so any input that
 * has more than one encoding of the same value (leading zeros, `-0`, unsorted or duplicate keys)
 * would let two different byte strings describe "the same" torrent. Rejecting those keeps
 * `bencode(bdecode(x))` byte-identical to `x` for every accepted `x`.
 *
 * The decoder is iterative (an explicit stack, not recursion), so hostile nesting can only hit
 * the `maxDepth` limit and never the JavaScript call-stack limit, and every failure caused by
 * the input is a {@link BencodeError}.
 */

/**
 * A bencodable value.
 *
 * - `number` (safe integers only) and `bigint` encode as integers (`i42e`).
 * - `string` encodes as the byte string of its UTF-8 bytes; `Uint8Array` encodes as-is.
 * - arrays encode as lists, plain objects as dictionaries.
 *
 * {@link bdecode} only ever produces `number`, `bigint`, `Buffer`, arrays and null-prototype
 * objects; it never produces `string` (byte strings need not be text).
 */
export type BencodeValue =
  | number
  | bigint
  | Uint8Array
  | string
  | BencodeValue[]
  | { [key: string]: BencodeValue };

/** A bencode dictionary, as accepted by {@link bencode} and produced by {@link bdecode}. */
export type BencodeDict = { [key: string]: BencodeValue };

/** Thrown for every encoding or decoding failure: malformed input, unsupported values, limits. */
export class BencodeError extends Error {
  readonly code = 'ERR_BENCODE';
  override readonly name = 'BencodeError';
  /** Byte offset in the decoder input where the problem was found; `undefined` when encoding. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.offset = offset;
  }
}

/** Options for {@link bdecode} and {@link bdecodeSpan}. */
export interface BdecodeOptions {
  /**
   * Maximum number of nested lists/dictionaries (a top-level list is depth 1; a bare integer or
   * string is depth 0). Defaults to {@link DEFAULT_MAX_DEPTH}.
   */
  maxDepth?: number;
  /**
   * Whether dictionary keys must be in sorted order (BEP 3). Default true: the strict form,
   * needed wherever bytes are hashed (info dictionaries). `false` accepts keys in any order, as
   * some stock clients write their BEP 10 extended handshakes; duplicate keys are still refused.
   * A value decoded this way may re-encode to different (sorted) bytes.
   */
  sortedKeys?: boolean;
}

/**
 * Default nesting limit. Real .torrent files nest 3–4 deep; 64 leaves ample room while bounding
 * the work a hostile input can cause. {@link bencode} uses the same limit so that anything it
 * produces decodes with default options.
 */
export const DEFAULT_MAX_DEPTH = 64;

/**
 * Longest integer (in digits, sign excluded) the decoder accepts. BEP 3 sets no limit, but
 * parsing a megabyte of digits into a BigInt is quadratic work for no legitimate purpose;
 * 64 digits is far beyond any 64-bit quantity.
 */
export const MAX_INTEGER_DIGITS = 64;

// ASCII bytes of the bencode grammar.
const CH_I = 0x69; // 'i'
const CH_L = 0x6c; // 'l'
const CH_D = 0x64; // 'd'
const CH_E = 0x65; // 'e'
const CH_COLON = 0x3a; // ':'
const CH_MINUS = 0x2d; // '-'
const CH_0 = 0x30;
const CH_9 = 0x39;

const isDigit = (c: number): boolean => c >= CH_0 && c <= CH_9;

// A lone surrogate would be replaced by U+FFFD when encoded as UTF-8, so two different strings
// could produce the same bytes (and, for keys, duplicate dictionary entries). Reject instead.
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Encodes `value` as canonical bencode: dictionary keys sorted by their raw UTF-8 bytes (BEP 3),
 * integers in shortest form.
 *
 * @throws {BencodeError} for non-integer or unsafe `number`s (floats, NaN, ±Infinity, beyond
 *   ±(2^53−1); use `bigint` for those), strings with lone surrogates, `null`/`undefined`/booleans
 *   and other unsupported values, objects that are not plain, cycles, and nesting deeper than
 *   {@link DEFAULT_MAX_DEPTH}.
 */
export function bencode(value: BencodeValue): Buffer {
  const chunks: Uint8Array[] = [];
  encodeInto(value, chunks, 0, new Set());
  return Buffer.concat(chunks);
}

function encodeInto(value: unknown, out: Uint8Array[], depth: number, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new BencodeError(`cannot encode ${String(value)}: numbers must be safe integers`);
      }
      // String(-0) is "0", so -0 encodes canonically.
      out.push(Buffer.from(`i${String(value)}e`, 'latin1'));
      return;
    case 'bigint':
      out.push(Buffer.from(`i${value.toString()}e`, 'latin1'));
      return;
    case 'string':
      pushByteString(stringBytes(value), out);
      return;
    case 'object':
      break;
    default:
      throw new BencodeError(`cannot encode a value of type ${typeof value}`);
  }
  if (value === null) throw new BencodeError('cannot encode null');
  if (value instanceof Uint8Array) {
    pushByteString(value, out);
    return;
  }
  if (ancestors.has(value)) throw new BencodeError('cannot encode a cyclic structure');
  if (depth >= DEFAULT_MAX_DEPTH) {
    throw new BencodeError(`cannot encode nesting deeper than ${DEFAULT_MAX_DEPTH}`);
  }
  ancestors.add(value);
  if (Array.isArray(value)) {
    out.push(Buffer.from('l', 'latin1'));
    for (const item of value) encodeInto(item, out, depth + 1, ancestors);
    out.push(Buffer.from('e', 'latin1'));
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new BencodeError('cannot encode an object that is not a plain object');
    }
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record).map((key) => ({ key, bytes: stringBytes(key) }));
    // BEP 3: "Keys must be strings and appear in sorted order (sorted as raw strings, not
    // alphanumerics)". UTF-16 order differs from UTF-8 byte order above U+FFFF, so compare bytes.
    entries.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
    out.push(Buffer.from('d', 'latin1'));
    for (const { key, bytes } of entries) {
      const item = record[key];
      if (item === undefined) throw new BencodeError(`cannot encode undefined (key "${key}")`);
      pushByteString(bytes, out);
      encodeInto(item, out, depth + 1, ancestors);
    }
    out.push(Buffer.from('e', 'latin1'));
  }
  ancestors.delete(value);
}

function stringBytes(s: string): Buffer {
  if (LONE_SURROGATE_RE.test(s)) {
    throw new BencodeError('cannot encode a string containing a lone UTF-16 surrogate');
  }
  return Buffer.from(s, 'utf8');
}

function pushByteString(bytes: Uint8Array, out: Uint8Array[]): void {
  out.push(Buffer.from(`${bytes.length}:`, 'latin1'), bytes);
}

// ---------------------------------------------------------------------------------------------
// Decoding

interface ListFrame {
  readonly kind: 'list';
  readonly items: BencodeValue[];
}

interface DictFrame {
  readonly kind: 'dict';
  readonly dict: BencodeDict;
  /** Key whose value is being decoded, or undefined when a key (or `e`) comes next. */
  key: string | undefined;
  /** Raw bytes of the previous key, for the sorted/unique check. */
  prevKey: Uint8Array | undefined;
  /** Offset where the current key's value starts. */
  valueStart: number;
}

type Frame = ListFrame | DictFrame;

/** Called for each entry of a top-level dictionary with the byte span of its encoded value. */
type TopLevelEntryHandler = (key: string, start: number, end: number) => void;

// Keys are decoded as UTF-8 with `fatal` (invalid UTF-8 is rejected) and `ignoreBOM` (a leading
// U+FEFF stays part of the key). That makes key bytes <-> key strings a bijection, so distinct
// sorted keys can never collide in the resulting object and re-encoding reproduces the bytes.
const keyDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes one complete bencoded value that must span all of `input`.
 *
 * Result types: integers become `number` when they are safe integers and `bigint` otherwise;
 * byte strings become `Buffer`s (copies, not views of `input`); lists become arrays; dictionaries
 * become objects with a `null` prototype, so a `__proto__` key is an ordinary own property and
 * inherited names such as `constructor` or `toString` are never mistaken for entries.
 * Dictionary keys are decoded as UTF-8; keys that are not valid UTF-8 are rejected (BitTorrent
 * keys are ASCII in practice), which keeps the key-string mapping exact.
 *
 * Strictness: rejects empty or truncated input, trailing bytes after the value, integers with
 * leading zeros, `-0`, empty integers (`ie`), byte-string lengths with leading zeros or beyond the
 * end of input, unsorted (unless `opts.sortedKeys` is false) or duplicate dictionary keys,
 * non-string keys, and nesting deeper than `opts.maxDepth` (default {@link DEFAULT_MAX_DEPTH}).
 *
 * @throws {BencodeError} for every problem with `input`; nothing else is thrown for any byte
 *   sequence.
 * @throws {RangeError} if `opts.maxDepth` is not a non-negative integer (a caller bug).
 */
export function bdecode(input: Uint8Array, opts?: BdecodeOptions): BencodeValue {
  return decode(input, resolveMaxDepth(opts), opts?.sortedKeys !== false, undefined);
}

/**
 * Returns the exact encoded bytes of the value stored under `key` in the top-level dictionary
 * of `input`, or `undefined` if there is no such key. The whole of `input` is validated as by
 * {@link bdecode}.
 *
 * This is how a .torrent's info-hash is computed: SHA-1 over the original `info` bytes rather
 * than over a re-encoding (which would differ if the file were non-canonical — the strict decoder
 * rejects those anyway, but hashing the original bytes is what BEP 3 specifies).
 *
 * The result is a view into `input` (no copy).
 *
 * @throws {BencodeError} if `input` is not valid bencode or its top-level value is not a
 *   dictionary.
 */
export function bdecodeSpan(
  input: Uint8Array,
  key: string,
  opts?: BdecodeOptions,
): Uint8Array | undefined {
  let span: [number, number] | undefined;
  const root = decode(input, resolveMaxDepth(opts), opts?.sortedKeys !== false, (k, start, end) => {
    if (k === key) span = [start, end];
  });
  if (!isBencodeDict(root)) throw new BencodeError('top-level value is not a dictionary');
  return span === undefined ? undefined : input.subarray(span[0], span[1]);
}

/** True if `v` is a dictionary (a non-array, non-byte-string object). */
export function isBencodeDict(v: BencodeValue | undefined): v is BencodeDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function resolveMaxDepth(opts: BdecodeOptions | undefined): number {
  const maxDepth = opts?.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) {
    throw new RangeError(`maxDepth must be a non-negative integer, got ${String(maxDepth)}`);
  }
  return maxDepth;
}

function decode(
  input: Uint8Array,
  maxDepth: number,
  sortedKeys: boolean,
  onTopLevelEntry: TopLevelEntryHandler | undefined,
): BencodeValue {
  if (!(input instanceof Uint8Array)) throw new BencodeError('input must be a Uint8Array');
  const len = input.length;
  const stack: Frame[] = [];
  let pos = 0;

  for (;;) {
    if (pos >= len) {
      throw new BencodeError(len === 0 ? 'empty input' : 'unexpected end of input', pos);
    }
    const c = input[pos] as number;
    const top = stack[stack.length - 1];
    let value: BencodeValue;

    if (top?.kind === 'dict' && top.key === undefined) {
      if (c === CH_E) {
        pos++;
        stack.pop();
        value = top.dict;
      } else {
        if (!isDigit(c)) throw new BencodeError('dictionary key must be a byte string', pos);
        const keyStart = pos;
        const [start, end] = readByteStringSpan(input, pos);
        const keyBytes = input.subarray(start, end);
        if (sortedKeys && top.prevKey !== undefined) {
          const order = Buffer.compare(top.prevKey, keyBytes);
          if (order === 0) throw new BencodeError('duplicate dictionary key', keyStart);
          if (order > 0) throw new BencodeError('dictionary keys are not sorted', keyStart);
        }
        let key: string;
        try {
          key = keyDecoder.decode(keyBytes);
        } catch {
          throw new BencodeError('dictionary key is not valid UTF-8', keyStart);
        }
        // Unsorted keys cannot be checked against the previous one alone. Key strings map to key
        // bytes one-to-one (see keyDecoder), so an own property of the same name is a duplicate.
        if (!sortedKeys && Object.hasOwn(top.dict, key)) throw new BencodeError('duplicate dictionary key', keyStart);
        top.key = key;
        top.prevKey = keyBytes;
        pos = end;
        top.valueStart = pos;
        continue;
      }
    } else if (c === CH_L || c === CH_D) {
      if (stack.length >= maxDepth) {
        throw new BencodeError(`nesting deeper than maxDepth ${maxDepth}`, pos);
      }
      pos++;
      stack.push(
        c === CH_L
          ? { kind: 'list', items: [] }
          : {
              kind: 'dict',
              dict: Object.create(null) as BencodeDict,
              key: undefined,
              prevKey: undefined,
              valueStart: pos,
            },
      );
      continue;
    } else if (c === CH_E) {
      if (top?.kind !== 'list') {
        throw new BencodeError(
          top === undefined ? 'unexpected "e"' : 'dictionary key has no value',
          pos,
        );
      }
      pos++;
      stack.pop();
      value = top.items;
    } else if (c === CH_I) {
      [value, pos] = readInteger(input, pos);
    } else if (isDigit(c)) {
      const [start, end] = readByteStringSpan(input, pos);
      value = Buffer.from(input.subarray(start, end)); // copy: results must not alias the input
      pos = end;
    } else {
      throw new BencodeError(`unexpected byte 0x${c.toString(16).padStart(2, '0')}`, pos);
    }

    // `value` is complete: attach it to its container, or finish.
    const parent = stack[stack.length - 1];
    if (parent === undefined) {
      if (pos !== len) throw new BencodeError('trailing bytes after the value', pos);
      return value;
    }
    if (parent.kind === 'list') {
      parent.items.push(value);
    } else {
      const key = parent.key as string;
      // Null-prototype object: assigning "__proto__" creates an own property, never a prototype.
      parent.dict[key] = value;
      if (stack.length === 1) onTopLevelEntry?.(key, parent.valueStart, pos);
      parent.key = undefined;
    }
  }
}

/** Parses `i<digits>e` at `pos`; returns the value and the offset just past `e`. */
function readInteger(input: Uint8Array, pos: number): [number | bigint, number] {
  const start = pos;
  pos++; // 'i'
  const negative = input[pos] === CH_MINUS;
  if (negative) pos++;
  const digitsStart = pos;
  while (pos < input.length && isDigit(input[pos] as number)) {
    pos++;
    if (pos - digitsStart > MAX_INTEGER_DIGITS) {
      throw new BencodeError(`integer longer than ${MAX_INTEGER_DIGITS} digits`, start);
    }
  }
  if (pos >= input.length) throw new BencodeError('unexpected end of input in integer', pos);
  if (input[pos] !== CH_E) throw new BencodeError('invalid character in integer', pos);
  const nDigits = pos - digitsStart;
  if (nDigits === 0) throw new BencodeError('integer has no digits', start);
  if (input[digitsStart] === CH_0) {
    if (nDigits > 1) throw new BencodeError('integer has a leading zero', start);
    if (negative) throw new BencodeError('integer is negative zero', start);
  }
  const text = Buffer.from(input.subarray(start + 1, pos)).toString('latin1');
  pos++; // 'e'
  // Up to 15 digits always fits a safe integer; longer ones go through BigInt to stay exact.
  if (nDigits <= 15) return [Number(text), pos];
  const big = BigInt(text);
  const safe = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
  return [safe ? Number(big) : big, pos];
}

/** Parses `<length>:` at `pos`; returns the span of the string's bytes. */
function readByteStringSpan(input: Uint8Array, pos: number): [number, number] {
  const start = pos;
  let length = 0;
  while (pos < input.length && isDigit(input[pos] as number)) {
    length = length * 10 + ((input[pos] as number) - CH_0);
    pos++;
    // Any length above the input size fails below; stop early so `length` stays exact.
    if (length > input.length) throw new BencodeError('byte string length exceeds input', start);
  }
  if (pos >= input.length) throw new BencodeError('unexpected end of input in length', pos);
  if (input[pos] !== CH_COLON) throw new BencodeError('invalid character in length', pos);
  if (input[start] === CH_0 && pos - start > 1) {
    throw new BencodeError('byte string length has a leading zero', start);
  }
  pos++; // ':'
  if (length > input.length - pos) throw new BencodeError('byte string length exceeds input', start);
  return [pos, pos + length];
}
