/**
 * The state rows that apply.ts reads and writes, and the lookups a mutation makes before it
 * writes (`TxReader`, ../tx-reads.ts), as prepared better-sqlite3 statements on the writer
 * connection (the one under Prisma's writer client, so they join its transaction).
 *
 * Why not Prisma here: applying an op is about ten row reads and writes, and through Prisma each
 * costs its query interpreter and a freshly prepared statement (~0.1 ms), which bounded a tracker
 * at ~150 writes/s. Prepared once, a statement runs in microseconds, synchronously.
 *
 * schema.prisma stays the single source of truth: the tables and columns are the ones declared
 * in schema.ts, which `schema.test.ts` holds to it, and `state-rows.test.ts` checks that every
 * row written here is stored exactly as a Prisma write would store it (dates as Prisma's text
 * form, booleans as 0/1, bytes as blobs).
 */
import type { Database, Statement } from 'better-sqlite3';
import { columnList, rowDecoder, sqlBool, sqlDate, type Row } from './schema.js';

export interface ShareRow {
  groupId: string;
  infoHash: string;
  userId: string;
  peerAddress: string;
  bitfield: Buffer;
  complete: boolean;
  /** Offered now (schema.prisma: a login or logout at the address clears it). */
  serving: boolean;
  /** ISO 8601 */
  updatedAt: string;
}

const SHARE_STATE = ['peerAddress', 'bitfield', 'complete', 'serving'] as const;
/** A user's share of a file as a mutation checks it (share_file, update_pieces, stop_share). */
export type ShareState = Row<'Share', (typeof SHARE_STATE)[number]>;
const toShareState = rowDecoder('Share', SHARE_STATE);

export interface SharedFileRow {
  groupId: string;
  infoHash: string;
  name: string;
  size: number;
  sha1: string;
  pieceLength: number;
  pieces: Buffer;
  sharedBy: string;
  createdAt: string;
}

export interface ConflictRow {
  hlc: string;
  kind: string;
  userId: string;
  subject: string;
  losingHash: string | null;
  at: string;
}

/** Every statement apply.ts needs; prepared once per connection. */
export class StateRows {
  private readonly s;

