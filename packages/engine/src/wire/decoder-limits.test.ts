// The decoder's refusals: a length over the limit is refused as soon as its prefix arrives (a
// 4 GiB prefix allocates nothing), every malformed message gets its code, and frames before the
// bad one survive.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { WireDecoder, type WireFrame } from './decoder.js';
import { DEFAULT_MAX_MESSAGE_BYTES, MAX_BLOCK_BYTES, encodeHandshake, encodeMessage } from './messages.js';

const HANDSHAKE = encodeHandshake({ infoHash: Buffer.alloc(20, 1), peerId: Buffer.alloc(20, 2), fast: true, extended: true });

/** Pushes the handshake then `bytes`; returns the error code (or undefined) and the frames. */
function afterHandshake(bytes: Buffer, decoder = new WireDecoder()): { code?: string; frames: WireFrame[] } {
  const { frames, error } = decoder.push(Buffer.concat([HANDSHAKE, bytes]));
  return error === undefined ? { frames } : { code: error.code, frames };
}

describe('WireDecoder: size limit', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A piece whose length prefix is exactly `prefix`. */
  const pieceWithPrefix = (prefix: number): Buffer =>
    encodeMessage({ type: 'piece', index: 0, begin: 0, block: Buffer.alloc(prefix - 9, 1) });

  it('accepts a message exactly at the limit (a piece carrying a 1 MiB block and more)', () => {
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(MAX_BLOCK_BYTES + 13);
    const { code, frames } = afterHandshake(pieceWithPrefix(DEFAULT_MAX_MESSAGE_BYTES));
    expect(code).toBeUndefined();
    expect(frames[1]?.type === 'piece' && frames[1].block.length).toBe(MAX_BLOCK_BYTES + 4);
  });

  it('refuses one byte over the limit as soon as the length prefix arrives', () => {
    const decoder = new WireDecoder();
    decoder.push(HANDSHAKE);
    const { error } = decoder.push(pieceWithPrefix(DEFAULT_MAX_MESSAGE_BYTES + 1).subarray(0, 4));
    expect(error?.code).toBe('ERR_WIRE_TOO_LARGE');
  });

  it('refuses a 4 GiB length prefix immediately, allocating nothing for it', () => {
    const allocs: number[] = [];
    for (const fn of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
      const original = Buffer[fn].bind(Buffer);
      vi.spyOn(Buffer, fn).mockImplementation(((size: number, ...rest: never[]) => {
        allocs.push(size);
        return original(size, ...rest);
      }) as never);
    }
    const decoder = new WireDecoder();
    decoder.push(HANDSHAKE);
    const { frames, error } = decoder.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    expect(frames).toEqual([]);
    expect(error?.code).toBe('ERR_WIRE_TOO_LARGE');
    expect(Math.max(0, ...allocs)).toBeLessThanOrEqual(HANDSHAKE.length);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('applies a custom limit, to unknown ids too', () => {
    const decoder = new WireDecoder({ handshake: false, maxMessageBytes: 16 });
    expect(decoder.push(encodeMessage({ type: 'bitfield', bytes: Buffer.alloc(15) })).error).toBeUndefined();
    const unknown = Buffer.from('0000001163', 'hex'); // length 17, id 99
    expect(decoder.push(unknown).error?.code).toBe('ERR_WIRE_TOO_LARGE');
  });
});

describe('WireDecoder: malformed input', () => {
  const msg = (hexBytes: string): Buffer => Buffer.from(hexBytes.replace(/\s+/g, ''), 'hex');
  const cases: [string, string, string][] = [
    ['choke with a payload', '00000002 00 00', 'ERR_WIRE_BAD_LENGTH'],
    ['interested with a payload', '00000002 02 ff', 'ERR_WIRE_BAD_LENGTH'],
    ['have of 4 bytes', '00000004 04 000001', 'ERR_WIRE_BAD_LENGTH'],
    ['have of 6 bytes', '00000006 04 0000000100', 'ERR_WIRE_BAD_LENGTH'],
    ['request of 12 bytes', '0000000c 06 00000000 00000000 000040', 'ERR_WIRE_BAD_LENGTH'],
    ['request of 14 bytes', '0000000e 06 00000000 00000000 00004000 00', 'ERR_WIRE_BAD_LENGTH'],
    ['piece of 8 bytes', '00000008 07 00000000 000000', 'ERR_WIRE_BAD_LENGTH'],
    ['cancel of 12 bytes', '0000000c 08 00000000 00000000 000040', 'ERR_WIRE_BAD_LENGTH'],
    ['port of 2 bytes', '00000002 09 1a', 'ERR_WIRE_BAD_LENGTH'],
    ['suggest of 4 bytes', '00000004 0d 000000', 'ERR_WIRE_BAD_LENGTH'],
    ['have_all with a payload', '00000002 0e 00', 'ERR_WIRE_BAD_LENGTH'],
    ['have_none with a payload', '00000002 0f 00', 'ERR_WIRE_BAD_LENGTH'],
    ['reject of 12 bytes', '0000000c 10 00000000 00000000 000040', 'ERR_WIRE_BAD_LENGTH'],
    ['allowed_fast of 6 bytes', '00000006 11 0000000000', 'ERR_WIRE_BAD_LENGTH'],
    ['extended without its id', '00000001 14', 'ERR_WIRE_BAD_LENGTH'],
    ['a length over the limit', '7fffffff 07', 'ERR_WIRE_TOO_LARGE'],
  ];

  it.each(cases)('%s → %s', (_name, bytes, code) => {
    expect(afterHandshake(msg(bytes)).code).toBe(code);
  });

  it('ignores unknown ids by default (BEP 3) and counts them', () => {
    const decoder = new WireDecoder();
    const { frames, code } = afterHandshake(msg('00000003 63 abcd  00000001 15  00000005 04 00000002'), decoder);
    expect(code).toBeUndefined();
    expect(frames.slice(1)).toEqual([{ type: 'have', index: 2 }]);
    expect(decoder.ignoredMessages).toBe(2);
  });

  it("refuses unknown ids with unknownIds: 'reject'", () => {
    expect(afterHandshake(msg('00000001 63'), new WireDecoder({ unknownIds: 'reject' })).code).toBe('ERR_WIRE_UNKNOWN_ID');
  });

  it('refuses a bad handshake from its first wrong byte', () => {
    const push = (bytes: Buffer): string | undefined => new WireDecoder().push(bytes).error?.code;
    expect(push(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('ERR_WIRE_BAD_HANDSHAKE');
    expect(push(Buffer.from([18]))).toBe('ERR_WIRE_BAD_HANDSHAKE');
    expect(push(Buffer.concat([Buffer.from([19]), Buffer.from('BitTorrent protocoL')]))).toBe('ERR_WIRE_BAD_HANDSHAKE');
    expect(push(HANDSHAKE.subarray(0, 10))).toBeUndefined(); // a correct prefix just waits
  });

  it('keeps the frames before a bad message, then stays failed', () => {
    const decoder = new WireDecoder();
    const first = afterHandshake(msg('00000005 04 00000001  00000002 01 00  00000001 01'), decoder);
    expect(first.frames.slice(1)).toEqual([{ type: 'have', index: 1 }]);
    expect(first.code).toBe('ERR_WIRE_BAD_LENGTH');
    const again = decoder.push(encodeMessage({ type: 'unchoke' }));
    expect(again).toEqual({ frames: [], error: decoder.error });
    expect(decoder.pendingBytes).toBe(0);
  });
});
