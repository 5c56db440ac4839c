import { describe, expect, it } from 'vitest';

import {
  assertValidGeometry,
  BLOCK_SIZE,
  blockCount,
  blockSize,
  choosePieceLength,
  FileSizeError,
  isValidPieceLength,
  MAX_FILE_SIZE,
  MAX_PIECE_LENGTH,
  MAX_PIECES,
  MIN_PIECE_LENGTH,
  pieceCount,
  pieceOffset,
  PieceLengthError,
  pieceSize,
  TooManyPiecesError,
} from './pieces.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

describe('constants', () => {
  it('have the documented values', () => {
    expect(BLOCK_SIZE).toBe(16_384);
    expect(MIN_PIECE_LENGTH).toBe(16_384);
    expect(MAX_PIECE_LENGTH).toBe(67_108_864);
    expect(MAX_PIECES).toBe(2 ** 18);
    expect(MAX_FILE_SIZE).toBe(2 ** 44);
    expect(Number.isSafeInteger(MAX_FILE_SIZE)).toBe(true);
    // 64 GiB fits in MAX_PIECES pieces of 256 KiB.
    expect(pieceCount(64 * GiB, 256 * KiB)).toBe(MAX_PIECES);
  });
});

describe('pieceCount', () => {
  it('rounds up and gives 0 pieces for an empty file', () => {
    expect(pieceCount(0, 32 * KiB)).toBe(0);
    expect(pieceCount(1, 32 * KiB)).toBe(1);
    expect(pieceCount(32 * KiB, 32 * KiB)).toBe(1);
    expect(pieceCount(32 * KiB + 1, 32 * KiB)).toBe(2);
    expect(pieceCount(100_000, 32_768)).toBe(4);
    expect(pieceCount(65_536, 32_768)).toBe(2);
  });

  it('is exact near 2^53 where floating-point ceil is not', () => {
    const size = Number.MAX_SAFE_INTEGER; // 2^53 - 1
    expect(pieceCount(size, 2)).toBe(2 ** 52);
    expect(pieceCount(size - 1, 2)).toBe(2 ** 52 - 1);
    expect(pieceCount(size, 3)).toBe(Number((BigInt(size) + 2n) / 3n));
  });

  it('rejects invalid arguments with RangeError', () => {
    for (const [size, len] of [
      [-1, 16],
      [1.5, 16],
      [NaN, 16],
      [2 ** 53, 16],
      [10, 0],
      [10, -16],
      [10, 0.5],
      [10, Infinity],
    ] as const) {
      expect(() => pieceCount(size, len), `${size}/${len}`).toThrow(RangeError);
    }
  });
});

describe('pieceSize and pieceOffset', () => {
  it('gives full pieces then the remainder', () => {
    expect([0, 1, 2, 3].map((i) => pieceSize(i, 100_000, 32_768))).toEqual([32_768, 32_768, 32_768, 1_696]);
    expect([0, 1].map((i) => pieceSize(i, 65_536, 32_768))).toEqual([32_768, 32_768]);
    expect(pieceSize(0, 1, 32_768)).toBe(1);
    expect([0, 1, 2, 3].map((i) => pieceOffset(i, 100_000, 32_768))).toEqual([0, 32_768, 65_536, 98_304]);
  });

  it('throws RangeError for indices out of range', () => {
    expect(() => pieceSize(4, 100_000, 32_768)).toThrow(/piece index 4 is out of range: the file has 4 pieces/);
    expect(() => pieceSize(-1, 100_000, 32_768)).toThrow(RangeError);
    expect(() => pieceSize(0.5, 100_000, 32_768)).toThrow(RangeError);
    expect(() => pieceSize(0, 0, 32_768)).toThrow(RangeError); // an empty file has no pieces
    expect(() => pieceOffset(4, 100_000, 32_768)).toThrow(RangeError);
  });
});

describe('isValidPieceLength', () => {
  it('accepts powers of two within the limits only', () => {
    expect(isValidPieceLength(16 * KiB)).toBe(true);
    expect(isValidPieceLength(32 * KiB)).toBe(true);
    expect(isValidPieceLength(64 * MiB)).toBe(true);
    expect(isValidPieceLength(8 * KiB)).toBe(false);
    expect(isValidPieceLength(128 * MiB)).toBe(false);
    expect(isValidPieceLength(48 * KiB)).toBe(false);
    expect(isValidPieceLength(32 * KiB + 1)).toBe(false);
    expect(isValidPieceLength(0)).toBe(false);
    expect(isValidPieceLength(-32 * KiB)).toBe(false);
    expect(isValidPieceLength(NaN)).toBe(false);
    expect(isValidPieceLength(2 ** 32)).toBe(false); // bitwise trick would wrap to 0 here
  });
});

