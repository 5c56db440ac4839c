/**
 * Fuzzing of the peer wire decoder (issue 6): what a remote peer sends, byte by byte.
 *
 * Properties, for any stream (random bytes; valid handshakes and messages then truncated,
 * bit-flipped, spliced or given huge length prefixes), cut into chunks at random places:
 * - `push` never throws; it returns frames and at most one WireError, after which the decoder
 *   is dead (it holds no bytes and repeats the same error);
 * - the frames and the error do not depend on how the stream was chunked, nor on the chunks
 *   arriving in one reused buffer (`transient` pushes);
 * - memory is bounded: after every push the decoder holds less than one message (at most
 *   `maxMessageBytes + 4` or a handshake's 68 bytes), so a prefix claiming 4 GiB costs nothing;
 * - valid messages round-trip: decoding their encoding gives messages that encode to the same bytes.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, chunksOf, fuzz, heapAfterGc, mutatedBytes, replayRegressions } from '@groupshare/protocol/fuzz-kit';
import { describe, expect, it } from 'vitest';

import { WireDecoder, type WireFrame } from './decoder.js';
import { HANDSHAKE_LENGTH, LENGTH_PREFIX_BYTES, WireError, encodeHandshake, encodeMessage, type WireMessage } from './messages.js';

const u32 = fc.nat({ max: 0xffffffff });
const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));

/** Every message type, fields in range. */
const message: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.constantFrom<WireMessage>(
    { type: 'keep_alive' }, { type: 'choke' }, { type: 'unchoke' }, { type: 'interested' },
    { type: 'not_interested' }, { type: 'have_all' }, { type: 'have_none' },
  ),
  fc.record({ type: fc.constantFrom('have', 'suggest', 'allowed_fast'), index: u32 }) as fc.Arbitrary<WireMessage>,
  fc.record({ type: fc.constantFrom('request', 'cancel', 'reject'), index: u32, begin: u32, length: u32 }) as fc.Arbitrary<WireMessage>,
  fc.record({ type: fc.constant('bitfield' as const), bytes: bytes(8) }),
  fc.record({ type: fc.constant('piece' as const), index: u32, begin: u32, block: bytes(24) }),
  fc.record({ type: fc.constant('port' as const), port: fc.nat({ max: 0xffff }) }),
  fc.record({ type: fc.constant('extended' as const), id: fc.nat({ max: 255 }), payload: bytes(16) }),
);

const handshake = fc
  .record({ infoHash: fc.uint8Array({ minLength: 20, maxLength: 20 }), peerId: fc.uint8Array({ minLength: 20, maxLength: 20 }), fast: fc.boolean(), extended: fc.boolean() })
  .map(encodeHandshake);

/** A valid stream: optionally a handshake, then a few messages. */
const validStream = fc
  .tuple(fc.boolean(), handshake, fc.array(message, { maxLength: 5 }))
  .map(([withHandshake, hs, msgs]) => ({ withHandshake, bytes: Buffer.concat([...(withHandshake ? [hs] : []), ...msgs.map(encodeMessage)]) }));

/** What a decoder is fed: the stream's bytes, whether it starts with a handshake, its size limit. */
interface Feed {
  bytes: Uint8Array;
  handshake: boolean;
  maxMessageBytes: number;
  unknownIds: 'ignore' | 'reject';
}

const feed: fc.Arbitrary<Feed> = fc.record({
  bytes: fc.oneof(
    { arbitrary: mutatedBytes(validStream.map((s) => s.bytes)), weight: 6 },
    { arbitrary: fc.uint8Array({ maxLength: 48 }), weight: 1 },
    // A huge length prefix, possibly after a valid handshake.
    { arbitrary: fc.tuple(handshake, u32, bytes(8)).map(([hs, n, rest]) => Buffer.concat([hs, Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]), rest])), weight: 1 },
  ),
  handshake: fc.boolean(),
  maxMessageBytes: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constant(1024 * 1024 + 13)),
  unknownIds: fc.constantFrom('ignore', 'reject'),
});

