/**
 * Incremental peer wire decoder: bytes in, typed frames out, for one direction of one
 * connection. Transport-agnostic (feed it whatever chunks a socket, a PassThrough or a test
 * produces) and pure: no timers, no events, no I/O.
 *
 * Error design: {@link WireDecoder.push} never throws for anything the remote sent. It returns
 * the frames decoded so far and, if the input broke the protocol, a {@link WireError}. A return
 * value rather than a throw because one chunk can hold good messages followed by a bad one, and
 * the good ones (a `have`, a `piece` we paid for) should not be lost; and because a returned
 * error cannot be forgotten in a `data` handler the way an uncaught throw can crash a process.
 * After an error the decoder is dead: it drops its buffers and every later `push` returns the
 * same error, so the caller only has to close the connection with `error.code` as the reason.
 *
 * Memory: a length prefix above `maxMessageBytes` is refused as soon as its 4 bytes arrive,
 * before any body is buffered, so a hostile "4 GiB message" costs nothing. Otherwise only
 * received bytes are held, never more than one message plus the tail of the last chunk.
 *
 * Copies: a message that lies within one chunk is returned as a view of that chunk (a piece's
 * block is not copied at all); one that spans chunks is concatenated once. Frames therefore
 * alias the pushed chunks: do not reuse or mutate a chunk after pushing it — unless it is pushed
 * as `transient` (a socket reading into one reused buffer, so that reads allocate nothing): then
 * every frame but `piece` is copied, the unconsumed tail is copied before `push` returns, and a
 * piece's block is a view that is valid only until the next push: the caller must be done with
 * it by then (the download copies each block into its piece at once).
 *
 * Unknown ids: BEP 3 says "messages with unknown ids should be ignored", so by default they are
 * skipped (after the same size check as any other message) and counted in
 * {@link WireDecoder.ignoredMessages}; `unknownIds: 'reject'` turns them into
 * `ERR_WIRE_UNKNOWN_ID`. Whether fast-extension or extended messages were *negotiated* is the
 * state machine's business: it knows both sides' reserved bits, the codec knows only bytes.
 */
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  HANDSHAKE_LENGTH,
  LENGTH_PREFIX_BYTES,
  MessageId,
  WireError,
  type WireMessage,
} from './messages.js';
import {
  HANDSHAKE_PREFIX,
  checkHandshakePrefix,
  parseHandshake,
  parseMessage,
  type HandshakeFrame,
} from './parse-message.js';

/** Options for {@link WireDecoder}. */
export interface WireDecoderInit {
  /**
   * Largest accepted length prefix (id + payload, in bytes); larger ones are `ERR_WIRE_TOO_LARGE`.
   * Defaults to {@link DEFAULT_MAX_MESSAGE_BYTES} (a piece carrying a 1 MiB block fits).
   */
  maxMessageBytes?: number;
  /** Whether the stream starts with the 68-byte handshake. Default true. */
  handshake?: boolean;
  /** What to do with message ids this codec does not know. Default `'ignore'` (BEP 3). */
  unknownIds?: 'ignore' | 'reject';
}

/** Anything {@link WireDecoder.push} yields. */
export type WireFrame = HandshakeFrame | WireMessage;

/** Result of {@link WireDecoder.push}: frames in stream order, then the error that stopped it. */
export interface DecodeResult {
  frames: WireFrame[];
  error?: WireError;
}

/**
 * Chunks smaller than this are merged in batches of {@link MERGE_BATCH} while they wait, so a
 * peer dribbling one byte per read cannot make us hold one Buffer object (~100 bytes) per byte.
 * Only such pathological input pays a second copy; normal reads (KiBs) are never merged.
 */
const SMALL_CHUNK = 1024;
const MERGE_BATCH = 64;
/** Placed in consumed slots of the chunk array so they do not keep chunks alive. */
const EMPTY = Buffer.alloc(0);

/** Decodes one direction of a peer wire stream. See the module comment for the contract. */
export class WireDecoder {
  /** The largest length prefix this decoder accepts. */
  readonly maxMessageBytes: number;
  readonly #rejectUnknown: boolean;
  /** Received, unconsumed bytes: `#chunks[#head..]`, `#buffered` bytes in all. */
  #chunks: Buffer[] = [];
  #head = 0;
  #buffered = 0;
  /** Trailing chunks smaller than SMALL_CHUNK, not yet merged. */
  #smallRun = 0;
  #stage: 'handshake' | 'prefix' | 'body';
  /** Length prefix of the message being received (stage 'body'). */
  #bodyLength = 0;
  #error: WireError | undefined;
  #ignored = 0;
  /** The memory of the chunk being pushed, while a `transient` push runs. */
  #transient: ArrayBufferLike | undefined;

