// The decoder: whatever way a stream is cut into chunks, the same frames come out; a hand-made
// BEP 3 byte fixture decodes to the expected values; and no byte sequence makes it throw.
// Refusals (size limit, malformed messages) are in decoder-limits.test.ts.
import { describe, expect, it } from 'vitest';

import { WireDecoder, type WireFrame } from './decoder.js';
import { WireError, encodeHandshake, encodeMessage, type WireMessage } from './messages.js';
import { seededRng } from '@groupshare/protocol';

const randomBytes = (rnd: () => number, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));

const infoHash = Buffer.alloc(20, 0x11);
const peerId = Buffer.from('-GS0001-000000000001');
const HANDSHAKE = encodeHandshake({ infoHash, peerId, fast: true, extended: true });
const HANDSHAKE_FRAME: WireFrame = {
  type: 'handshake',
  infoHash,
  peerId,
  reserved: Buffer.from('0000000000100004', 'hex'),
  fast: true,
  extended: true,
};

/** One of every message type. */
const SAMPLES: WireMessage[] = [
  { type: 'keep_alive' },
  { type: 'choke' },
  { type: 'unchoke' },
  { type: 'interested' },
  { type: 'not_interested' },
  { type: 'have', index: 0xfffffffe },
  { type: 'bitfield', bytes: Buffer.from([0b10110000]) },
  { type: 'request', index: 5, begin: 0x4000, length: 0x4000 },
  { type: 'piece', index: 5, begin: 0x4000, block: randomBytes(seededRng(1), 16384) },
  { type: 'cancel', index: 5, begin: 0x4000, length: 0x4000 },
  { type: 'port', port: 6881 },
  { type: 'suggest', index: 9 },
  { type: 'have_all' },
  { type: 'have_none' },
  { type: 'reject', index: 5, begin: 0, length: 0x4000 },
  { type: 'allowed_fast', index: 12 },
  { type: 'extended', id: 0, payload: Buffer.from('d1:md11:ut_metadatai3eee') },
];
const STREAM = Buffer.concat([HANDSHAKE, ...SAMPLES.map(encodeMessage)]);
const EXPECTED = [HANDSHAKE_FRAME, ...SAMPLES];

/** Frames with byte fields as hex, so comparing 16 KiB blocks is a string compare, not a deep walk. */
const norm = (frames: WireFrame[]): unknown[] =>
  frames.map((f) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v])));

/** Feeds `chunks` and collects everything; fails the test on an error. */
function decodeAll(chunks: Iterable<Uint8Array>, decoder = new WireDecoder()): WireFrame[] {
  const out: WireFrame[] = [];
  for (const chunk of chunks) {
    const { frames, error } = decoder.push(chunk);
    if (error !== undefined) throw error;
    out.push(...frames);
  }
  return out;
}

/** `buf` cut at random points (chunk sizes 1..maxChunk). */
function* randomChunks(buf: Buffer, rnd: () => number, maxChunk: number): Generator<Buffer> {
  for (let at = 0; at < buf.length; ) {
    const n = 1 + Math.floor(rnd() * maxChunk);
    yield buf.subarray(at, at + n);
    at += n;
  }
}

describe('WireDecoder: framing', () => {
  it('round-trips a handshake and every message type in one chunk', () => {
    expect(norm(decodeAll([STREAM]))).toEqual(norm(EXPECTED));
  });

  it('yields the same frames when fed one byte at a time', () => {
    const decoder = new WireDecoder();
    const frames = decodeAll(Array.from({ length: STREAM.length }, (_, i) => STREAM.subarray(i, i + 1)), decoder);
    expect(norm(frames)).toEqual(norm(EXPECTED));
    expect(decoder.pendingBytes).toBe(0);
  });

  it('yields the same frames for random chunkings (seeds 1..100)', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const rnd = seededRng(seed);
      const frames = decodeAll(randomChunks(STREAM, rnd, 1 + Math.floor(rnd() * 5000)));
      expect(norm(frames), `seed ${seed}`).toEqual(norm(EXPECTED));
    }
  });

  it('decodes a long stream of pieces cut into 1000-byte reads (messages never aligned)', () => {
    const blocks = Array.from({ length: 200 }, (_, i) => Buffer.alloc(16384, i));
    const stream = Buffer.concat(blocks.map((block, i) => encodeMessage({ type: 'piece', index: i, begin: 0, block })));
    const reads = Array.from({ length: Math.ceil(stream.length / 1000) }, (_, i) => stream.subarray(i * 1000, (i + 1) * 1000));
    const frames = decodeAll(reads, new WireDecoder({ handshake: false }));
    expect(frames.map((f) => f.type === 'piece' && f.block.equals(blocks[f.index] as Buffer))).toEqual(blocks.map(() => true));
  });

  it('returns a block in one chunk as a view (no copy), and joins one that spans chunks', () => {
    const piece = encodeMessage({ type: 'piece', index: 0, begin: 0, block: Buffer.alloc(16384, 7) });
    const decoder = new WireDecoder({ handshake: false });
    const [whole] = decoder.push(piece).frames;
    expect(whole?.type === 'piece' && whole.block.buffer).toBe(piece.buffer);
    decoder.push(piece.subarray(0, 100));
    const [joined] = decoder.push(piece.subarray(100)).frames;
    expect(joined?.type === 'piece' && joined.block.equals(Buffer.alloc(16384, 7))).toBe(true);
  });

  it('reports bytes of an unfinished message (a stream cut mid-message)', () => {
    const decoder = new WireDecoder();
    decoder.push(STREAM.subarray(0, 75)); // handshake, keep-alive, 3 bytes of a length prefix
    expect(decoder.pendingBytes).toBe(3);
    decoder.push(STREAM.subarray(75, -1)); // all but the last byte
    expect(decoder.pendingBytes).toBe(encodeMessage(SAMPLES.at(-1) as WireMessage).length - 1);
  });

  it('can start without a handshake', () => {
    expect(decodeAll([encodeMessage({ type: 'have', index: 1 })], new WireDecoder({ handshake: false }))).toEqual([
      { type: 'have', index: 1 },
    ]);
  });
});

