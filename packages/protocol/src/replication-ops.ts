/**
 * Replicable operations: every change to tracker state is one of these, applied by the tracker's
 * state machine (packages/tracker/src/state/apply.ts) and recorded in its op log. An op carries
 * every value its effect needs (timestamps, hashes), so a tracker replaying it later reaches the
 * same rows. These schemas validate ops that arrive from other trackers (docs/replication.md).
 */
import { z } from 'zod';

import { natural } from './natural.js';

const at = z.iso.datetime();
/** Most sessions one `sessions_expired` op names (a sweep with more makes several ops). */
export const MAX_SESSIONS_PER_SWEEP = 500;
const userId = z.string().min(1);
const groupId = z.string().min(1);
const infoHash = z.string().regex(/^[0-9a-f]{40}$/);
/**
 * The acting user's account incarnation: the HLC of the registration they logged in under. An op
 * whose account is not the user's current one was made under a registration that lost a conflict
 * and is ignored (docs/replication.md).
 */
const account = z.string().min(1);

export const OpSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user_created'), at, userId, passwordHash: z.string() }),
  z.object({
    kind: z.literal('session_opened'),
    account,
    at,
    tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
    userId,
    peerAddress: z.string().nullable(),
    expiresAt: at,
  }),
  /**
   * A logout. `userId` names whose session it was (ops made before it was added lack it: they
   * are then ordered against every other op, docs/replication.md).
   */
  z.object({ kind: z.literal('session_closed'), at, tokenHash: z.string(), userId: userId.optional() }),
  /**
   * Sessions past their expiry, swept by one tracker: every tracker deletes exactly these (each
   * only if it has expired by the op's `at`), so all of them agree on which sessions exist.
   */
  z.object({
    kind: z.literal('sessions_expired'),
    at,
    sessions: z.array(z.object({ tokenHash: z.string(), userId })).min(1).max(MAX_SESSIONS_PER_SWEEP),
  }),
  z.object({ kind: z.literal('group_created'), at, account, groupId, ownerId: userId }),
  z.object({ kind: z.literal('join_requested'), at, account, groupId, userId }),
  z.object({ kind: z.literal('join_resolved'), at, account, groupId, userId, accepted: z.boolean(), by: userId }),
  z.object({ kind: z.literal('member_left'), at, account, groupId, userId }),
  z.object({
    kind: z.literal('file_shared'),
    account,
    at,
    groupId,
    infoHash,
    name: z.string(),
    size: natural(),
    sha1: z.string(),
    pieceLength: z.number().int().positive(),
    /** Concatenated SHA-1 digests, hex. */
    pieces: z.string(),
    userId,
    peerAddress: z.string(),
  }),
  z.object({
    kind: z.literal('pieces_updated'),
    account,
    at,
    groupId,
    infoHash,
    userId,
    peerAddress: z.string(),
    /** The peer's whole bitfield after the update, base64: applying it twice is harmless. */
    bitfield: z.string(),
  }),
  z.object({ kind: z.literal('share_stopped'), at, account, groupId, infoHash, userId }),
  // Made by the operator on a tracker's console, not by a client: they carry no actor account.
  /** The account goes with everything of theirs; their groups pass on as when they leave. */
  z.object({ kind: z.literal('user_removed'), at, userId }),
  /** A new password: every session of the user ends, and so does the account incarnation they acted under. */
  z.object({ kind: z.literal('password_reset'), at, userId, passwordHash: z.string() }),
  /** Whether clients may create accounts themselves (`register`). */
  z.object({ kind: z.literal('registration_set'), at, open: z.boolean() }),
]);

export type Op = z.infer<typeof OpSchema>;
export type OpKind = Op['kind'];
