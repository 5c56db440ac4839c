import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { bdecode, bdecodeSpan, BencodeError, type BencodeValue } from './bencode.js';
import {
  FileInfoError,
  hashPieces,
  infoDictionary,
  infoHash,
  parseInfoDictionary,
  PiecesMismatchError,
  SHA1_LENGTH,
  torrentInfoHash,
  type FileInfo,
} from './info-hash.js';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url));

/** The fixture data: byte i is (i * 31 + 7) % 251 (see test/fixtures/README.md). */
function fixtureBytes(length: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (i * 31 + 7) % 251;
  return data;
}

/** Per-piece SHA-1 computed here with node:crypto, independently of hashPieces. */
function pieceDigests(data: Uint8Array, pieceLength: number): Buffer {
  const digests: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += pieceLength) {
    digests.push(createHash('sha1').update(data.subarray(offset, offset + pieceLength)).digest());
  }
  return Buffer.concat(digests);
}

const sha1Hex = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex');

// Expected hashes come from an independent implementation, not from this code:
//   mktorrent 1.1 (Debian 1.1-3) made the .torrent files, and
//   `transmission-show test/fixtures/<name>.torrent` (transmission-cli 3.00, Debian
//   3.00-2.1+deb12u1) printed the "Hash:" lines below. Commands: test/fixtures/README.md.
const FIXTURES = [
  {
    torrent: 'groupshare-fixture.torrent',
    name: 'groupshare-fixture.bin',
    length: 100_000, // not a multiple of the piece length: last piece is 1,696 bytes
    // transmission-show groupshare-fixture.torrent → "Hash: e74e4434f612de01b04ff3c5788ba88b576ae95d"
    hash: 'e74e4434f612de01b04ff3c5788ba88b576ae95d',
  },
  {
    torrent: 'groupshare-fixture-aligned.torrent',
    name: 'groupshare-fixture-aligned.bin',
    length: 65_536, // exactly two pieces; the .torrent also has announce, comment and url-list
    // transmission-show groupshare-fixture-aligned.torrent → "Hash: 185741ada2ec4aee92f6eccb9aed8ed39b0f95b8"
    hash: '185741ada2ec4aee92f6eccb9aed8ed39b0f95b8',
  },
] as const;

const PIECE_LENGTH = 2 ** 15; // mktorrent -l 15

describe.each(FIXTURES)('against $torrent (mktorrent + transmission-show)', (fx) => {
  const torrentBytes = fixture(fx.torrent);
  const info: FileInfo = {
    name: fx.name,
    length: fx.length,
    pieceLength: PIECE_LENGTH,
    pieces: pieceDigests(fixtureBytes(fx.length), PIECE_LENGTH),
  };

  it('infoHash matches the hash transmission-show printed', () => {
    expect(infoHash(info)).toBe(fx.hash);
  });

  it('SHA-1 of the .torrent info span matches too', () => {
    const span = bdecodeSpan(torrentBytes, 'info');
    expect(span).toBeDefined();
    expect(sha1Hex(span as Uint8Array)).toBe(fx.hash);
    expect(torrentInfoHash(torrentBytes)).toBe(fx.hash);
  });

  it('infoDictionary reproduces the .torrent info bytes exactly', () => {
    const span = bdecodeSpan(torrentBytes, 'info') as Uint8Array;
    expect(infoDictionary(info).equals(span)).toBe(true);
  });

  it('hashPieces agrees with the .torrent pieces', () => {
    const torrent = bdecode(torrentBytes) as Record<string, BencodeValue>;
    const pieces = (torrent['info'] as Record<string, BencodeValue>)['pieces'] as Buffer;
    expect(hashPieces(fixtureBytes(fx.length), PIECE_LENGTH).equals(pieces)).toBe(true);
    expect(pieces.length).toBe(SHA1_LENGTH * Math.ceil(fx.length / PIECE_LENGTH));
  });

  it('parseInfoDictionary reads the info dictionary back', () => {
    const parsed = parseInfoDictionary(bdecodeSpan(torrentBytes, 'info') as Uint8Array);
    expect(parsed.name).toBe(fx.name);
    expect(parsed.length).toBe(fx.length);
    expect(parsed.pieceLength).toBe(PIECE_LENGTH);
    expect(Buffer.from(parsed.pieces).equals(info.pieces)).toBe(true);
  });
});

