/**
 * The state machine: applies one op to the database inside the caller's transaction and returns
 * the pushes it causes. A tracker's state is this function folded over its op log in HLC order
 * (store.ts keeps it so), which is what makes trackers that hold the same ops hold the same
 * rows. Every value comes from the op or the rows, never from the clock or the tracker.
 *
 * Handlers check permissions before they write an op, but an op from another tracker may meet a
 * state its origin did not see (a partition, a concurrent change). So apply checks again what
 * must hold whatever the order: the actor's account is current, the actor is a member or the
 * owner, the file exists. An op that fails is ignored; a lost race for an id is recorded as a
 * Conflict so the loser can be told.
 */
import { Bitfield, pieceCount, type Op } from '@groupshare/protocol';
import type { Prisma } from '../generated/prisma/client.js';
import type { Effect } from './effects.js';

type Tx = Prisma.TransactionClient;

/** Where the op sits in the log: its HLC is its identity in conflicts and account checks. */
export interface OpMeta {
  hlc: string;
}

export async function applyOp(tx: Tx, op: Op, meta: OpMeta): Promise<Effect[]> {
  const at = new Date(op.at);
  switch (op.kind) {
    case 'user_created': {
      const existing = await tx.user.findUnique({ where: { id: op.userId } });
      if (!existing) {
        await tx.user.create({ data: { id: op.userId, passwordHash: op.passwordHash, createdAt: at, createdHlc: meta.hlc } });
      } else if (existing.createdHlc !== meta.hlc) {
        // The same id registered on two trackers that could not see each other: the earlier
        // registration (in HLC order) keeps it.
        await recordConflict(tx, meta, { kind: 'user_id_taken', userId: op.userId, subject: op.userId, losingHash: op.passwordHash, at });
      }
      return [];
    }
    case 'session_opened': {
      if (!(await actorIsCurrent(tx, op.userId, op.account))) return [];
      const data = { tokenHash: op.tokenHash, userId: op.userId, peerAddress: op.peerAddress, createdAt: at, expiresAt: new Date(op.expiresAt) };
      await tx.session.upsert({ where: { tokenHash: op.tokenHash }, create: data, update: {} });
      return [];
    }
    case 'session_closed':
      await tx.session.deleteMany({ where: { tokenHash: op.tokenHash } });
      return [];
    case 'group_created': {
      if (!(await actorIsCurrent(tx, op.ownerId, op.account))) return [];
      if (await tx.group.findUnique({ where: { id: op.groupId } })) {
        await recordConflict(tx, meta, { kind: 'group_id_taken', userId: op.ownerId, subject: op.groupId, losingHash: null, at });
        return [];
      }
      await tx.group.create({ data: { id: op.groupId, ownerId: op.ownerId, createdAt: at } });
      await tx.membership.create({ data: { groupId: op.groupId, userId: op.ownerId, joinedAt: at } });
      return [];
    }
    case 'join_requested': {
      if (!(await actorIsCurrent(tx, op.userId, op.account))) return [];
      const group = await tx.group.findUnique({ where: { id: op.groupId } });
      if (!group || (await isMember(tx, op.groupId, op.userId))) return [];
      const key = { groupId_userId: { groupId: op.groupId, userId: op.userId } };
      if (await tx.joinRequest.findUnique({ where: key })) return [];
      await tx.joinRequest.create({ data: { groupId: op.groupId, userId: op.userId, requestedAt: at } });
      return [{ to: [group.ownerId], push: { push: 'join_requested', data: { groupId: op.groupId, userId: op.userId } } }];
    }
    case 'join_resolved': {
      if (!(await actorIsCurrent(tx, op.by, op.account))) return [];
      const group = await tx.group.findUnique({ where: { id: op.groupId } });
      if (!group || group.ownerId !== op.by) return [];
      const removed = await tx.joinRequest.deleteMany({ where: { groupId: op.groupId, userId: op.userId } });
      if (removed.count === 0) return [];
      if (op.accepted && !(await isMember(tx, op.groupId, op.userId))) {
        await tx.membership.create({ data: { groupId: op.groupId, userId: op.userId, joinedAt: at } });
      }
      const push = op.accepted ? 'request_accepted' : 'request_rejected';
      return [{ to: [op.userId], push: { push, data: { groupId: op.groupId } } }];
    }
    case 'member_left':
      if (!(await actorIsCurrent(tx, op.userId, op.account))) return [];
      return applyMemberLeft(tx, op);
    case 'file_shared':
      if (!(await actorIsCurrent(tx, op.userId, op.account))) return [];
      return applyFileShared(tx, op);
    case 'pieces_updated': {
      if (!(await actorIsCurrent(tx, op.userId, op.account))) return [];
      const file = await tx.sharedFile.findUnique({ where: { groupId_infoHash: { groupId: op.groupId, infoHash: op.infoHash } } });
      if (!file || !(await isMember(tx, op.groupId, op.userId))) return [];
      const bits = parseBitfieldOrNull(op.bitfield, pieceCount(Number(file.size), file.pieceLength));
      if (!bits) return []; // a malformed op from another tracker changes nothing, anywhere
      const data = { peerAddress: op.peerAddress, bitfield: new Uint8Array(bits.bytes), complete: bits.isComplete(), updatedAt: at };
      await tx.share.upsert({
        where: { groupId_infoHash_userId: { groupId: op.groupId, infoHash: op.infoHash, userId: op.userId } },
        create: { groupId: op.groupId, infoHash: op.infoHash, userId: op.userId, ...data },
        update: data,
      });
      return [];
    }
    case 'share_stopped':
      if (!(await actorIsCurrent(tx, op.userId, op.account))) return [];
      await tx.share.deleteMany({ where: { groupId: op.groupId, infoHash: op.infoHash, userId: op.userId } });
      return withdrawIfUnshared(tx, op.groupId, [op.infoHash]);
  }
}