describe('assertValidGeometry', () => {
  it('accepts sizes within the limits', () => {
    expect(() => assertValidGeometry(0, 256 * KiB)).not.toThrow();
    expect(() => assertValidGeometry(64 * GiB, 256 * KiB)).not.toThrow();
    expect(() => assertValidGeometry(MAX_FILE_SIZE, MAX_PIECE_LENGTH)).not.toThrow();
  });

  it('throws a distinct error per condition', () => {
    const err = (f: () => void): unknown => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const tooMany = err(() => assertValidGeometry(64 * GiB + 1, 256 * KiB));
    expect(tooMany).toBeInstanceOf(TooManyPiecesError);
    expect((tooMany as TooManyPiecesError).code).toBe('ERR_TOO_MANY_PIECES');
    const badLen = err(() => assertValidGeometry(100, 48 * KiB));
    expect(badLen).toBeInstanceOf(PieceLengthError);
    expect((badLen as PieceLengthError).code).toBe('ERR_PIECE_LENGTH');
    const badSize = err(() => assertValidGeometry(MAX_FILE_SIZE + 1, MAX_PIECE_LENGTH));
    expect(badSize).toBeInstanceOf(FileSizeError);
    expect((badSize as FileSizeError).code).toBe('ERR_FILE_SIZE');
    expect(err(() => assertValidGeometry(-1, 256 * KiB))).toBeInstanceOf(FileSizeError);
    expect(err(() => assertValidGeometry(1.5, 256 * KiB))).toBeInstanceOf(FileSizeError);
  });
});

describe('choosePieceLength', () => {
  it('follows the documented rule', () => {
    const cases: [number, number][] = [
      [0, 256 * KiB],
      [1, 256 * KiB],
      [100_000, 256 * KiB],
      [512 * MiB, 256 * KiB], // exactly 2048 pieces
      [512 * MiB + 1, 512 * KiB],
      [1 * GiB, 512 * KiB],
      [4 * GiB, 2 * MiB],
      [32 * GiB, 16 * MiB], // exactly 2048 pieces at the cap
      [32 * GiB + 1, 16 * MiB], // cap wins: 2049 pieces
      [1 * TiB, 16 * MiB],
      [4 * TiB, 16 * MiB], // exactly MAX_PIECES at the cap
      [4 * TiB + 1, 32 * MiB], // beyond the cap only because of MAX_PIECES
      [MAX_FILE_SIZE, MAX_PIECE_LENGTH],
    ];
    for (const [size, expected] of cases) {
      expect(choosePieceLength(size), `size ${size}`).toBe(expected);
    }
  });

  it('always yields a geometry that passes assertValidGeometry', () => {
    for (let exp = 0; exp <= 44; exp++) {
      for (const size of [2 ** exp - 1, 2 ** exp, 2 ** exp + 1]) {
        if (size < 0 || size > MAX_FILE_SIZE) continue;
        const len = choosePieceLength(size);
        expect(() => assertValidGeometry(size, len), `size ${size}`).not.toThrow();
        // Minimality: half the length would break the rule (unless already at the floor).
        if (len > 256 * KiB && len <= 16 * MiB) expect(pieceCount(size, len / 2)).toBeGreaterThan(2048);
      }
    }
  });

  it('rejects sizes beyond MAX_FILE_SIZE or not integers', () => {
    expect(() => choosePieceLength(MAX_FILE_SIZE + 1)).toThrow(FileSizeError);
    expect(() => choosePieceLength(-1)).toThrow(FileSizeError);
    expect(() => choosePieceLength(0.5)).toThrow(FileSizeError);
  });
});

describe('blocks', () => {
  it('splits pieces into 16 KiB blocks with a short last block', () => {
    expect(blockCount(256 * KiB)).toBe(16);
    expect(blockCount(1_696)).toBe(1);
    expect(blockCount(0)).toBe(0);
    expect(blockCount(BLOCK_SIZE + 1)).toBe(2);
    expect(blockSize(0, BLOCK_SIZE + 1)).toBe(BLOCK_SIZE);
    expect(blockSize(1, BLOCK_SIZE + 1)).toBe(1);
    expect(blockSize(1, 32 * KiB)).toBe(BLOCK_SIZE);
    expect(() => blockSize(2, 32 * KiB)).toThrow(/block index 2 is out of range: the piece has 2 blocks/);
    expect(() => blockCount(-1)).toThrow(RangeError);
  });
});
