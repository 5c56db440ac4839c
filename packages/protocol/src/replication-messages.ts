/**
 * Tracker ↔ tracker messages on the replication WebSocket (`/replication`). One JSON text frame
 * per message, discriminated by `t`. The exchange (docs/replication.md):
 *
 *   both:  hello { tracker, nonce }      who I am, and a challenge for you
 *   both:  auth  { mac }                  HMAC of both nonces under the cluster secret
 *   both:  vector { vector }              the highest sequence I applied from each origin
 *                                         (after auth, then again every few seconds)
 *   both:  ops   { batch, ops }           what you lack, in my application order (causal)
 *   both:  ack   { batch, vector }        batch applied; what I have applied now (flow control, compaction)
 *   both:  presence { online }            who is logged in on me (soft state, not logged)
 *   both:  snapshot { horizon, vector, … } compacted state, for a peer that lacks compacted ops
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

import { natural } from './natural.js';
import { OpSchema } from './replication-ops.js';

export const REPLICATION_PATH = '/replication';
export const REPLICATION_PROTOCOL_VERSION = 1;

/** Largest replication frame: a batch may carry a few 10 MiB share_file ops. */
export const MAX_REPLICATION_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Senders cut batches at this many ops or this many bytes of JSON, whichever comes first. */
export const MAX_OPS_PER_BATCH = 2_000;
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** Most (user, peer address) pairs one tracker may report online. */
export const MAX_PRESENCE_ENTRIES = 200_000;

/** HLC timestamp `<15-digit ms>-<6-digit counter>-<5-digit tracker>` (tracker state/hlc.ts). */
export const HlcSchema = z.string().regex(/^\d{15}-\d{6}-\d{5}$/);

/**
 * Origins are chosen at random per database (tracker state/store.ts), so they are any positive
 * 31-bit integer; the tracker *number* is in the HLC instead.
 */
export const ReplicatedOpSchema = z.object({
  origin: z.number().int().min(1).max(2 ** 31 - 1),
  seq: z.number().int().min(1),
  hlc: HlcSchema,
  op: OpSchema,
});
export type ReplicatedOp = z.infer<typeof ReplicatedOpSchema>;

/** origin (as a decimal string key) → highest sequence applied from it. */
export const VectorSchema = z.record(z.string().regex(/^[1-9]\d{0,9}$/), natural());
export type Vector = Record<string, number>;

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));

export const ReplicationMessageSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('hello'), version: z.literal(REPLICATION_PROTOCOL_VERSION), tracker: z.number().int().min(1), nonce: hex(32) }),
  z.object({ t: z.literal('auth'), mac: hex(32) }),
  // `clock`: the sender's HLC, read just before the vector, so any op it writes later has a
  // later HLC. Trackers use it to know when a range of the log is safe to compact.
  z.object({ t: z.literal('vector'), vector: VectorSchema, clock: HlcSchema.optional() }),
  // `batch`: the sender's number for this batch (1, 2, … per link), which the ack names, so a
  // lost frame is noticed (an ack for a later batch, or none in time) and its ops are resent.
  // Optional: a tracker built before it sends none, and is acked in order as before.
  z.object({ t: z.literal('ops'), batch: natural().optional(), ops: z.array(ReplicatedOpSchema).max(MAX_OPS_PER_BATCH) }),
  z.object({ t: z.literal('ack'), batch: natural().optional(), vector: VectorSchema, clock: HlcSchema.optional() }),
  /**
   * The sender compacted ops the receiver lacks: its snapshot (state as of `horizon`, covering
   * `vector`), in parts of at most MAX_BATCH_BYTES of rows; the receiver installs it after the
   * last part and answers with a fresh `vector`.
   */
  z.object({
    t: z.literal('snapshot'),
    horizon: HlcSchema,
    vector: VectorSchema,
    part: natural(),
    last: z.boolean(),
    rows: z.string().max(2 * MAX_BATCH_BYTES),
  }),
  /**
   * Soft state, not logged: every (user, peer address) logged in on the sender right now. Sent
   * whole when the link goes live and after each change; forgotten when the link closes.
   */
  z.object({ t: z.literal('presence'), online: z.array(z.tuple([z.string().max(128), z.string().max(300)])).max(MAX_PRESENCE_ENTRIES) }),
]);
export type ReplicationMessage = z.infer<typeof ReplicationMessageSchema>;

/**
 * The proof a tracker sends that it knows the cluster secret: an HMAC over both nonces and both
 * tracker numbers, so it cannot be replayed on another link or in the other direction.
 */
export function replicationMac(secret: string, from: number, to: number, fromNonce: string, toNonce: string): string {
  return createHmac('sha256', secret).update(`groupshare-replication-v1\n${from}\n${to}\n${fromNonce}\n${toNonce}`).digest('hex');
}

/** Constant-time comparison of two hex MACs. */
export function macEquals(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
