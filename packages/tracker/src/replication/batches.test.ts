/** Cutting ops into frames: op and byte limits, one oversized op alone, an unsendable op. */
import { MAX_BATCH_BYTES, MAX_OPS_PER_BATCH, ReplicationMessageSchema, type ReplicatedOp } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';
import { OpTooLargeError, encodeBatches, lacks, mergeVector } from './batches.js';
import { MAX_SENT_FRAME_BYTES } from './constants.js';
import { syntheticHlc } from '../../test/memory-replica-store.js';

const op = (seq: number, hashBytes = 10, origin = 1): ReplicatedOp => ({
  origin,
  seq,
  hlc: syntheticHlc(seq, 0, origin),
  op: { kind: 'user_created', at: new Date(0).toISOString(), userId: `u${seq}`, passwordHash: 'h'.repeat(hashBytes) },
});

describe('encodeBatches', () => {
  it('cuts at MAX_OPS_PER_BATCH ops and keeps the order', () => {
    const ops = Array.from({ length: 2 * MAX_OPS_PER_BATCH + 5 }, (_, i) => op(i + 1));
    const batches = encodeBatches(ops);
    expect(batches.map((b) => b.ops.length)).toEqual([MAX_OPS_PER_BATCH, MAX_OPS_PER_BATCH, 5]);
    expect(batches.flatMap((b) => b.ops)).toEqual(ops);
    expect(batches[2]?.maxima).toEqual({ '1': ops.length });
  });

  it('keeps each frame within MAX_BATCH_BYTES, exactly measured, and valid', () => {
    const ops = Array.from({ length: 12 }, (_, i) => op(i + 1, 1024 * 1024));
    const batches = encodeBatches(ops);
    expect(batches.length).toBeGreaterThan(3);
    for (const b of batches) {
      expect(Buffer.byteLength(b.frame)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
      const parsed = ReplicationMessageSchema.parse(JSON.parse(b.frame));
      expect(parsed).toEqual({ t: 'ops', ops: b.ops });
    }
  });

  it('sends an op bigger than MAX_BATCH_BYTES alone, and refuses one over the frame limit', () => {
    const batches = encodeBatches([op(1), op(2, 10 * 1024 * 1024), op(3)]);
    expect(batches.map((b) => b.ops.map((o) => o.seq))).toEqual([[1], [2], [3]]);
    expect(() => encodeBatches([op(1, MAX_SENT_FRAME_BYTES)])).toThrow(OpTooLargeError);
  });
});

describe('vectors', () => {
  it('merges by maximum and detects what one lacks', () => {
    const v = { '1': 3, '2': 5 };
    mergeVector(v, { '1': 7, '2': 1, '3': 2 });
    expect(v).toEqual({ '1': 7, '2': 5, '3': 2 });
    expect(lacks(v, { '2': 5 })).toBe(false);
    expect(lacks(v, { '4': 1 })).toBe(true);
  });
});