  /** @throws {RangeError} if `maxMessageBytes` is not a positive safe integer. */
  constructor(init: WireDecoderInit = {}) {
    const max = init.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`maxMessageBytes must be a positive integer, got ${String(max)}`);
    }
    this.maxMessageBytes = max;
    this.#rejectUnknown = init.unknownIds === 'reject';
    this.#stage = init.handshake === false ? 'prefix' : 'handshake';
  }

  /** The error that stopped this decoder, if any. */
  get error(): WireError | undefined {
    return this.#error;
  }

  /** Bytes received but not yet part of a complete frame (non-zero at EOF = truncated stream). */
  get pendingBytes(): number {
    // The length prefix of a message still being received counts: it was not part of a frame.
    return this.#buffered + (this.#stage === 'body' ? LENGTH_PREFIX_BYTES : 0);
  }

  /** How many messages with unknown ids were skipped. */
  get ignoredMessages(): number {
    return this.#ignored;
  }

  /**
   * Feeds the next bytes of the stream. Returns every frame they complete, in order; `error` is
   * set if the stream broke the protocol (frames before the bad one are still returned).
   * Never throws for any input.
   */
  push(chunk: Uint8Array, opts: { transient?: boolean } = {}): DecodeResult {
    if (this.#error !== undefined) return { frames: [], error: this.#error };
    if (chunk.length > 0) this.#append(chunk);
    const frames: WireFrame[] = [];
    this.#transient = opts.transient === true ? chunk.buffer : undefined;
    const error = this.#drain(frames);
    if (this.#transient !== undefined) {
      // What is left is the start of a message: kept past this push, so it must be our own.
      for (let i = this.#head; i < this.#chunks.length; i++) this.#chunks[i] = this.#own(this.#chunks[i] as Buffer);
      this.#transient = undefined;
    }
    if (error === undefined) return { frames };
    this.#error = error;
    this.#chunks = [];
    this.#head = this.#buffered = this.#smallRun = 0;
    return { frames, error };
  }

  /** Decodes frames until the buffer runs dry or the input is refused. */
  #drain(out: WireFrame[]): WireError | undefined {
    for (;;) {
      if (this.#stage === 'handshake') {
        // Checked on every push, so garbage is refused from its first wrong byte.
        const bad = checkHandshakePrefix(this.#peek(Math.min(this.#buffered, HANDSHAKE_PREFIX.length)));
        if (bad !== undefined) return bad;
        if (this.#buffered < HANDSHAKE_LENGTH) return undefined;
        out.push(parseHandshake(this.#own(this.#take(HANDSHAKE_LENGTH))));
        this.#stage = 'prefix';
      } else if (this.#stage === 'prefix') {
        if (this.#buffered < LENGTH_PREFIX_BYTES) return undefined;
        const length = this.#take(LENGTH_PREFIX_BYTES).readUInt32BE(0);
        // Refused here, before a single body byte is held.
        if (length > this.maxMessageBytes) {
          return new WireError(
            'ERR_WIRE_TOO_LARGE',
            `message of ${length} bytes exceeds the limit of ${this.maxMessageBytes}`,
          );
        }
        if (length === 0) {
          out.push({ type: 'keep_alive' });
        } else {
          this.#bodyLength = length;
          this.#stage = 'body';
        }
      } else {
        if (this.#buffered < this.#bodyLength) return undefined;
        const body = this.#take(this.#bodyLength);
        // A transient piece stays a view (see the module comment); anything else is copied.
        const decoded = parseMessage(body[0] === MessageId.PIECE ? body : this.#own(body), this.#rejectUnknown);
        this.#stage = 'prefix';
        if (decoded instanceof WireError) return decoded;
        if (decoded === undefined) this.#ignored++;
        else out.push(decoded);
      }
    }
  }

  /** `b` itself, or a copy of it when it lies in the transient chunk of the current push. */
  #own(b: Buffer): Buffer {
    return this.#transient !== undefined && b.buffer === this.#transient ? Buffer.from(b) : b;
  }

  #append(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.#chunks.push(buf);
    this.#buffered += buf.length;
    this.#smallRun = buf.length < SMALL_CHUNK ? this.#smallRun + 1 : 0;
    if (this.#smallRun >= MERGE_BATCH) {
      // Slots before #head are consumed; the run may reach back into them.
      const start = Math.max(this.#head, this.#chunks.length - this.#smallRun);
      this.#chunks.splice(start, this.#chunks.length - start, Buffer.concat(this.#chunks.slice(start)));
      this.#smallRun = 0;
    }
  }

  /** A copy of the first `n` buffered bytes (n ≤ 20), without consuming them. */
  #peek(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (let i = this.#head; filled < n; i++) {
      const c = this.#chunks[i] as Buffer;
      filled += c.copy(out, filled, 0, Math.min(c.length, n - filled));
    }
    return out;
  }

  /** Consumes `n ≤ #buffered` bytes: a view if they lie in one chunk, else one copy. */
  #take(n: number): Buffer {
    this.#buffered -= n;
    const first = this.#chunks[this.#head] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      this.#advance(first, n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.#chunks[this.#head] as Buffer;
        const k = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, k);
        filled += k;
        this.#advance(c, k);
      }
    }
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = this.#smallRun = 0;
    } else if (this.#head > 1024) {
      // Drop consumed slots now and then, so the array does not grow without bound.
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  /** Marks `k` bytes of the head chunk `c` consumed. */
  #advance(c: Buffer, k: number): void {
    // A consumed slot is blanked so the array does not pin the chunk's memory.
    this.#chunks[this.#head] = k === c.length ? EMPTY : c.subarray(k);
    if (k === c.length) this.#head++;
  }
}
