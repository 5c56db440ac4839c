/**
 * Sessions, accounts and API tokens: GET /api/session, POST /api/session/login|logout,
 * POST /api/accounts, /api/tokens.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { WebSession } from './auth.js';
import type { WebContext } from './context.js';
import { empty, errors, obj, str } from './schemas.js';
import { WebError } from './web-error.js';

const credentials = obj({ userId: str({ minLength: 1, maxLength: 64 }), password: str({ minLength: 1, maxLength: 1024 }) });

export function sessionRoutes(app: FastifyInstance, ctx: WebContext): void {
  const setCookie = (reply: FastifyReply, session: WebSession): void => {
    reply.setCookie(ctx.cookieName, session.id, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.secure });
  };

  app.get('/api/session', {
    config: { public: true },
    schema: {
      summary: 'who is logged in from this browser, and the CSRF token for its POSTs',
      response: {
        200: obj(
          {
            loggedIn: { type: 'boolean' },
            userId: str(),
            csrfToken: str(),
            peer: obj({ address: str(), webPort: { type: 'integer' }, maxUploadBytes: { type: 'integer' } }),
          },
          ['loggedIn', 'csrfToken', 'peer'],
        ),
        ...errors,
      },
    },
    handler: async (request, reply) => {
      let session = request.caller.session;
      if (session === undefined) {
        session = ctx.sessions.create();
        setCookie(reply, session);
      }
      const userId = request.caller.userId;
      return { loggedIn: userId !== undefined, ...(userId !== undefined ? { userId } : {}), csrfToken: session.csrf, peer: { address: ctx.peerAddress, webPort: ctx.port(), maxUploadBytes: ctx.maxUploadBytes } };
    },
  });

  app.post('/api/session/login', {
    config: { public: true },
    schema: { summary: 'log this peer in to the trackers (and this browser in to the peer)', body: credentials, response: { 200: obj({ userId: str(), csrfToken: str() }), ...errors } },
    handler: async (request, reply) => {
      const { userId, password } = request.body as { userId: string; password: string };
      const peerUser = ctx.service.userId;
      if (peerUser !== undefined && peerUser !== userId.toLowerCase()) {
        throw new WebError(409, 'ERR_OTHER_USER', 'this peer is logged in as another user; log that user out first');
      }
      // Logged in already as this user (a resumed session, or the shell): only the password is checked.
      const who = peerUser !== undefined ? await ctx.service.confirmUser(userId, password) : (await ctx.service.login(userId, password)).userId;
      // A new id at login: an id planted before it (session fixation) is worth nothing after.
      const old = request.caller.session;
      if (old !== undefined) ctx.sessions.delete(old.id);
      const session = ctx.sessions.create(who);
      setCookie(reply, session);
      return { userId: who, csrfToken: session.csrf };
    },
  });

  app.post('/api/session/logout', {
    schema: {
      summary: 'log this peer out of the trackers; forgets the remembered session',
      // trackerTold false: no tracker was reachable, so the session there ends only when it expires.
      response: { 200: obj({ trackerTold: { type: 'boolean' } }), ...errors },
    },
    handler: async () => {
      const { trackerTold } = await ctx.service.logout();
      return { trackerTold };
    },
  });

  app.post('/api/accounts', {
    config: { public: true },
    schema: { summary: 'create an account (create_user); does not log in', body: credentials, response: { 200: obj({ userId: str() }), ...errors } },
    handler: async (request) => {
      const { userId, password } = request.body as { userId: string; password: string };
      return ctx.service.createUser(userId, password);
    },
  });

  const label = str({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9 ._-]+$' });
  app.post('/api/tokens', {
    schema: { summary: 'make an API token for scripts (shown this once)', body: obj({ label }), response: { 200: obj({ label: str(), token: str() }), ...errors } },
    handler: async (request) => {
      const { label: name } = request.body as { label: string };
      return { label: name, token: await ctx.tokens.create(request.caller.userId as string, name) };
    },
  });

  app.get('/api/tokens', {
    schema: {
      summary: "this user's API tokens (labels only)",
      response: { 200: obj({ tokens: { type: 'array', items: obj({ label: str(), createdAt: str() }) } }), ...errors },
    },
    handler: async (request) => ({ tokens: await ctx.tokens.list(request.caller.userId as string) }),
  });

  app.post('/api/tokens/:label/revoke', {
    schema: { summary: 'revoke an API token', params: obj({ label }), response: { 200: empty, ...errors } },
    handler: async (request) => {
      await ctx.tokens.revoke(request.caller.userId as string, (request.params as { label: string }).label);
      return {};
    },
  });
}
