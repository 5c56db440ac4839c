/**
 * Request pipelining: how many block requests to keep in flight to one peer.
 *
 * A peer answers a request about one round trip after we send it, so to keep its link busy we
 * need a bandwidth-delay product's worth of requests outstanding: with fewer, the link idles
 * each round trip; with far more, requests pile up in the peer's queue, and a peer that stalls
 * or leaves takes more blocks with it into time-outs. libtorrent sizes its request queue as
 * `download rate × request_queue_time / block size` (queue time 3 s by default), clamped; we
 * use the measured RTT instead of a fixed queue time, times a headroom factor so the pipeline
 * can grow past the rate it currently allows (see DEFAULT_PIPELINE_HEADROOM).
 */
import { BLOCK_SIZE } from '@groupshare/protocol';

import { DEFAULT_MAX_PIPELINE, DEFAULT_MIN_PIPELINE, DEFAULT_PIPELINE_HEADROOM } from './constants.js';

/** Inputs to {@link pipelineDepth}. */
export interface PipelineDepthInit {
  /** Measured download rate from this peer, bytes per second (e.g. a moving average). */
  bytesPerSecond: number;
  /** Measured round-trip time to this peer, in ms (e.g. request → first byte of the piece). */
  rttMs: number;
  /** Request size in bytes; default BLOCK_SIZE (16 KiB). */
  blockSize?: number;
  /** Lower bound; default {@link DEFAULT_MIN_PIPELINE} (4). */
  min?: number;
  /** Upper bound; default {@link DEFAULT_MAX_PIPELINE} (256). */
  max?: number;
  /** Factor on the bandwidth-delay product; default {@link DEFAULT_PIPELINE_HEADROOM} (2). */
  headroom?: number;
}

/**
 * Requests to keep in flight to one peer:
 *
 * `clamp(ceil(headroom × bytesPerSecond × rttMs / 1000 / blockSize), min, max)`
 *
 * e.g. 1 MiB/s at 100 ms: BDP 104,858 B = 6.4 blocks, ×2 → 13. Unknown or zero rate or RTT
 * (a fresh connection) gives `min`.
 *
 * @throws {RangeError} if `blockSize`, `min`, `max` or `headroom` are not positive, or `min > max`.
 */
export function pipelineDepth(init: PipelineDepthInit): number {
  const blockSize = init.blockSize ?? BLOCK_SIZE;
  const min = init.min ?? DEFAULT_MIN_PIPELINE;
  const max = init.max ?? DEFAULT_MAX_PIPELINE;
  const headroom = init.headroom ?? DEFAULT_PIPELINE_HEADROOM;
  if (!(blockSize > 0) || !(headroom > 0) || !Number.isInteger(min) || min < 1 || !Number.isInteger(max) || max < min) {
    throw new RangeError(`invalid pipeline bounds: blockSize ${blockSize}, min ${min}, max ${max}, headroom ${headroom}`);
  }
  const bdpBytes = (init.bytesPerSecond * init.rttMs) / 1000;
  // NaN, negative or infinite measurements are treated as unknown, not trusted.
  if (!Number.isFinite(bdpBytes) || bdpBytes <= 0) return min;
  return Math.min(max, Math.max(min, Math.ceil((headroom * bdpBytes) / blockSize)));
}
