/**
 * What a mutation reads before it writes (`Writer.read`, store.ts): named lookups that see the
 * mutation's own transaction, so a handler checks a request against the state it will change.
 *
 * Two kinds, by cost. The checks every client write makes (is the group there, is the user a
 * member, is the name taken, what is my share) are prepared statements on the writer connection
 * (sql/state-rows.ts), synchronous: through Prisma each cost about 0.3 ms of the event loop,
 * more than applying and logging the op, and at a thousand writes a second they alone would need
 * more than the tracker's core. The rare ones (registration, the console's account operations)
 * go through Prisma's writer client, which runs on that same connection and so sees the same
 * transaction. Either way a handler calls a method named for what it asks, never a client.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import { registrationOpen } from './settings.js';
import type { ShareState, StateRows } from './sql/state-rows.js';

/** What removing an account takes away (the console's `remove user`). */
export interface UserFootprint {
  sessions: number;
  shares: number;
  requests: number;
  /** The groups they are a member of, in id order, with each group's owner. */
  memberships: Array<{ groupId: string; ownerId: string }>;
}

/** The reads a mutation may make, inside its transaction. */
export interface TxReader {
  userExists(userId: string): boolean;
  /** The group's owner; undefined if there is no such group. */
  groupOwner(groupId: string): string | undefined;
  isMember(groupId: string, userId: string): boolean;
  /** Whether the user has asked to join the group and is waiting. */
  hasRequest(groupId: string, userId: string): boolean;
  /** The info-hash of the group's file named `name`, if there is one. */
  fileNamed(groupId: string, name: string): string | undefined;
  file(groupId: string, infoHash: string): { name: string; size: number; pieceLength: number } | undefined;
  /** The user's share of the file; undefined if there is none. */
  share(groupId: string, infoHash: string, userId: string): ShareState | undefined;
  registrationOpen(): Promise<boolean>;
  userFootprint(userId: string): Promise<UserFootprint>;
  /** How many sessions the user has (on any tracker). */
  sessionCount(userId: string): Promise<number>;
}

export class TxReads implements TxReader {
  constructor(
    /** Prepared statements on the writer connection. */
    private readonly rows: StateRows,
    /** Prisma's writer client: the same connection. */
    private readonly prisma: PrismaClient,
  ) {}

  userExists(userId: string): boolean {
    return this.rows.userExists(userId);
  }

  groupOwner(groupId: string): string | undefined {
    return this.rows.groupOwner(groupId);
  }

  isMember(groupId: string, userId: string): boolean {
    return this.rows.isMember(groupId, userId);
  }

  hasRequest(groupId: string, userId: string): boolean {
    return this.rows.hasRequest(groupId, userId);
  }

  fileNamed(groupId: string, name: string): string | undefined {
    return this.rows.fileNamed(groupId, name);
  }

  file(groupId: string, infoHash: string): { name: string; size: number; pieceLength: number } | undefined {
    return this.rows.file(groupId, infoHash);
  }

  share(groupId: string, infoHash: string, userId: string): ShareState | undefined {
    return this.rows.share(groupId, infoHash, userId);
  }

  registrationOpen(): Promise<boolean> {
    return registrationOpen(this.prisma);
  }

  async userFootprint(userId: string): Promise<UserFootprint> {
    const where = { where: { userId } };
    const sessions = await this.prisma.session.count(where);
    const shares = await this.prisma.share.count(where);
    const requests = await this.prisma.joinRequest.count(where);
    const memberships = await this.prisma.membership.findMany({ ...where, orderBy: { groupId: 'asc' }, include: { group: { select: { ownerId: true } } } });
    return { sessions, shares, requests, memberships: memberships.map((m) => ({ groupId: m.groupId, ownerId: m.group.ownerId })) };
  }

  sessionCount(userId: string): Promise<number> {
    return this.prisma.session.count({ where: { userId } });
  }
}
