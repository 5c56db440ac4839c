/**
 * Logging in to the admin page, and the check every other API route runs first.
 *
 * A browser logs in with the admin password (console `set_admin_password`) or the token from
 * `admin-token`, gets the session cookie and a CSRF token, and sends that token back in
 * `x-csrf-token` with every POST. A script sends `Authorization: Bearer <token>` instead: no
 * cookie is involved, so there is nothing for another site to forge. Failed logins are
 * throttled per address like clients' logins, and recorded as security events.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TrackerServices } from '../api/context.js';
import { readAdminPasswordHash, tokenMatches } from '../admin/admin-credentials.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { DEFAULT_LOGIN_THROTTLE } from '../constants.js';
import { AdminSessions, readCookie, sameSecret } from './admin-sessions.js';
import type { AdminGuards } from './guards.js';
import { errorSchema, sendError } from './schemas.js';

export interface AdminAuthInit {
  services: Pick<TrackerServices, 'hasher' | 'securityEvents' | 'log' | 'now'>;
  dataDir: string;
  token: string;
  guards: AdminGuards;
  /** The session cookie's name (it carries the bound port). */
  cookieName: () => string;
}

export class AdminAuth {
  readonly sessions: AdminSessions;
  private readonly throttle = new LoginThrottle(DEFAULT_LOGIN_THROTTLE);

  constructor(private readonly init: AdminAuthInit) {
    this.sessions = new AdminSessions(init.services.now);
  }

  /** Whether `password` is the admin password or the token; every attempt costs one argon2 verification. */
  private async passwordAccepted(password: string): Promise<boolean> {
    const hash = await readAdminPasswordHash(this.init.dataDir);
    const viaPassword = await this.init.services.hasher.verify(hash, password);
    return viaPassword || tokenMatches(password, this.init.token);
  }

  /**
   * fastify preHandler for every route but login and session: answers 401 without a session or
   * the token, 403 for a POST from another origin or without the CSRF token.
   */
  readonly required = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const auth = request.headers.authorization;
    if (typeof auth === 'string' && auth.startsWith('Bearer ')) {
      if (tokenMatches(auth.slice('Bearer '.length).trim(), this.init.token)) return;
      return sendError(reply, 401, 'ERR_NOT_LOGGED_IN', 'the bearer token is not this tracker\'s admin token');
    }
    const session = this.sessions.get(readCookie(request.headers.cookie, this.init.cookieName()));
    if (!session) return sendError(reply, 401, 'ERR_NOT_LOGGED_IN', 'log in to the admin page first');
    if (request.method === 'GET' || request.method === 'HEAD') return;
    if (!this.init.guards.sameOrigin(request)) return sendError(reply, 403, 'ERR_ORIGIN', 'a change must come from this admin page (Origin header)');
    const csrf = request.headers['x-csrf-token'];
    if (typeof csrf !== 'string' || !sameSecret(csrf, session.csrf)) return sendError(reply, 403, 'ERR_CSRF', 'missing or wrong x-csrf-token');
  };

  register(app: FastifyInstance): void {
    const { services } = this.init;
    app.get('/api/session', { schema: { response: { 200: sessionSchema } } }, async (request) => {
      const session = this.sessions.get(readCookie(request.headers.cookie, this.init.cookieName()));
      return session ? { loggedIn: true, csrfToken: session.csrf } : { loggedIn: false };
    });

    app.post<{ Body: { password: string } }>(
      '/api/login',
      {
        schema: {
          body: { type: 'object', required: ['password'], additionalProperties: false, properties: { password: { type: 'string', minLength: 1, maxLength: 1024 } } },
          response: { 200: sessionSchema, '4xx': errorSchema },
        },
      },
      async (request, reply) => {
        if (!this.init.guards.sameOrigin(request)) return sendError(reply, 403, 'ERR_ORIGIN', 'log in from this admin page (Origin header)');
        const ip = request.ip;
        const wait = this.throttle.waitMs(ip, services.now());
        if (wait > 0) {
          services.securityEvents.record({ kind: 'admin_login_throttled', ip, message: `admin login from ${ip} throttled after failed attempts` });
          void reply.header('retry-after', Math.ceil(wait / 1000));
          return sendError(reply, 429, 'ERR_RATE_LIMITED', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`);
        }
        if (!(await this.passwordAccepted(request.body.password))) {
          this.throttle.recordFailure(ip, services.now());
          services.securityEvents.record({ kind: 'admin_login_failed', ip, message: `wrong admin password or token from ${ip}` });
          services.log.warn({ event: 'admin_login_failed', ip }, 'admin login failed');
          return sendError(reply, 401, 'ERR_BAD_CREDENTIALS', 'wrong admin password or token');
        }
        this.throttle.reset(ip);
        const { id, session } = this.sessions.create();
        services.log.info({ event: 'admin_login', ip }, 'admin logged in');
        void reply.header('set-cookie', AdminSessions.cookie(this.init.cookieName(), id));
        return { loggedIn: true, csrfToken: session.csrf };
      },
    );

    app.post('/api/logout', { preHandler: this.required, schema: { response: { 200: sessionSchema, '4xx': errorSchema } } }, async (request, reply) => {
      this.sessions.delete(readCookie(request.headers.cookie, this.init.cookieName()));
      void reply.header('set-cookie', AdminSessions.cookie(this.init.cookieName(), undefined));
      return { loggedIn: false };
    });
  }
}

/** The CSRF token is this session's own, not a credential: without the HttpOnly cookie it is worth nothing. */
const sessionSchema = {
  type: 'object',
  required: ['loggedIn'],
  additionalProperties: false,
  properties: { loggedIn: { type: 'boolean' }, csrfToken: { type: 'string' } },
} as const;
