/**
 * What every request handler gets: the connection it serves and the tracker's services.
 */
import { ProtocolError, type Request, type RequestType, type Result } from '@groupshare/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { LoginGuard } from '../auth/login-throttle.js';
import type { PasswordHasher } from '../auth/passwords.js';
import type { RegistrationLimit } from '../auth/registration-limit.js';
import type { TicketIssuer } from '../auth/tickets.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SecurityEvents } from '../security-events.js';
import type { TrackerQueries } from '../state/queries.js';
import type { TrackerStore, Tx } from '../state/store.js';
import type { ClientConnection, ConnectionSession } from './client-connection.js';
import type { ClientHub } from './hub.js';

export interface TrackerServices {
  store: TrackerStore;
  /** Read-only connection: committed snapshots, for reads outside a mutation. */
  reader: PrismaClient;
  queries: TrackerQueries;
  hub: ClientHub;
  hasher: PasswordHasher;
  throttle: LoginGuard;
  /** Registrations per client address. */
  registrations: RegistrationLimit;
  log: FastifyBaseLogger;
  sessionTtlMs: number;
  now: () => number;
  tickets: TicketIssuer;
  /** Recent security events, for the admin page (security-events.ts). */
  securityEvents: SecurityEvents;
}

export interface HandlerContext {
  conn: ClientConnection;
  services: TrackerServices;
}

export type Handler<T extends RequestType> = (ctx: HandlerContext, req: Request<T>) => Promise<Result<T>>;
export type HandlerTable = { [T in RequestType]: Handler<T> };

export function requireSession(ctx: HandlerContext): ConnectionSession {
  const session = ctx.conn.session;
  if (!session) throw new ProtocolError('ERR_NOT_LOGGED_IN', 'log in first');
  if (ctx.services.now() >= session.expiresAtMs) {
    ctx.services.hub.setSession(ctx.conn, null);
    throw new ProtocolError('ERR_SESSION_INVALID', 'your session has expired; log in again');
  }
  return session;
}

/**
 * The group exists and the user belongs to it. Checked before anything about the group's
 * files, so a non-member learns nothing about which files exist.
 */
export async function requireMember(tx: Tx | PrismaClient, groupId: string, userId: string): Promise<{ ownerId: string }> {
  const group = await tx.group.findUnique({ where: { id: groupId } });
  if (!group) throw new ProtocolError('ERR_NO_SUCH_GROUP', `there is no group "${groupId}"`);
  const membership = await tx.membership.findUnique({ where: { groupId_userId: { groupId, userId } } });
  if (!membership) throw new ProtocolError('ERR_NOT_MEMBER', `you are not a member of group "${groupId}"`);
  return group;
}

/**
 * {@link requireMember} for a read outside a mutation (list_files, get_peers, …): one prepared
 * statement on the read connection, no Prisma round (these run on every client's every poll).
 */
export function requireMemberToRead(ctx: HandlerContext, groupId: string, userId: string): { ownerId: string } {
  const found = ctx.services.queries.membership(groupId, userId);
  if (!found) throw new ProtocolError('ERR_NO_SUCH_GROUP', `there is no group "${groupId}"`);
  if (!found.member) throw new ProtocolError('ERR_NOT_MEMBER', `you are not a member of group "${groupId}"`);
  return { ownerId: found.ownerId };
}

export async function requireOwner(tx: Tx | PrismaClient, groupId: string, userId: string): Promise<void> {
  const group = await tx.group.findUnique({ where: { id: groupId } });
  if (!group) throw new ProtocolError('ERR_NO_SUCH_GROUP', `there is no group "${groupId}"`);
  if (group.ownerId !== userId) {
    throw new ProtocolError('ERR_NOT_GROUP_OWNER', `only the owner of group "${groupId}" (${group.ownerId}) can do that`);
  }
}
