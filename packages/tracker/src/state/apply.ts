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
import { applySessionClosed, applySessionOpened, applySessionsExpired } from './apply-sessions.js';
import type { Effect } from './effects.js';
import type { StateRows } from './sql/state-rows.js';
import { REGISTRATION_SETTING } from './settings.js';

/** Where the op sits in the log: its HLC is its identity in conflicts and account checks. */
export interface OpMeta {
  hlc: string;
}

/**
 * Applies `op` to the rows, inside the caller's transaction. Synchronous: every read and write
 * is a prepared statement (sql/state-rows.ts), so a batch of ops is applied without yielding.
 */
export function applyOp(rows: StateRows, op: Op, meta: OpMeta): Effect[] {
  const at = op.at;
  switch (op.kind) {
    case 'user_created': {
      const existing = rows.userAccount(op.userId);
      if (existing === undefined) {
        rows.insertUser({ id: op.userId, passwordHash: op.passwordHash, createdAt: at, createdHlc: meta.hlc });
      } else if (existing !== meta.hlc) {
        // The same id registered on two trackers that could not see each other: the earlier
        // registration (in HLC order) keeps it.
        rows.insertConflict({ hlc: meta.hlc, kind: 'user_id_taken', userId: op.userId, subject: op.userId, losingHash: op.passwordHash, at });
      }
      return [];
    }
    case 'session_opened':
      return applySessionOpened(rows, op, actorIsCurrent);
    case 'session_closed':
      return applySessionClosed(rows, op);
    case 'sessions_expired':
      return applySessionsExpired(rows, op);
    case 'group_created': {
      if (!actorIsCurrent(rows, op.ownerId, op.account)) return [];
      if (rows.groupOwner(op.groupId) !== undefined) {
        rows.insertConflict({ hlc: meta.hlc, kind: 'group_id_taken', userId: op.ownerId, subject: op.groupId, losingHash: null, at });
        // The loser owned the id on its tracker until now, and may hold its LAN key: a membership
        // that ended, as far as the key is concerned.
        return keyRotated(rows, op.groupId, [op.ownerId]);
      }
      rows.insertGroup({ id: op.groupId, ownerId: op.ownerId, createdAt: at });
      rows.insertMembership(op.groupId, op.ownerId, at);
      return [];
    }
    case 'join_requested': {
      if (!actorIsCurrent(rows, op.userId, op.account)) return [];
      const ownerId = rows.groupOwner(op.groupId);
      if (ownerId === undefined || rows.isMember(op.groupId, op.userId)) return [];
      if (rows.hasRequest(op.groupId, op.userId)) return [];
      rows.insertRequest(op.groupId, op.userId, at);
      return [{ to: [ownerId], push: { push: 'join_requested', data: { groupId: op.groupId, userId: op.userId } } }];
    }
    case 'join_resolved': {
      if (!actorIsCurrent(rows, op.by, op.account)) return [];
      if (rows.groupOwner(op.groupId) !== op.by) return [];
      if (!rows.deleteRequest(op.groupId, op.userId)) return [];
      if (op.accepted && !rows.isMember(op.groupId, op.userId)) rows.insertMembership(op.groupId, op.userId, at);
      const push = op.accepted ? 'request_accepted' : 'request_rejected';
      return [{ to: [op.userId], push: { push, data: { groupId: op.groupId } } }];
    }
    case 'member_left':
      if (!actorIsCurrent(rows, op.userId, op.account)) return [];
      return applyMemberLeft(rows, op);
    case 'file_shared':
      if (!actorIsCurrent(rows, op.userId, op.account)) return [];
      return applyFileShared(rows, op);
    case 'pieces_updated': {
      if (!actorIsCurrent(rows, op.userId, op.account)) return [];
      const file = rows.file(op.groupId, op.infoHash);
      if (!file || !rows.isMember(op.groupId, op.userId)) return [];
      const bits = parseBitfieldOrNull(op.bitfield, pieceCount(file.size, file.pieceLength));
      if (!bits) return []; // a malformed op from another tracker changes nothing, anywhere
      const cameOnline = rows.shareServing(op.groupId, op.infoHash, op.userId) !== true && bits.count() > 0;
      rows.upsertShare({
        groupId: op.groupId,
        infoHash: op.infoHash,
        userId: op.userId,
        peerAddress: op.peerAddress,
        bitfield: Buffer.from(bits.bytes),
        complete: bits.isComplete(),
        serving: true,
        updatedAt: at,
      });
      return cameOnline ? holderOnline(rows, op) : [];
    }
    case 'share_stopped':
      if (!actorIsCurrent(rows, op.userId, op.account)) return [];
      rows.deleteShare(op.groupId, op.infoHash, op.userId);
      return withdrawIfUnshared(rows, op.groupId, [op.infoHash]);
    case 'user_removed':
      return applyUserRemoved(rows, op.userId);
    case 'password_reset': {
      if (rows.userAccount(op.userId) === undefined) return [];
      // A new incarnation: ops made under a session from before the reset (on a tracker that
      // had not seen it yet) fail the account check, and so does a login with the old password.
      rows.setPassword(op.userId, op.passwordHash, meta.hlc);
      rows.deleteSessionsOf(op.userId);
      return [{ endSessionsOf: op.userId, reason: "the tracker's operator reset your password; log in with the new one" }];
    }
    case 'registration_set':
      rows.putSetting(REGISTRATION_SETTING, op.open ? 'open' : 'closed');
      return [];
  }
}

/**
 * The operator removes a user: they leave every group they are in exactly as `leave_group`
 * does (shares withdrawn, ownership handed on, a group left empty deleted), in group id order;
 * then the account goes with its sessions, join requests and the notices kept for it. Their
 * connections on every tracker are logged out (the effect comes first, so they are not also
 * sent the pushes their leaving causes).
 */
