// Encoders: the exact bytes of every message and of the handshake, as BEP 3/5/6/10 lay them out.
// These byte strings are what stock clients parse, so they are written out by hand, not derived.
import { describe, expect, it } from 'vitest';

import {
  HANDSHAKE_LENGTH,
  MessageId,
  encodeHandshake,
  encodeMessage,
  type WireMessage,
} from './messages.js';

const hex = (s: string): string => s.replace(/\s+/g, '');

describe('encodeMessage', () => {
  const cases: [WireMessage, string][] = [
    [{ type: 'keep_alive' }, '00000000'],
    [{ type: 'choke' }, '00000001 00'],
    [{ type: 'unchoke' }, '00000001 01'],
    [{ type: 'interested' }, '00000001 02'],
    [{ type: 'not_interested' }, '00000001 03'],
    [{ type: 'have', index: 0x01020304 }, '00000005 04 01020304'],
    [{ type: 'bitfield', bytes: Buffer.from([0xff, 0x80]) }, '00000003 05 ff80'],
    [{ type: 'request', index: 1, begin: 0x4000, length: 0x4000 }, '0000000d 06 00000001 00004000 00004000'],
    [{ type: 'piece', index: 2, begin: 0x8000, block: Buffer.from('abc') }, '0000000c 07 00000002 00008000 616263'],
    [{ type: 'cancel', index: 1, begin: 0, length: 0x4000 }, '0000000d 08 00000001 00000000 00004000'],
    [{ type: 'port', port: 6881 }, '00000003 09 1ae1'],
    [{ type: 'suggest', index: 7 }, '00000005 0d 00000007'],
    [{ type: 'have_all' }, '00000001 0e'],
    [{ type: 'have_none' }, '00000001 0f'],
    [{ type: 'reject', index: 3, begin: 0x4000, length: 0x4000 }, '0000000d 10 00000003 00004000 00004000'],
    [{ type: 'allowed_fast', index: 0xffffffff }, '00000005 11 ffffffff'],
    [{ type: 'extended', id: 3, payload: Buffer.from('de') }, '00000004 14 03 6465'],
  ];

  it.each(cases)('%o', (msg, expected) => {
    expect(encodeMessage(msg).toString('hex')).toBe(hex(expected));
  });

  it('covers every message id', () => {
    const ids = new Set(cases.map(([m]) => encodeMessage(m)[4]).filter((id) => id !== undefined));
    expect([...ids].sort((a, b) => a - b)).toEqual(Object.values(MessageId).sort((a, b) => a - b));
  });

  it('encodes an empty bitfield and an empty block', () => {
    expect(encodeMessage({ type: 'bitfield', bytes: new Uint8Array(0) }).toString('hex')).toBe('0000000105');
    expect(encodeMessage({ type: 'piece', index: 0, begin: 0, block: Buffer.alloc(0) }).toString('hex')).toBe(
      hex('00000009 07 00000000 00000000'),
    );
  });

  it('refuses values that do not fit their field (caller bugs)', () => {
    expect(() => encodeMessage({ type: 'have', index: -1 })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 'have', index: 2 ** 32 })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 'request', index: 0, begin: 1.5, length: 1 })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 'piece', index: NaN, begin: 0, block: Buffer.alloc(1) })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 'port', port: 65536 })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 'extended', id: 256, payload: Buffer.alloc(0) })).toThrow(RangeError);
  });
});

describe('encodeHandshake', () => {
  const infoHash = Buffer.alloc(20, 0xaa);
  const peerId = Buffer.from('-GS0001-abcdefghijkl');

  it('lays out <19>"BitTorrent protocol"<reserved 8><info_hash 20><peer_id 20>', () => {
    const buf = encodeHandshake({ infoHash, peerId, fast: false, extended: false });
    expect(buf.length).toBe(HANDSHAKE_LENGTH);
    expect(HANDSHAKE_LENGTH).toBe(68);
    expect(buf[0]).toBe(19);
    expect(buf.subarray(1, 20).toString('latin1')).toBe('BitTorrent protocol');
    expect(buf.subarray(20, 28)).toEqual(Buffer.alloc(8));
    expect(buf.subarray(28, 48)).toEqual(infoHash);
    expect(buf.subarray(48, 68)).toEqual(peerId);
  });

  it('sets reserved[7] & 0x04 for fast (BEP 6) and reserved[5] & 0x10 for extended (BEP 10)', () => {
    const reserved = (fast: boolean, extended: boolean): string =>
      encodeHandshake({ infoHash, peerId, fast, extended }).subarray(20, 28).toString('hex');
    expect(reserved(true, false)).toBe('0000000000000004');
    expect(reserved(false, true)).toBe('0000000000100000');
    expect(reserved(true, true)).toBe('0000000000100004');
  });

  it('refuses an info-hash or peer id that is not 20 bytes', () => {
    expect(() => encodeHandshake({ infoHash: Buffer.alloc(19), peerId, fast: false, extended: false })).toThrow(RangeError);
    expect(() => encodeHandshake({ infoHash, peerId: Buffer.alloc(21), fast: false, extended: false })).toThrow(RangeError);
  });
});