describe('infoDictionary', () => {
  const base: FileInfo = { name: 'a.txt', length: 3, pieceLength: 16_384, pieces: Buffer.alloc(20, 1) };

  it('has exactly the four BEP 3 single-file keys, sorted', () => {
    expect(infoDictionary(base).toString('latin1')).toBe(
      `d6:lengthi3e4:name5:a.txt12:piece lengthi16384e6:pieces20:${'\x01'.repeat(20)}e`,
    );
  });

  it('encodes the name as UTF-8', () => {
    const bytes = infoDictionary({ ...base, name: 'résumé.pdf' });
    expect(bytes.includes(Buffer.concat([Buffer.from('12:'), Buffer.from('résumé.pdf', 'utf8')]))).toBe(true);
    expect(parseInfoDictionary(bytes).name).toBe('résumé.pdf');
  });

  it('handles an empty file (no pieces)', () => {
    const empty: FileInfo = { name: 'empty', length: 0, pieceLength: 16_384, pieces: new Uint8Array(0) };
    expect(infoDictionary(empty).toString('latin1')).toBe('d6:lengthi0e4:name5:empty12:piece lengthi16384e6:pieces0:e');
    expect(infoHash(empty)).toBe(sha1Hex(infoDictionary(empty)));
  });

  it('throws ERR_PIECES_MISMATCH when pieces is not 20 bytes per piece', () => {
    for (const pieces of [Buffer.alloc(0), Buffer.alloc(19), Buffer.alloc(21), Buffer.alloc(40)]) {
      let err: unknown;
      try {
        infoHash({ ...base, pieces });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PiecesMismatchError);
      expect((err as PiecesMismatchError).code).toBe('ERR_PIECES_MISMATCH');
    }
    expect(() => infoHash({ ...base, length: 16_385 })).toThrow(/pieces must be 20 × 2 = 40 bytes/);
    expect(() => infoHash({ ...base, pieces: 'x' as unknown as Uint8Array })).toThrow(PiecesMismatchError);
  });

  it('rejects structurally invalid fields with FileInfoError', () => {
    for (const bad of [
      { ...base, name: '' },
      { ...base, length: -1 },
      { ...base, length: 1.5 },
      { ...base, pieceLength: 0 },
      { ...base, pieceLength: NaN },
    ]) {
      expect(() => infoDictionary(bad), JSON.stringify(bad)).toThrow(FileInfoError);
    }
    expect(() => infoDictionary({ ...base, name: '\uD800' })).toThrow(BencodeError);
  });

  it('depends on every field', () => {
    const h = infoHash(base);
    expect(infoHash({ ...base, name: 'b.txt' })).not.toBe(h);
    expect(infoHash({ ...base, length: 4 })).not.toBe(h);
    expect(infoHash({ ...base, pieceLength: 32_768 })).not.toBe(h);
    expect(infoHash({ ...base, pieces: Buffer.alloc(20, 2) })).not.toBe(h);
    expect(h).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('parseInfoDictionary', () => {
  const enc = (s: string): Buffer => Buffer.from(s, 'latin1');
  const pieces = `6:pieces20:${'\x01'.repeat(20)}`;

  it('rejects extra or missing keys', () => {
    expect(() =>
      parseInfoDictionary(enc(`d6:lengthi3e4:name1:a12:piece lengthi16384e${pieces}7:privatei1ee`)),
    ).toThrow(/exactly the keys/);
    expect(() => parseInfoDictionary(enc(`d4:name1:a12:piece lengthi16384e${pieces}e`))).toThrow(FileInfoError);
    expect(() => parseInfoDictionary(enc('le'))).toThrow(/not a dictionary/);
  });

  it('rejects wrong value types, bad UTF-8 names and mismatched pieces', () => {
    expect(() => parseInfoDictionary(enc(`d6:length1:34:name1:a12:piece lengthi16384e${pieces}e`))).toThrow(
      /length is not a safe integer/,
    );
    expect(() => parseInfoDictionary(enc(`d6:lengthi3e4:namei1e12:piece lengthi16384e${pieces}e`))).toThrow(
      /name is not a byte string/,
    );
    expect(() => parseInfoDictionary(enc(`d6:lengthi3e4:name1:\xff12:piece lengthi16384e${pieces}e`))).toThrow(
      /not valid UTF-8/,
    );
    expect(() => parseInfoDictionary(enc(`d6:lengthi99999e4:name1:a12:piece lengthi16384e${pieces}e`))).toThrow(
      PiecesMismatchError,
    );
    expect(() => parseInfoDictionary(enc('d6:lengthi3e'))).toThrow(BencodeError);
  });
});

describe('torrentInfoHash', () => {
  it('requires an info dictionary', () => {
    expect(() => torrentInfoHash(Buffer.from('d8:announce1:xe'))).toThrow(FileInfoError);
    expect(() => torrentInfoHash(Buffer.from('d4:infoi1ee'))).toThrow(FileInfoError);
    expect(() => torrentInfoHash(Buffer.from('d4:info'))).toThrow(BencodeError);
  });
});