function applyUserRemoved(rows: StateRows, userId: string): Effect[] {
  if (rows.userAccount(userId) === undefined) return [];
  const effects: Effect[] = [{ endSessionsOf: userId, reason: "the tracker's operator removed your account" }];
  for (const groupId of rows.groupsOf(userId)) effects.push(...applyMemberLeft(rows, { groupId, userId }));
  rows.deleteNoticesOf(userId);
  rows.deleteUser(userId);
  return effects;
}

function parseBitfieldOrNull(base64: string, count: number): Bitfield | null {
  try {
    return Bitfield.fromBase64(base64, count);
  } catch {
    return null;
  }
}

/** The user exists under the registration the op was made with. */
function actorIsCurrent(rows: StateRows, userId: string, account: string): boolean {
  return rows.userAccount(userId) === account;
}

function applyFileShared(rows: StateRows, op: Extract<Op, { kind: 'file_shared' }>): Effect[] {
  if (!rows.isMember(op.groupId, op.userId)) return [];
  const effects: Effect[] = [];
  if (!rows.file(op.groupId, op.infoHash)) {
    // Two different files may not share a name in a group; the handler refuses that, and an op
    // from another tracker that would break it is ignored (the first in HLC order keeps the name).
    if (rows.fileNameTaken(op.groupId, op.name)) return [];
    rows.insertFile({
      groupId: op.groupId,
      infoHash: op.infoHash,
      name: op.name,
      size: op.size,
      sha1: op.sha1,
      pieceLength: op.pieceLength,
      pieces: Buffer.from(op.pieces, 'hex'),
      sharedBy: op.userId,
      createdAt: op.at,
    });
    const data = { groupId: op.groupId, name: op.name, infoHash: op.infoHash, size: op.size, sharedBy: op.userId };
    effects.push({ to: rows.memberIds(op.groupId), push: { push: 'file_shared', data } });
  }
  const full = Bitfield.full(pieceCount(op.size, op.pieceLength));
  const cameOnline = rows.shareServing(op.groupId, op.infoHash, op.userId) !== true;
  rows.upsertShare({
    groupId: op.groupId,
    infoHash: op.infoHash,
    userId: op.userId,
    peerAddress: op.peerAddress,
    bitfield: Buffer.from(full.bytes),
    complete: true,
    serving: true,
    updatedAt: op.at,
  });
  return cameOnline ? [...effects, ...holderOnline(rows, op)] : effects;
}

/**
 * Tells the file's downloaders that a holder of its pieces came online, so a download waiting
 * for pieces nobody online had asks for peers at once instead of at its next refresh.
 */
function holderOnline(rows: StateRows, op: { groupId: string; infoHash: string; userId: string }): Effect[] {
  const to = rows.downloadersOf(op.groupId, op.infoHash).filter((u) => u !== op.userId);
  if (to.length === 0) return [];
  return [{ to, push: { push: 'holder_online', data: { groupId: op.groupId, infoHash: op.infoHash, userId: op.userId } } }];
}

/**
 * A member leaves: their shares in the group go (they may no longer serve its files), files
 * nobody shares any more are withdrawn, and if they owned the group the longest-standing member
 * (earliest join, then lowest user id) becomes owner; the last member leaving deletes the group.
 * Either way the group's LAN key moves to its next epoch, so what the group announces on the LAN
 * from now on is sealed under a key the one who left never gets.
 */
function applyMemberLeft(rows: StateRows, op: { groupId: string; userId: string }): Effect[] {
  const ownerId = rows.groupOwner(op.groupId);
  if (ownerId === undefined) return [];
  if (!rows.deleteMembership(op.groupId, op.userId)) return [];
  const shares = rows.sharesOf(op.groupId, op.userId);
  rows.deleteSharesOf(op.groupId, op.userId);
  const withdrawn = withdrawIfUnshared(rows, op.groupId, shares);
  const rotated = keyRotated(rows, op.groupId, [op.userId]);
  const effects = [...withdrawn, ...rotated];
  if (ownerId !== op.userId) return effects;

  const successor = rows.successor(op.groupId);
  if (successor === undefined) {
    rows.deleteGroup(op.groupId);
    return rotated; // nobody is left to tell of withdrawn files
  }
  rows.setGroupOwner(op.groupId, successor);
  const data = { groupId: op.groupId, ownerId: successor };
  return [...effects, { to: rows.memberIds(op.groupId), push: { push: 'owner_changed', data } }];
}

/**
 * Raises the group's LAN key epoch (a membership ended) and tells its members, so their clients
 * fetch the new key at once, and `gone` (who lost the membership), so theirs forget the group.
 * Members offline now get the new key at their next login.
 */
function keyRotated(rows: StateRows, groupId: string, gone: readonly string[]): Effect[] {
  const epoch = rows.raiseKeyEpoch(groupId);
  return [{ to: [...rows.memberIds(groupId), ...gone], push: { push: 'lan_key_changed', data: { groupId, epoch } } }];
}

/**
 * Removes the files among `infoHashes` that no peer holds any piece of any more (with the empty
 * shares of their would-be downloaders), and tells the group.
 */
function withdrawIfUnshared(rows: StateRows, groupId: string, infoHashes: string[]): Effect[] {
  const effects: Effect[] = [];
  for (const infoHash of infoHashes) {
    if (rows.isHeld(groupId, infoHash)) continue;
    const file = rows.file(groupId, infoHash);
    if (!file) continue;
    rows.deleteFile(groupId, infoHash);
    const data = { groupId, name: file.name, infoHash };
    effects.push({ to: rows.memberIds(groupId), push: { push: 'file_withdrawn', data } });
  }
  return effects;
}
