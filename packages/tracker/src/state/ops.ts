/**
 * Replicable operations: every change to tracker state is one of these, applied by apply.ts and
 * recorded in the OpLog. An op carries every value its effect needs (timestamps, hashes), so a
 * tracker replaying it later reaches the same rows. Schemas here validate ops that arrive from
 * other trackers (docs/replication.md).
 */
import { z } from 'zod';

const at = z.iso.datetime();
const userId = z.string().min(1);
const groupId = z.string().min(1);
const infoHash = z.string().regex(/^[0-9a-f]{40}$/);

export const OpSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user_created'), at, userId, passwordHash: z.string() }),
  z.object({
    kind: z.literal('session_opened'),
    at,
    tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
    userId,
    peerAddress: z.string().nullable(),
    expiresAt: at,
  }),
  z.object({ kind: z.literal('session_closed'), at, tokenHash: z.string() }),
  z.object({ kind: z.literal('group_created'), at, groupId, ownerId: userId }),
  z.object({ kind: z.literal('join_requested'), at, groupId, userId }),
  z.object({ kind: z.literal('join_resolved'), at, groupId, userId, accepted: z.boolean(), by: userId }),
  z.object({ kind: z.literal('member_left'), at, groupId, userId }),
  z.object({
    kind: z.literal('file_shared'),
    at,
    groupId,
    infoHash,
    name: z.string(),
    size: z.number().int().min(0),
    sha1: z.string(),
    pieceLength: z.number().int().positive(),
    /** Concatenated SHA-1 digests, hex. */
    pieces: z.string(),
    userId,
    peerAddress: z.string(),
  }),
  z.object({
    kind: z.literal('pieces_updated'),
    at,
    groupId,
    infoHash,
    userId,
    peerAddress: z.string(),
    /** The peer's whole bitfield after the update, base64: applying it twice is harmless. */
    bitfield: z.string(),
  }),
  z.object({ kind: z.literal('share_stopped'), at, groupId, infoHash, userId }),
]);

export type Op = z.infer<typeof OpSchema>;
export type OpKind = Op['kind'];
/** An op as a handler writes it; the store stamps `at`. */
export type OpBody = Op extends infer O ? (O extends Op ? Omit<O, 'at'> : never) : never;