/** Feeds `chunks` to a fresh decoder, checking the per-push invariants; returns what it got. */
function run(f: Feed, chunks: readonly Uint8Array[]): { frames: WireFrame[]; error: string | undefined } {
  const decoder = new WireDecoder(f);
  const frames: WireFrame[] = [];
  const bound = Math.max(HANDSHAKE_LENGTH, f.maxMessageBytes + LENGTH_PREFIX_BYTES);
  let error: WireError | undefined;
  for (const chunk of chunks) {
    const result = decoder.push(chunk);
    frames.push(...result.frames);
    if (result.error !== undefined) {
      assert.ok(result.error instanceof WireError);
      error ??= result.error;
      assert.equal(result.error, error, 'a dead decoder repeats its error');
      assert.equal(decoder.pendingBytes, 0, 'a dead decoder holds nothing');
    } else {
      assert.ok(decoder.pendingBytes < bound, `holds ${decoder.pendingBytes} bytes, less than one message`);
    }
  }
  return { frames, error: error?.code };
}

/**
 * Feeds `chunks` as a socket reading into one reused buffer would: each copied into the same
 * scratch memory, pushed as transient, and overwritten with garbage after the push. A piece's
 * block is taken (copied) during its push, as the download does; every other frame is kept as
 * returned, so a frame still aliasing the scratch memory would come out garbled.
 */
function runTransient(f: Feed, chunks: readonly Uint8Array[]): { frames: WireFrame[]; error: string | undefined } {
  const decoder = new WireDecoder(f);
  const scratch = Buffer.allocUnsafeSlow(Math.max(1, ...chunks.map((c) => c.length)));
  const frames: WireFrame[] = [];
  let error: string | undefined;
  for (const chunk of chunks) {
    scratch.set(chunk);
    const result = decoder.push(scratch.subarray(0, chunk.length), { transient: true });
    for (const frame of result.frames) frames.push(frame.type === 'piece' ? { ...frame, block: Buffer.from(frame.block) } : frame);
    error ??= result.error?.code;
    scratch.fill(0xaa);
  }
  return { frames, error };
}

/** The checks every input gets; the regression cases below replay through it too. */
function check(f: Feed, chunks: readonly Uint8Array[]): void {
  const whole = run(f, [f.bytes]);
  const pieces = run(f, chunks);
  assert.deepEqual(pieces, whole, 'frames do not depend on chunking');
  assert.deepEqual(runTransient(f, chunks), whole, 'nor on the chunks being pushed from one reused buffer');
}

/** Inputs that once made a property fail (hex stream + options); each is replayed on every run. */
const REGRESSIONS: Array<Omit<Feed, 'bytes'> & { hex: string; cuts: number[] }> = [];

describe('peer wire decoder fuzzing', () => {
  replayRegressions(REGRESSIONS, ({ hex, cuts, ...opts }) => {
    const b = Buffer.from(hex, 'hex');
    const points = [0, ...cuts, b.length];
    check({ ...opts, bytes: b }, points.slice(1).map((end, i) => b.subarray(points[i], end)));
  });

  it('decodes any stream, however chunked, to the same frames or a WireError, holding less than a message', { timeout: FUZZ_TIMEOUT_MS }, () => {
    const before = heapAfterGc();
    fuzz(fc.property(feed.chain((f) => chunksOf(f.bytes).map((chunks) => [f, chunks] as const)), ([f, chunks]) => check(f, chunks)));
    expect(heapAfterGc() - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('round-trips valid messages', { timeout: FUZZ_TIMEOUT_MS }, () => {
    fuzz(
      fc.property(validStream, ({ withHandshake, bytes: stream }) => {
        const { frames, error } = new WireDecoder({ handshake: withHandshake }).push(stream);
        assert.equal(error, undefined);
        const again = frames.map((f) => (f.type === 'handshake' ? encodeHandshake(f) : encodeMessage(f)));
        assert.ok(Buffer.concat(again).equals(stream));
      }),
      20_000,
    );
  });

  it('refuses a 4 GiB length prefix as soon as its 4 bytes arrive', () => {
    const decoder = new WireDecoder({ handshake: false });
    const { frames, error } = decoder.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 7]));
    expect(frames).toEqual([]);
    expect(error?.code).toBe('ERR_WIRE_TOO_LARGE');
    expect(decoder.pendingBytes).toBe(0);
  });
});
