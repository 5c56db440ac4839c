import { describe, expect, it } from 'vitest';

import { pipelineDepth } from './picker.js';

describe('pipelineDepth', () => {
  it('is twice the bandwidth-delay product in blocks, rounded up', () => {
    // 1 MiB/s × 100 ms = 104,857.6 B = 6.4 blocks; ×2 = 12.8 → 13
    expect(pipelineDepth({ bytesPerSecond: 1024 * 1024, rttMs: 100 })).toBe(13);
    expect(pipelineDepth({ bytesPerSecond: 1024 * 1024, rttMs: 100, headroom: 1 })).toBe(7);
    expect(pipelineDepth({ bytesPerSecond: 1000, rttMs: 1000, blockSize: 100, max: 1000 })).toBe(20);
  });

  it('clamps to [min, max] and treats unknown measurements as min', () => {
    expect(pipelineDepth({ bytesPerSecond: 10_000, rttMs: 10 })).toBe(4);
    expect(pipelineDepth({ bytesPerSecond: 1e9, rttMs: 1000 })).toBe(256);
    expect(pipelineDepth({ bytesPerSecond: 1e9, rttMs: 1000, max: 500 })).toBe(500);
    expect(pipelineDepth({ bytesPerSecond: 0, rttMs: 50 })).toBe(4);
    expect(pipelineDepth({ bytesPerSecond: Number.NaN, rttMs: 50, min: 2 })).toBe(2);
    expect(pipelineDepth({ bytesPerSecond: 1e6, rttMs: -5 })).toBe(4);
  });

  it('rejects bounds that cannot be met', () => {
    expect(() => pipelineDepth({ bytesPerSecond: 1, rttMs: 1, min: 10, max: 5 })).toThrow(RangeError);
    expect(() => pipelineDepth({ bytesPerSecond: 1, rttMs: 1, blockSize: 0 })).toThrow(RangeError);
  });
});
