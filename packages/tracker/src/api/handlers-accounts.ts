/**
 * register, login, resume, logout, ping.
 */
import { ProtocolError, formatHostPort, parseHostPort, type Notice } from '@groupshare/protocol';
import { hashToken, newSessionToken } from '../auth/tokens.js';
import { createUser, limited } from '../auth/accounts.js';
import { requireSession, type HandlerContext, type HandlerTable } from './context.js';

/**
 * The address other peers should dial: the host this connection comes from (or the one a
 * trusted proxy forwarded), and the announced port. The announced host is ignored, whatever it
 * is (a wildcard like 0.0.0.0 is the usual one): otherwise any member could make every other
 * member's client connect to a third party's address.
 */
export function resolvePeerAddress(ctx: HandlerContext, announced: string | undefined): string | null {
  if (announced === undefined) return null;
  return formatHostPort({ host: ctx.conn.peerHost, port: parseHostPort(announced).port });
}

/**
 * Whether `password` opens a registration of `userId` that lost to a concurrent one on another
 * tracker. Only checked after a failed login, and only when such a conflict exists, so it costs
 * nothing in the usual case; the caller has already counted the failure for throttling.
 */
async function lostRegistration(ctx: HandlerContext, userId: string, password: string): Promise<boolean> {
  const lost = await ctx.services.reader.conflict.findMany({ where: { userId, kind: 'user_id_taken' } });
  for (const conflict of lost) {
    if (conflict.losingHash && (await limited(() => ctx.services.hasher.verify(conflict.losingHash!, password)))) return true;
  }
  return false;
}

/** Conflicts that concern the user, as sentences (group ids they created that another took). */
async function noticesFor(ctx: HandlerContext, userId: string): Promise<Notice[]> {
  const conflicts = await ctx.services.reader.conflict.findMany({ where: { userId, kind: 'group_id_taken' }, orderBy: { hlc: 'asc' } });
  return conflicts.map((c) => ({
    kind: c.kind,
    subject: c.subject,
    at: c.at.toISOString(),
    message: `group "${c.subject}" you created at ${c.at.toISOString()} was created at the same time on another tracker, which came first; yours was not kept`,
  }));
}

export const accountHandlers: Pick<HandlerTable, 'ping' | 'register' | 'login' | 'resume' | 'logout'> = {
  async ping(ctx) {
    return { now: new Date(ctx.services.now()).toISOString() };
  },

  async register(ctx, req) {
    const { registrations, now } = ctx.services;
    await createUser(ctx.services, req.userId, req.password, { selfService: true, admit: () => registrations.admit(ctx.conn.remoteAddress, now()) });
    ctx.services.log.info({ event: 'user_registered', userId: req.userId, ip: ctx.conn.remoteAddress }, 'user registered');
    return { userId: req.userId };
  },

  async login(ctx, req) {
    const { store, reader, hasher, throttle, hub, log, now, sessionTtlMs } = ctx.services;
    if (ctx.conn.session) throw new ProtocolError('ERR_ALREADY_LOGGED_IN', `already logged in as ${ctx.conn.session.userId}; log out first`);
    const ip = ctx.conn.remoteAddress;
    const wait = throttle.waitMs(req.userId, ip, now());
    if (wait > 0) {
      log.warn({ event: 'login_throttled', userId: req.userId, ip: ctx.conn.remoteAddress }, 'login throttled');
      ctx.services.securityEvents.record({ kind: 'login_throttled', ip, userId: req.userId, message: `login as ${req.userId} from ${ip} throttled after failed attempts` });
      throw new ProtocolError('ERR_RATE_LIMITED', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`, wait);
    }
    const peerAddress = resolvePeerAddress(ctx, req.peerAddress);
    const user = await reader.user.findUnique({ where: { id: req.userId } });
    const ok = await limited(() => hasher.verify(user?.passwordHash, req.password));
    if (!ok) {
      throttle.recordFailure(req.userId, ip, now());
      if (await lostRegistration(ctx, req.userId, req.password)) {
        log.warn({ event: 'login_conflict', userId: req.userId, ip: ctx.conn.remoteAddress }, 'login under a registration that lost a conflict');
        throw new ProtocolError(
          'ERR_ACCOUNT_CONFLICT',
          `"${req.userId}" was registered on two trackers at the same time while they could not reach each other; the other registration came first and keeps the id. Register again under another id.`,
        );
      }
      log.warn({ event: 'login_failed', userId: req.userId, ip: ctx.conn.remoteAddress }, 'login failed');
      // Same reply for an unknown user and a wrong password.
      throw new ProtocolError('ERR_BAD_CREDENTIALS', 'wrong user id or password');
    }
    throttle.recordSuccess(req.userId, ip);
    const token = newSessionToken();
    const tokenHash = hashToken(token);
    const expiresAt = new Date(now() + sessionTtlMs).toISOString();
    const account = user!.createdHlc; // ok implies the user exists
    const { effects } = await store.mutate((w) => w.commit({ kind: 'session_opened', account, tokenHash, userId: req.userId, peerAddress, expiresAt }));
    hub.setSession(ctx.conn, { userId: req.userId, account, tokenHash, peerAddress, expiresAtMs: Date.parse(expiresAt) });
    hub.deliver(effects); // the user's oldest session, if this one is past the cap
    log.info({ event: 'login', userId: req.userId, ip: ctx.conn.remoteAddress, peerAddress }, 'login');
    return { userId: req.userId, token, expiresAt, peerAddress, notices: await noticesFor(ctx, req.userId), ticketKey: ctx.services.tickets.publicKey };
  },

  async resume(ctx, req) {
    const { reader, hub, log, now } = ctx.services;
    if (ctx.conn.session) throw new ProtocolError('ERR_ALREADY_LOGGED_IN', `already logged in as ${ctx.conn.session.userId}`);
    const tokenHash = hashToken(req.token);
    const session = await reader.session.findUnique({ where: { tokenHash }, include: { user: { select: { createdHlc: true } } } });
    if (!session || session.expiresAt.getTime() <= now()) {
      throw new ProtocolError('ERR_SESSION_INVALID', 'this session has ended; log in again');
    }
    const peerAddress = req.peerAddress !== undefined ? resolvePeerAddress(ctx, req.peerAddress) : session.peerAddress;
    const account = session.user.createdHlc;
    hub.setSession(ctx.conn, { userId: session.userId, account, tokenHash, peerAddress, expiresAtMs: session.expiresAt.getTime() });
    log.info({ event: 'session_resumed', userId: session.userId, ip: ctx.conn.remoteAddress }, 'session resumed');
    return {
      userId: session.userId,
      expiresAt: session.expiresAt.toISOString(),
      peerAddress,
      notices: await noticesFor(ctx, session.userId),
      ticketKey: ctx.services.tickets.publicKey,
    };
  },

  async logout(ctx) {
    const { store, hub, log } = ctx.services;
    const session = requireSession(ctx);
    const { effects } = await store.mutate((w) => w.commit({ kind: 'session_closed', tokenHash: session.tokenHash, userId: session.userId }));
    // This connection asked: it is logged out without being told. Its session's other
    // connections are told, here and (by replication) on every other tracker.
    hub.setSession(ctx.conn, null);
    hub.deliver(effects);
    log.info({ event: 'logout', userId: session.userId }, 'logout');
    return {};
  },
};