describe('WireDecoder: BEP 3 fixture', () => {
  it('decodes a handshake, a bitfield and a request laid out by hand from BEP 3', () => {
    // BEP 3, "peer protocol": the handshake is the byte 19, "BitTorrent protocol", eight
    // reserved bytes (here: none set), the 20-byte SHA-1 info_hash and the 20-byte peer id.
    // Then messages: a 4-byte big-endian length prefix, a 1-byte type, the payload.
    // 'bitfield' (5): "the high bit in the first byte corresponds to piece index 0" — so 0xa0
    //   0x01 says we have pieces 0, 2 and 15 (of e.g. 16).
    // 'request' (6): index, begin, length, all 4-byte big-endian: piece 2, offset 16384, 16384
    //   bytes ("all current implementations use 2^14 (16 kiB)").
    const hash = 'd2474e86c95b19b8bcfdb92bc12c9d44667cfa36'; // hex of 20 bytes
    const id = Buffer.from('-TR3000-abcdefghijkl').toString('hex');
    const bytes = Buffer.from(
      [
        '13', Buffer.from('BitTorrent protocol').toString('hex'), '0000000000000000', hash, id,
        '00000003', '05', 'a001',
        '0000000d', '06', '00000002', '00004000', '00004000',
      ].join(''),
      'hex',
    );
    expect(decodeAll([bytes])).toEqual([
      {
        type: 'handshake',
        reserved: Buffer.alloc(8),
        infoHash: Buffer.from(hash, 'hex'),
        peerId: Buffer.from('-TR3000-abcdefghijkl'),
        fast: false,
        extended: false,
      },
      { type: 'bitfield', bytes: Buffer.from([0xa0, 0x01]) },
      { type: 'request', index: 2, begin: 16384, length: 16384 },
    ]);
  });
});

describe('WireDecoder: fuzz', () => {
  /** Random input shaped like messages often enough to reach every branch. */
  function fuzzInput(rnd: () => number): Buffer {
    const parts: Buffer[] = [];
    const count = 1 + Math.floor(rnd() * 6);
    for (let i = 0; i < count; i++) {
      const r = rnd();
      if (r < 0.15) {
        parts.push(randomBytes(rnd, Math.floor(rnd() * 24))); // raw noise
      } else {
        const body = randomBytes(rnd, Math.floor(rnd() * 20));
        if (body.length > 0) body[0] = Math.floor(rnd() * 24); // mostly known ids
        const prefix = Buffer.alloc(4);
        // Mostly the true length; sometimes one off (misframes what follows), sometimes anything.
        const jitter = rnd() < 0.1 ? Math.floor(rnd() * 3) - 1 : 0;
        prefix.writeUInt32BE(r < 0.2 ? Math.floor(rnd() * 2 ** 32) : Math.max(0, body.length + jitter));
        parts.push(prefix, body);
      }
    }
    return Buffer.concat(parts);
  }

  it('only ever yields frames or a WireError (3000 seeded inputs, random chunking)', () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 3000; seed++) {
      const rnd = seededRng(seed);
      const decoder = new WireDecoder({ unknownIds: rnd() < 0.5 ? 'ignore' : 'reject' });
      decoder.push(HANDSHAKE);
      for (const chunk of randomChunks(fuzzInput(rnd), rnd, 16)) {
        const { frames, error } = decoder.push(chunk); // a throw here fails the test
        for (const f of frames) seen.add(f.type);
        if (error !== undefined) {
          expect(error).toBeInstanceOf(WireError);
          seen.add(error.code);
        }
      }
    }
    // The generator reached the interesting branches, not just the size check.
    for (const expected of ['have', 'request', 'piece', 'extended', 'ERR_WIRE_BAD_LENGTH', 'ERR_WIRE_TOO_LARGE', 'ERR_WIRE_UNKNOWN_ID']) {
      expect(seen).toContain(expected);
    }
  });
});
