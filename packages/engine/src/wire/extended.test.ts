// BEP 10 extended handshake: our keys round-trip, a stock client's handshake decodes with its
// unknown keys ignored, and every type or limit violation is ERR_WIRE_BAD_EXTENDED_HANDSHAKE.
import { BLOCK_SIZE, MAX_TICKET_LENGTH, bencode, type BencodeValue } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';

import {
  EXTENDED_HANDSHAKE_ID,
  MAX_EXTENDED_HANDSHAKE_BYTES,
  MAX_REQQ,
  MIN_REQQ,
  decodeExtendedHandshake,
  encodeExtendedHandshake,
  extendedHandshakeMessage,
  type ExtendedHandshake,
} from './extended.js';
import { MAX_BLOCK_BYTES, WireError } from './messages.js';

const codeOf = (payload: Uint8Array): string | undefined => {
  try {
    decodeExtendedHandshake(payload);
    return undefined;
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    return err.code;
  }
};
const BAD = 'ERR_WIRE_BAD_EXTENDED_HANDSHAKE';

describe('extended handshake', () => {
  const full: ExtendedHandshake = {
    extensions: new Map([['gs_have_batch', 3], ['ut_metadata', 0]]),
    client: 'groupshare 0.1.0 µ',
    maxRequests: 500,
    listenPort: 6881,
    ticket: 'eyJ2IjoxfQ.c2ln',
    maxBlock: 65536,
  };

  it('round-trips every field', () => {
    expect(decodeExtendedHandshake(encodeExtendedHandshake(full))).toEqual(full);
  });

  it('encodes canonical bencode with our key names, m always present', () => {
    expect(encodeExtendedHandshake({}).toString()).toBe('d1:mdee');
    expect(encodeExtendedHandshake({ ticket: 't', maxBlock: BLOCK_SIZE, maxRequests: 2 }).toString()).toBe(
      'd8:gs_blocki16384e9:gs_ticket1:t1:mde4:reqqi2ee',
    );
  });

  it('defaults gs_block to 16 KiB and leaves absent keys out', () => {
    expect(decodeExtendedHandshake(Buffer.from('de'))).toEqual({ extensions: new Map(), maxBlock: BLOCK_SIZE });
  });

  it("decodes a stock client's handshake, ignoring keys it does not use", () => {
    // What libtorrent sends, roughly: extra keys (e, yourip, metadata_size, upload_only...).
    const libtorrent = bencode({
      e: 0,
      m: { lt_donthave: 7, share_mode: 8, upload_only: 3, ut_holepunch: 4, ut_metadata: 2, ut_pex: 1 },
      metadata_size: 12345,
      p: 51413,
      reqq: 500,
      upload_only: 0,
      v: 'qBittorrent/4.6.2',
      yourip: Buffer.from([127, 0, 0, 1]),
    });
    const h = decodeExtendedHandshake(libtorrent);
    expect(h.extensions.get('ut_metadata')).toBe(2);
    expect(h.extensions.size).toBe(6);
    expect(h).toMatchObject({ client: 'qBittorrent/4.6.2', maxRequests: 500, listenPort: 51413, maxBlock: BLOCK_SIZE });
    expect(h.ticket).toBeUndefined();
  });

  it('builds the whole wire message under extended id 0', () => {
    const msg = extendedHandshakeMessage({ listenPort: 1 });
    expect(msg).toEqual({ type: 'extended', id: EXTENDED_HANDSHAKE_ID, payload: Buffer.from('d1:mde1:pi1ee') });
  });

  const many = (n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, 1]));
  const cases: [string, BencodeValue | Buffer][] = [
    ['not bencode', Buffer.from('d1:m')],
    ['trailing bytes', Buffer.from('dedex')],
    ['a duplicate key, out of order', Buffer.from('d1:pi1e1:mde1:pi2ee')],
    ['a list, not a dictionary', []],
    ['m not a dictionary', { m: 5 }],
    ['m with 65 entries', { m: many(65) }],
    ['an empty extension name', { m: { '': 1 } }],
    ['a 65-byte extension name', { m: { ['a'.repeat(65)]: 1 } }],
    ['an extension id of 256', { m: { ut_pex: 256 } }],
    ['a negative extension id', { m: { ut_pex: -1 } }],
    ['an extension id that is a string', { m: { ut_pex: '1' } }],
    ['v not a string', { v: 1 }],
    ['v not UTF-8', { v: Buffer.from([0xff, 0xfe]) }],
    ['v over 128 bytes', { v: 'x'.repeat(129) }],
    ['reqq a string', { reqq: '5' }],
    ['p 0', { p: 0 }],
    ['p 65536', { p: 65536 }],
    ['gs_ticket an integer', { gs_ticket: 5 }],
    ['gs_ticket empty', { gs_ticket: '' }],
    ['gs_ticket too long', { gs_ticket: 'a'.repeat(MAX_TICKET_LENGTH + 1) }],
    ['gs_block below 16 KiB', { gs_block: BLOCK_SIZE - 1 }],
    ['gs_block above 1 MiB', { gs_block: MAX_BLOCK_BYTES + 1 }],
    ['a payload over the size limit', { pad: Buffer.alloc(MAX_EXTENDED_HANDSHAKE_BYTES) }],
  ];

  it.each(cases)('refuses %s', (_name, value) => {
    expect(codeOf(Buffer.isBuffer(value) ? value : bencode(value))).toBe(BAD);
  });

  it('accepts the limits themselves', () => {
    const edge = { m: { ['a'.repeat(64)]: 255, ...many(63) }, reqq: 2048, p: 65535, gs_block: MAX_BLOCK_BYTES, v: 'x'.repeat(128) };
    expect(codeOf(bencode(edge))).toBeUndefined();
    expect(codeOf(bencode({ reqq: 1, p: 1, gs_block: BLOCK_SIZE, gs_ticket: 'a'.repeat(MAX_TICKET_LENGTH) }))).toBeUndefined();
  });

  it('accepts a stock client\'s unsorted keys and clamps its reqq into range', () => {
    // As some clients write it: `v` before `m`, `reqq` last, and a queue deeper than ours.
    const stock = Buffer.from('d1:v13:Stock 1.2.3.41:md11:ut_metadatai3e6:ut_pexi1ee1:pi6881e4:reqqi5000ee');
    const h = decodeExtendedHandshake(stock);
    expect(h.client).toBe('Stock 1.2.3.4');
    expect([...h.extensions]).toEqual([['ut_metadata', 3], ['ut_pex', 1]]);
    expect(h.listenPort).toBe(6881);
    expect(h.maxRequests).toBe(MAX_REQQ);
    expect(decodeExtendedHandshake(bencode({ reqq: 0 })).maxRequests).toBe(MIN_REQQ);
    expect(decodeExtendedHandshake(bencode({ reqq: -(2n ** 70n) })).maxRequests).toBe(MIN_REQQ);
    expect(decodeExtendedHandshake(bencode({ reqq: 2n ** 70n })).maxRequests).toBe(MAX_REQQ);
  });

  it('keeps "__proto__" an ordinary extension name', () => {
    const h = decodeExtendedHandshake(encodeExtendedHandshake({ extensions: new Map([['__proto__', 9]]) }));
    expect([...h.extensions]).toEqual([['__proto__', 9]]);
  });

  it('refuses to encode what it would refuse to decode', () => {
    expect(() => encodeExtendedHandshake({ maxRequests: 0 })).toThrow(RangeError);
    expect(() => encodeExtendedHandshake({ extensions: new Map([['x', 300]]) })).toThrow(RangeError);
    expect(() => encodeExtendedHandshake({ maxBlock: 100 })).toThrow(RangeError);
  });

  it('only ever returns a value or throws WireError on mutated input (2000 seeds)', () => {
    const base = encodeExtendedHandshake(full);
    let a = 7;
    const rnd = (): number => {
      a = (Math.imul(a, 1103515245) + 12345) >>> 0;
      return a / 2 ** 32;
    };
    const outcomes = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(base);
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      outcomes.add(codeOf(bytes) ?? 'ok'); // codeOf rethrows anything that is not a WireError
    }
    expect(outcomes).toEqual(new Set(['ok', BAD]));
  });
});