function parseBitfieldOrNull(base64: string, count: number): Bitfield | null {
  try {
    return Bitfield.fromBase64(base64, count);
  } catch {
    return null;
  }
}

/** The user exists under the registration the op was made with. */
async function actorIsCurrent(tx: Tx, userId: string, account: string): Promise<boolean> {
  const user = await tx.user.findUnique({ where: { id: userId }, select: { createdHlc: true } });
  return user?.createdHlc === account;
}

async function recordConflict(
  tx: Tx,
  meta: OpMeta,
  conflict: { kind: string; userId: string; subject: string; losingHash: string | null; at: Date },
): Promise<void> {
  await tx.conflict.upsert({ where: { hlc: meta.hlc }, create: { hlc: meta.hlc, ...conflict }, update: {} });
}

async function isMember(tx: Tx, groupId: string, userId: string): Promise<boolean> {
  return (await tx.membership.findUnique({ where: { groupId_userId: { groupId, userId } } })) !== null;
}

async function memberIds(tx: Tx, groupId: string): Promise<string[]> {
  const members = await tx.membership.findMany({ where: { groupId }, select: { userId: true } });
  return members.map((m) => m.userId);
}

async function applyFileShared(tx: Tx, op: Extract<Op, { kind: 'file_shared' }>): Promise<Effect[]> {
  if (!(await isMember(tx, op.groupId, op.userId))) return [];
  const key = { groupId_infoHash: { groupId: op.groupId, infoHash: op.infoHash } };
  const effects: Effect[] = [];
  if (!(await tx.sharedFile.findUnique({ where: key }))) {
    // Two different files may not share a name in a group; the handler refuses that, and an op
    // from another tracker that would break it is ignored (the first in HLC order keeps the name).
    if (await tx.sharedFile.findUnique({ where: { groupId_name: { groupId: op.groupId, name: op.name } } })) return [];
    await tx.sharedFile.create({
      data: {
        groupId: op.groupId,
        infoHash: op.infoHash,
        name: op.name,
        size: BigInt(op.size),
        sha1: op.sha1,
        pieceLength: op.pieceLength,
        pieces: new Uint8Array(Buffer.from(op.pieces, 'hex')),
        sharedBy: op.userId,
        createdAt: new Date(op.at),
      },
    });
    const data = { groupId: op.groupId, name: op.name, infoHash: op.infoHash, size: op.size, sharedBy: op.userId };
    effects.push({ to: await memberIds(tx, op.groupId), push: { push: 'file_shared', data } });
  }
  const full = Bitfield.full(pieceCount(op.size, op.pieceLength));
  const data = { peerAddress: op.peerAddress, bitfield: new Uint8Array(full.bytes), complete: true, updatedAt: new Date(op.at) };
  await tx.share.upsert({
    where: { groupId_infoHash_userId: { groupId: op.groupId, infoHash: op.infoHash, userId: op.userId } },
    create: { groupId: op.groupId, infoHash: op.infoHash, userId: op.userId, ...data },
    update: data,
  });
  return effects;
}

/**
 * A member leaves: their shares in the group go (they may no longer serve its files), files
 * nobody shares any more are withdrawn, and if they owned the group the longest-standing member
 * (earliest join, then lowest user id) becomes owner; the last member leaving deletes the group.
 */
async function applyMemberLeft(tx: Tx, op: Extract<Op, { kind: 'member_left' }>): Promise<Effect[]> {
  const group = await tx.group.findUnique({ where: { id: op.groupId } });
  if (!group) return [];
  const removed = await tx.membership.deleteMany({ where: { groupId: op.groupId, userId: op.userId } });
  if (removed.count === 0) return [];
  const shares = await tx.share.findMany({ where: { groupId: op.groupId, userId: op.userId }, select: { infoHash: true } });
  await tx.share.deleteMany({ where: { groupId: op.groupId, userId: op.userId } });
  const effects = await withdrawIfUnshared(tx, op.groupId, shares.map((s) => s.infoHash));
  if (group.ownerId !== op.userId) return effects;

  const successor = await tx.membership.findFirst({
    where: { groupId: op.groupId },
    orderBy: [{ joinedAt: 'asc' }, { userId: 'asc' }],
  });
  if (!successor) {
    await tx.group.delete({ where: { id: op.groupId } });
    return [];
  }
  await tx.group.update({ where: { id: op.groupId }, data: { ownerId: successor.userId } });
  const data = { groupId: op.groupId, ownerId: successor.userId };
  return [...effects, { to: await memberIds(tx, op.groupId), push: { push: 'owner_changed', data } }];
}

/** Removes the files among `infoHashes` that no peer shares any more, and tells the group. */
async function withdrawIfUnshared(tx: Tx, groupId: string, infoHashes: string[]): Promise<Effect[]> {
  const effects: Effect[] = [];
  for (const infoHash of infoHashes) {
    if ((await tx.share.count({ where: { groupId, infoHash } })) > 0) continue;
    const file = await tx.sharedFile.findUnique({ where: { groupId_infoHash: { groupId, infoHash } } });
    if (!file) continue;
    await tx.sharedFile.delete({ where: { groupId_infoHash: { groupId, infoHash } } });
    const data = { groupId, name: file.name, infoHash };
    effects.push({ to: await memberIds(tx, groupId), push: { push: 'file_withdrawn', data } });
  }
  return effects;
}
