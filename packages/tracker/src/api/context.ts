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
import type { TrackerStore } from '../state/store.js';
import type { TxReader } from '../state/tx-reads.js';
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
  /** Counts each answered request by type and result (ops/tracker-metrics.ts); absent in some tests. */
  metrics?: RequestObserver;
}

/** What the dispatcher reports of each request: its type, `ok` or the error code, and how long it took. */
export interface RequestObserver {
  observeRequest(type: string, result: string, seconds: number): void;
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
export function requireMember(read: Pick<TxReader, 'groupOwner' | 'isMember'>, groupId: string, userId: string): { ownerId: string } {
  const ownerId = read.groupOwner(groupId);
  if (ownerId === undefined) throw noSuchGroup(groupId);
  if (!read.isMember(groupId, userId)) throw notMember(groupId);
  return { ownerId };
}

/**
 * {@link requireMember} for a read outside a mutation (list_files, get_peers, …): one prepared
 * statement on the read connection, no Prisma round (these run on every client's every poll).
 */
export function requireMemberToRead(ctx: HandlerContext, groupId: string, userId: string): { ownerId: string } {
  const found = ctx.services.queries.membership(groupId, userId);
  if (!found) throw noSuchGroup(groupId);
  if (!found.member) throw notMember(groupId);
  return { ownerId: found.ownerId };
}

/** The group exists and the user owns it (inside a mutation: as of its transaction). */
export function requireOwner(read: Pick<TxReader, 'groupOwner'>, groupId: string, userId: string): void {
  checkOwner(read.groupOwner(groupId), groupId, userId);
}

/** {@link requireOwner} for a read outside a mutation (list_requests), on the read connection. */
export function requireOwnerToRead(ctx: HandlerContext, groupId: string, userId: string): void {
  checkOwner(ctx.services.queries.membership(groupId, userId)?.ownerId, groupId, userId);
}

function checkOwner(ownerId: string | undefined, groupId: string, userId: string): void {
  if (ownerId === undefined) throw noSuchGroup(groupId);
  if (ownerId !== userId) throw new ProtocolError('ERR_NOT_GROUP_OWNER', `only the owner of group "${groupId}" (${ownerId}) can do that`);
}

function noSuchGroup(groupId: string): ProtocolError {
  return new ProtocolError('ERR_NO_SUCH_GROUP', `there is no group "${groupId}"`);
}

function notMember(groupId: string): ProtocolError {
  return new ProtocolError('ERR_NOT_MEMBER', `you are not a member of group "${groupId}"`);
}
