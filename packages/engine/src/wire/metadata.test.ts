import { describe, expect, it } from 'vitest';
import { bencode } from '@groupshare/protocol';

import {
  MAX_METADATA_BYTES, METADATA_PIECE_BYTES, decodeMetadataMessage, encodeMetadataMessage, maxMetadataBytesFor, metadataPieceCount,
} from './metadata.js';

const refused = (bytes: Uint8Array): unknown => {
  try {
    decodeMetadataMessage(bytes);
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return 'accepted';
};

describe('ut_metadata messages (BEP 9)', () => {
  it('round-trips requests, rejects and data pieces, in BEP 9 form', () => {
    expect(encodeMetadataMessage({ type: 'request', piece: 2 }).toString()).toBe('d8:msg_typei0e5:piecei2ee');
    const data = Buffer.alloc(100, 1);
    const bytes = encodeMetadataMessage({ type: 'data', piece: 1, totalSize: METADATA_PIECE_BYTES + 100, data });
    expect(bytes.subarray(0, 45).toString()).toBe('d8:msg_typei1e5:piecei1e10:total_sizei16484ee');
    expect(decodeMetadataMessage(bytes)).toEqual({ type: 'data', piece: 1, totalSize: METADATA_PIECE_BYTES + 100, data });
    expect(decodeMetadataMessage(encodeMetadataMessage({ type: 'reject', piece: 0 }))).toEqual({ type: 'reject', piece: 0 });
  });

  it('accepts keys in any order (stock clients write them unsorted)', () => {
    expect(decodeMetadataMessage(Buffer.from('d5:piecei3e8:msg_typei0ee'))).toEqual({ type: 'request', piece: 3 });
  });

  it('refuses oversized, truncated, overlong and garbage messages with ERR_WIRE_BAD_METADATA_MESSAGE', () => {
    const code = 'ERR_WIRE_BAD_METADATA_MESSAGE';
    const head = (d: object): Buffer => bencode(d as never);
    expect(refused(Buffer.concat([head({ msg_type: 1, piece: 0, total_size: MAX_METADATA_BYTES + 1 }), Buffer.alloc(METADATA_PIECE_BYTES)]))).toBe(code);
    expect(refused(Buffer.concat([head({ msg_type: 1, piece: 0, total_size: 100 }), Buffer.alloc(99)]))).toBe(code);
    expect(refused(Buffer.concat([head({ msg_type: 1, piece: 0, total_size: 100 }), Buffer.alloc(101)]))).toBe(code);
    expect(refused(Buffer.concat([head({ msg_type: 1, piece: 1, total_size: 100 }), Buffer.alloc(100)]))).toBe(code);
    expect(refused(Buffer.concat([head({ msg_type: 0, piece: 0 }), Buffer.from('x')]))).toBe(code);
    expect(refused(head({ msg_type: 7, piece: 0 }))).toBe(code);
    expect(refused(head({ msg_type: 0, piece: -1 }))).toBe(code);
    expect(refused(Buffer.from(`d${'1:a'.repeat(40)}e`))).toBe(code); // no dictionary within the header bound
    expect(refused(Buffer.from('garbage'))).toBe(code);
    expect(refused(new Uint8Array(0))).toBe(code);
  });

  it('bounds the metadata of a file by its size: one hash per smallest piece', () => {
    expect(maxMetadataBytesFor(1)).toBe(20 + 1024);
    expect(maxMetadataBytesFor(1024 * 1024)).toBe(64 * 20 + 1024);
    expect(maxMetadataBytesFor(Number.MAX_SAFE_INTEGER)).toBe(MAX_METADATA_BYTES);
    expect(metadataPieceCount(MAX_METADATA_BYTES)).toBe(321);
  });
});