  constructor(db: Database) {
    // Numbers as JS numbers (the adapter turns on BigInt results for the whole connection).
    const p = <T extends unknown[] = unknown[]>(sql: string): Statement<T> => db.prepare<T>(sql).safeIntegers(false);
    this.s = {
      userAccount: p('SELECT "createdHlc" FROM "User" WHERE "id" = ?').pluck(),
      insertUser: p('INSERT INTO "User" ("id", "passwordHash", "createdAt", "createdHlc") VALUES (?, ?, ?, ?)'),
      insertConflict: p(
        'INSERT INTO "Conflict" ("hlc", "kind", "userId", "subject", "losingHash", "at") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT ("hlc") DO NOTHING',
      ),
      insertSession: p(
        'INSERT INTO "Session" ("tokenHash", "userId", "peerAddress", "createdAt", "expiresAt") VALUES (?, ?, ?, ?, ?) ON CONFLICT ("tokenHash") DO NOTHING',
      ),
      deleteSession: p('DELETE FROM "Session" WHERE "tokenHash" = ?'),
      sessionPeer: p('SELECT "userId", "peerAddress" FROM "Session" WHERE "tokenHash" = ?'),
      sessionsOf: p('SELECT "tokenHash" FROM "Session" WHERE "userId" = ? ORDER BY "createdAt" ASC, "tokenHash" ASC').pluck(),
      sessionExpiresAt: p('SELECT "expiresAt" FROM "Session" WHERE "tokenHash" = ?').pluck(),
      hasSessionAt: p('SELECT 1 FROM "Session" WHERE "userId" = ? AND "peerAddress" = ? LIMIT 1').pluck(),
      groupOwner: p('SELECT "ownerId" FROM "Group" WHERE "id" = ?').pluck(),
      insertGroup: p('INSERT INTO "Group" ("id", "ownerId", "createdAt") VALUES (?, ?, ?)'),
      setGroupOwner: p('UPDATE "Group" SET "ownerId" = ? WHERE "id" = ?'),
      deleteGroup: p('DELETE FROM "Group" WHERE "id" = ?'),
      raiseKeyEpoch: p(
        'INSERT INTO "GroupKeyEpoch" ("groupId", "epoch") VALUES (?, 1) ON CONFLICT ("groupId") DO UPDATE SET "epoch" = "epoch" + 1 RETURNING "epoch"',
      ).pluck(),
      isMember: p('SELECT 1 FROM "Membership" WHERE "groupId" = ? AND "userId" = ?').pluck(),
      insertMembership: p('INSERT INTO "Membership" ("groupId", "userId", "joinedAt") VALUES (?, ?, ?)'),
      deleteMembership: p('DELETE FROM "Membership" WHERE "groupId" = ? AND "userId" = ?'),
      memberIds: p('SELECT "userId" FROM "Membership" WHERE "groupId" = ?').pluck(),
      successor: p('SELECT "userId" FROM "Membership" WHERE "groupId" = ? ORDER BY "joinedAt" ASC, "userId" ASC LIMIT 1').pluck(),
      hasRequest: p('SELECT 1 FROM "JoinRequest" WHERE "groupId" = ? AND "userId" = ?').pluck(),
      insertRequest: p('INSERT INTO "JoinRequest" ("groupId", "userId", "requestedAt") VALUES (?, ?, ?)'),
      deleteRequest: p('DELETE FROM "JoinRequest" WHERE "groupId" = ? AND "userId" = ?'),
      fileByHash: p('SELECT "name", "size", "pieceLength" FROM "SharedFile" WHERE "groupId" = ? AND "infoHash" = ?'),
      fileNamed: p('SELECT "infoHash" FROM "SharedFile" WHERE "groupId" = ? AND "name" = ?').pluck(),
      insertFile: p(
        'INSERT INTO "SharedFile" ("groupId", "infoHash", "name", "size", "sha1", "pieceLength", "pieces", "sharedBy", "createdAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      deleteFile: p('DELETE FROM "SharedFile" WHERE "groupId" = ? AND "infoHash" = ?'),
      upsertShare: p(
        'INSERT INTO "Share" ("groupId", "infoHash", "userId", "peerAddress", "bitfield", "complete", "serving", "updatedAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT ("groupId", "infoHash", "userId") DO UPDATE SET "peerAddress" = excluded."peerAddress", "bitfield" = excluded."bitfield", "complete" = excluded."complete", "serving" = excluded."serving", "updatedAt" = excluded."updatedAt"',
      ),
      share: p(`SELECT ${columnList('Share', SHARE_STATE)} FROM "Share" WHERE "groupId" = ? AND "infoHash" = ? AND "userId" = ?`),
      shareServing: p('SELECT "serving" FROM "Share" WHERE "groupId" = ? AND "infoHash" = ? AND "userId" = ?').pluck(),
      pauseSharesAt: p('UPDATE "Share" SET "serving" = 0 WHERE "userId" = ? AND "peerAddress" = ? AND "serving" = 1'),
      downloadersOf: p('SELECT "userId" FROM "Share" WHERE "groupId" = ? AND "infoHash" = ? AND "complete" = 0 AND "serving" = 1').pluck(),
      deleteShare: p('DELETE FROM "Share" WHERE "groupId" = ? AND "infoHash" = ? AND "userId" = ?'),
      sharesOf: p('SELECT "infoHash" FROM "Share" WHERE "groupId" = ? AND "userId" = ?').pluck(),
      deleteSharesOf: p('DELETE FROM "Share" WHERE "groupId" = ? AND "userId" = ?'),
      holdings: p('SELECT "complete", "bitfield" FROM "Share" WHERE "groupId" = ? AND "infoHash" = ?'),
      setLastLogin: p('UPDATE "User" SET "lastLoginAt" = ? WHERE "id" = ?'),
      setPassword: p('UPDATE "User" SET "passwordHash" = ?, "createdHlc" = ? WHERE "id" = ?'),
      deleteSessionsOf: p('DELETE FROM "Session" WHERE "userId" = ?'),
      groupsOf: p('SELECT "groupId" FROM "Membership" WHERE "userId" = ? ORDER BY "groupId"').pluck(),
      deleteNoticesOf: p('DELETE FROM "Conflict" WHERE "userId" = ? AND "kind" = \'group_id_taken\''),
      deleteUser: p('DELETE FROM "User" WHERE "id" = ?'),
      putSetting: p('INSERT INTO "Setting" ("key", "value") VALUES (?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"'),
    };
  }

  /** The user's current registration (its HLC), or undefined if there is no such user. */
  userAccount(userId: string): string | undefined {
    return this.s.userAccount.get(userId) as string | undefined;
  }

  userExists(userId: string): boolean {
    return this.userAccount(userId) !== undefined;
  }

  insertUser(u: { id: string; passwordHash: string; createdAt: string; createdHlc: string }): void {
    this.s.insertUser.run(u.id, u.passwordHash, sqlDate(u.createdAt), u.createdHlc);
  }

  /** Records a lost race; a second record for the same op (same HLC) changes nothing. */
  insertConflict(c: ConflictRow): void {
    this.s.insertConflict.run(c.hlc, c.kind, c.userId, c.subject, c.losingHash, sqlDate(c.at));
  }

  /** Creates the session unless one with this token hash exists (which is then left as it is). */
  insertSession(s: { tokenHash: string; userId: string; peerAddress: string | null; createdAt: string; expiresAt: string }): void {
    this.s.insertSession.run(s.tokenHash, s.userId, s.peerAddress, sqlDate(s.createdAt), sqlDate(s.expiresAt));
  }

  deleteSession(tokenHash: string): void {
    this.s.deleteSession.run(tokenHash);
  }

  /** Token hashes of the user's sessions, oldest first (then by token hash). */
  sessionsOf(userId: string): string[] {
    return this.s.sessionsOf.all(userId) as string[];
  }

  /** Whether the session exists and its expiry is at or before `at` (an op's time). */
  sessionExpiredBy(tokenHash: string, at: string): boolean {
    const expiresAt = this.s.sessionExpiresAt.get(tokenHash) as string | undefined;
    // Both in sqlDate's one fixed-width form, so text order is time order.
    return expiresAt !== undefined && expiresAt <= sqlDate(at);
  }

  /** Whether the user has a session whose peer serves at `peerAddress`. */
  hasSessionAt(userId: string, peerAddress: string): boolean {
    return this.s.hasSessionAt.get(userId, peerAddress) !== undefined;
  }

  /** Who the session is and where its peer serves; undefined if there is no such session. */
  sessionPeer(tokenHash: string): { userId: string; peerAddress: string | null } | undefined {
    return this.s.sessionPeer.get(tokenHash) as { userId: string; peerAddress: string | null } | undefined;
  }

  groupOwner(groupId: string): string | undefined {
    return this.s.groupOwner.get(groupId) as string | undefined;
  }

  insertGroup(g: { id: string; ownerId: string; createdAt: string }): void {
    this.s.insertGroup.run(g.id, g.ownerId, sqlDate(g.createdAt));
  }

  setGroupOwner(groupId: string, ownerId: string): void {
    this.s.setGroupOwner.run(ownerId, groupId);
  }

  /** Deletes the group; its memberships, requests, files and shares go with it (ON DELETE CASCADE). */
  deleteGroup(groupId: string): void {
    this.s.deleteGroup.run(groupId);
  }

  /** Moves the group's LAN key to its next epoch (a membership ended) and returns that epoch. */
  raiseKeyEpoch(groupId: string): number {
    return this.s.raiseKeyEpoch.get(groupId) as number;
  }

  isMember(groupId: string, userId: string): boolean {
    return this.s.isMember.get(groupId, userId) !== undefined;
  }

  insertMembership(groupId: string, userId: string, joinedAt: string): void {
    this.s.insertMembership.run(groupId, userId, sqlDate(joinedAt));
  }

  /** Returns whether there was a membership to delete. */
  deleteMembership(groupId: string, userId: string): boolean {
    return this.s.deleteMembership.run(groupId, userId).changes > 0;
  }

  memberIds(groupId: string): string[] {
    return this.s.memberIds.all(groupId) as string[];
  }

  /** The longest-standing member: earliest join, then lowest user id. */
  successor(groupId: string): string | undefined {
    return this.s.successor.get(groupId) as string | undefined;
  }

  hasRequest(groupId: string, userId: string): boolean {
    return this.s.hasRequest.get(groupId, userId) !== undefined;
  }

  insertRequest(groupId: string, userId: string, requestedAt: string): void {
    this.s.insertRequest.run(groupId, userId, sqlDate(requestedAt));
  }

  /** Returns whether there was a request to delete. */
  deleteRequest(groupId: string, userId: string): boolean {
    return this.s.deleteRequest.run(groupId, userId).changes > 0;
  }

  file(groupId: string, infoHash: string): { name: string; size: number; pieceLength: number } | undefined {
    return this.s.fileByHash.get(groupId, infoHash) as { name: string; size: number; pieceLength: number } | undefined;
  }

  /** The info-hash of the group's file named `name`, if there is one. */
  fileNamed(groupId: string, name: string): string | undefined {
    return this.s.fileNamed.get(groupId, name) as string | undefined;
  }

  fileNameTaken(groupId: string, name: string): boolean {
    return this.fileNamed(groupId, name) !== undefined;
  }

  insertFile(f: SharedFileRow): void {
    // BigInt, as Prisma binds a BigInt column; SQLite stores the same INTEGER either way.
    this.s.insertFile.run(f.groupId, f.infoHash, f.name, BigInt(f.size), f.sha1, f.pieceLength, f.pieces, f.sharedBy, sqlDate(f.createdAt));
  }

  /** Deletes the file and (cascade) its shares. */
  deleteFile(groupId: string, infoHash: string): void {
    this.s.deleteFile.run(groupId, infoHash);
  }

  /** Creates the share, or replaces every non-key column of the existing one. */
  upsertShare(r: ShareRow): void {
    this.s.upsertShare.run(r.groupId, r.infoHash, r.userId, r.peerAddress, r.bitfield, sqlBool(r.complete), sqlBool(r.serving), sqlDate(r.updatedAt));
  }

  /** The user's share of the file; undefined if there is none. */
  share(groupId: string, infoHash: string, userId: string): ShareState | undefined {
    const row = this.s.share.get(groupId, infoHash, userId) as Record<string, unknown> | undefined;
    return row && toShareState(row);
  }

  /** Whether the user's share of the file is offered now; undefined if there is no such share. */
  shareServing(groupId: string, infoHash: string, userId: string): boolean | undefined {
    const v = this.s.shareServing.get(groupId, infoHash, userId);
    return v === undefined ? undefined : v === 1;
  }

  /** Marks every share the user offers at `peerAddress` as not offered (its peer logged in or out). */
  pauseSharesAt(userId: string, peerAddress: string): void {
    this.s.pauseSharesAt.run(userId, peerAddress);
  }

  /** Users downloading the file now (offering part of it). */
  downloadersOf(groupId: string, infoHash: string): string[] {
    return this.s.downloadersOf.all(groupId, infoHash) as string[];
  }

  deleteShare(groupId: string, infoHash: string, userId: string): void {
    this.s.deleteShare.run(groupId, infoHash, userId);
  }

  /** Info-hashes of the user's shares in the group. */
  sharesOf(groupId: string, userId: string): string[] {
    return this.s.sharesOf.all(groupId, userId) as string[];
  }

  deleteSharesOf(groupId: string, userId: string): void {
    this.s.deleteSharesOf.run(groupId, userId);
  }

  /**
   * Whether anyone still holds some of the file: a share with every piece, or with at least one.
   * Downloaders that have nothing yet do not keep a file alive; nobody could ever complete it.
   */
  isHeld(groupId: string, infoHash: string): boolean {
    const rows = this.s.holdings.all(groupId, infoHash) as Array<{ complete: number; bitfield: Buffer }>;
    return rows.some((r) => r.complete === 1 || r.bitfield.some((byte) => byte !== 0));
  }

  /** Records the time of the user's latest login (an op's `at`). */
  setLastLogin(userId: string, at: string): void {
    this.s.setLastLogin.run(sqlDate(at), userId);
  }

  /** A new password hash, and a new account incarnation (`createdHlc`): older sessions' ops stop counting. */
  setPassword(userId: string, passwordHash: string, hlc: string): void {
    this.s.setPassword.run(passwordHash, hlc, userId);
  }

  deleteSessionsOf(userId: string): void {
    this.s.deleteSessionsOf.run(userId);
  }

  /** Ids of the groups the user is a member of, in id order. */
  groupsOf(userId: string): string[] {
    return this.s.groupsOf.all(userId) as string[];
  }

  /**
   * Deletes the notices kept for the user's account (groups of theirs that lost a race). A lost
   * registration of their id stays: it tells someone else, at login, to register again.
   */
  deleteNoticesOf(userId: string): void {
    this.s.deleteNoticesOf.run(userId);
  }

  /** Deletes the user; sessions, memberships, join requests and shares go with it (ON DELETE CASCADE). */
  deleteUser(userId: string): void {
    this.s.deleteUser.run(userId);
  }

  /** Creates or replaces a cluster-wide setting. */
  putSetting(key: string, value: string): void {
    this.s.putSetting.run(key, value);
  }
}
