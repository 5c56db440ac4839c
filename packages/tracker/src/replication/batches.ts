/**
 * Pure helpers of the replication pump: version-vector arithmetic and cutting ops into `ops`
 * frames. No I/O, so the size rules are tested exactly and peer-link.ts stays about sockets.
 *
 * A vector maps an origin tracker (decimal string key) to the highest sequence applied from it.
 * Because each tracker applies an origin's ops in sequence order with no gaps, "vector[o] = s"
 * means "has every op of origin o up to s", which is what makes max-merging sound.
 */
import { MAX_BATCH_BYTES, MAX_OPS_PER_BATCH, type ReplicatedOp, type Vector } from '@groupshare/protocol';
import { MAX_SENT_FRAME_BYTES } from './constants.js';

/** Raised for an op whose JSON alone exceeds the frame limit: it can never be sent. */
export class OpTooLargeError extends Error {
  readonly code = 'ERR_REPLICATION_OP_TOO_LARGE';
  override readonly name = 'OpTooLargeError';
  constructor(
    readonly origin: number,
    readonly seq: number,
    readonly bytes: number,
  ) {
    super(`op ${origin}:${seq} is ${bytes} bytes of JSON, over the ${MAX_SENT_FRAME_BYTES}-byte frame limit`);
  }
}

/** Raises each entry of `into` to at least the matching entry of `from`. */
export function mergeVector(into: Vector, from: Vector): void {
  for (const [origin, seq] of Object.entries(from)) {
    if (seq > (into[origin] ?? 0)) into[origin] = seq;
  }
}

/** Raises `into` to cover `ops` (each origin's highest seq among them). */
export function coverOps(into: Vector, ops: readonly ReplicatedOp[]): void {
  for (const { origin, seq } of ops) {
    const key = String(origin);
    if (seq > (into[key] ?? 0)) into[key] = seq;
  }
}

/** True if `have` lacks something `expected` covers: some origin where have < expected. */
export function lacks(have: Vector, expected: Vector): boolean {
  return Object.entries(expected).some(([origin, seq]) => (have[origin] ?? 0) < seq);
}

/** True if `v` already covers `op`. */
export function covers(v: Vector, op: ReplicatedOp): boolean {
  return op.seq <= (v[String(op.origin)] ?? 0);
}

/** One `ops` frame ready to send. */
export interface EncodedBatch {
  /** The JSON text of `{ t: 'ops', ops }`. */
  frame: string;
  ops: ReplicatedOp[];
  /** Each origin's highest seq in the batch: what the peer's ack must cover. */
  maxima: Vector;
}

export interface EncodeLimits {
  maxOps: number;
  /** Target size of a batch's JSON; a single op may exceed it, up to `maxFrameBytes`. */
  maxBatchBytes: number;
  maxFrameBytes: number;
}

const DEFAULT_LIMITS: EncodeLimits = {
  maxOps: MAX_OPS_PER_BATCH,
  maxBatchBytes: MAX_BATCH_BYTES,
  maxFrameBytes: MAX_SENT_FRAME_BYTES,
};

const HEAD = '{"t":"ops","ops":[';
const TAIL = ']}';
/** Room kept in every frame for the `"batch":<n>,` that {@link numberBatch} adds. */
const BATCH_FIELD_BYTES = 28;

/**
 * Cuts `ops` (in order) into frames of at most `maxOps` ops whose JSON stays within
 * `maxBatchBytes`, except that a frame always carries at least one op. Each op is stringified
 * once and the frame is assembled from the pieces, so the byte count is exact.
 *
 * @throws {OpTooLargeError} if one op cannot fit in a frame of `maxFrameBytes`.
 */
export function encodeBatches(ops: readonly ReplicatedOp[], limits: Partial<EncodeLimits> = {}): EncodedBatch[] {
  const { maxOps, maxBatchBytes, maxFrameBytes } = { ...DEFAULT_LIMITS, ...limits };
  const overhead = HEAD.length + TAIL.length + BATCH_FIELD_BYTES;
  const batches: EncodedBatch[] = [];
  let parts: string[] = [];
  let batchOps: ReplicatedOp[] = [];
  let bytes = overhead;

  const flush = (): void => {
    if (batchOps.length === 0) return;
    const maxima: Vector = {};
    coverOps(maxima, batchOps);
    batches.push({ frame: HEAD + parts.join(',') + TAIL, ops: batchOps, maxima });
    parts = [];
    batchOps = [];
    bytes = overhead;
  };

  for (const op of ops) {
    const json = JSON.stringify(op);
    const size = Buffer.byteLength(json);
    if (overhead + size > maxFrameBytes) throw new OpTooLargeError(op.origin, op.seq, size);
    // +1 for the comma before every op but the first.
    const added = batchOps.length === 0 ? size : size + 1;
    if (batchOps.length > 0 && (batchOps.length >= maxOps || bytes + added > maxBatchBytes)) flush();
    bytes += batchOps.length === 0 ? size : size + 1;
    parts.push(json);
    batchOps.push(op);
  }
  flush();
  return batches;
}

/**
 * The frame of an encoded batch with the sender's batch number added (`{"t":"ops","batch":n,…}`),
 * which the receiver names in its ack. Added at send time: a batch may be numbered again when
 * it is resent.
 */
export function numberBatch(frame: string, batch: number): string {
  return `{"t":"ops","batch":${batch},${frame.slice('{"t":"ops",'.length)}`;
}
