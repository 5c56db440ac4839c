import { describe, expect, it } from 'vitest';
import { availabilityColumns, COLOURS, pieceBarColumns } from './strip-paint.js';

describe('availability strip', () => {
  it('is red where a covered piece has no online holder, darker where more members hold it', () => {
    const holders = Uint8Array.from([1, 1, 0, 1, 3, 3, 1, 1]);
    const cols = availabilityColumns(4, holders);
    expect(cols[1]).toEqual(COLOURS.noOnlineHolder);
    expect(cols[0]).toEqual(COLOURS.fewHolders);
    expect(cols[2]).toEqual(COLOURS.manyHolders);
  });

  it('summarises 16,384 pieces into a strip quickly', () => {
    const holders = new Uint8Array(16_384).map((_, i) => i % 7);
    const started = performance.now();
    const cols = availabilityColumns(600, holders);
    expect(performance.now() - started).toBeLessThan(50);
    expect(cols).toHaveLength(600);
  });
});

describe('piece bar', () => {
  it('shows held, in-flight and missing pieces apart', () => {
    const cols = pieceBarColumns(3, Uint8Array.from([2, 2, 1, 0, 0, 0]));
    expect(cols).toEqual([COLOURS.held, COLOURS.inFlight, COLOURS.missing]);
  });
});
