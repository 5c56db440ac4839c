/**
 * The checks every request of the web server passes before a route runs (docs/web-api.md,
 * Security): the Host allow-list (DNS rebinding), who is calling (cookie session or API token),
 * the Origin / Sec-Fetch-Site check and the CSRF token for state changes, and login gating. Also
 * the headers every answer carries (CSP, nosniff, no framing, no referrer).
 */
import os from 'node:os';
import { HostAllowList } from '@groupshare/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret, type ApiTokens, type WebSession, type WebSessions } from './auth.js';
import { WebError } from './web-error.js';

/** This machine's addresses (a server bound to every interface answers to them). */
function machineAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}

export interface Caller {
  /** `bearer`: an API token; `cookie`: a browser session (maybe anonymous); `none`. */
  kind: 'bearer' | 'cookie' | 'none';
  session?: WebSession;
  /** The user this caller is logged in as, when that is the peer's user now. */
  userId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
  interface FastifyContextConfig {
    /** Answers before login (session, login, create account, the OpenAPI description). */
    public?: boolean;
  }
}

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export interface GuardInit {
  cookieName: string;
  sessions: WebSessions;
  tokens: ApiTokens;
  /** The peer's logged-in user now. */
  peerUser: () => string | undefined;
  /** The address the web server is bound to (host part). */
  bindHost: string;
  /** The web server's port (known once listening). */
  port: () => number;
}

export function installGuards(app: FastifyInstance, init: GuardInit): void {
  const hosts = new HostAllowList(init.bindHost, machineAddresses());
  app.decorateRequest('caller', undefined as unknown as Caller);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    const port = init.port();
    if (!hosts.allows(request.headers.host, port, port === 443)) throw new WebError(421, 'ERR_BAD_HOST', 'this peer does not answer to that host name');
    if (!request.url.startsWith('/api/')) return;
    reply.header('cache-control', 'no-store');

    request.caller = await identify(request, init);
    const changes = request.method !== 'GET' && request.method !== 'HEAD';
    if (changes) {
      checkOrigin(request);
      if (request.caller.kind !== 'bearer') {
        const given = request.headers['x-csrf-token'];
        const session = request.caller.session;
        if (session === undefined || typeof given !== 'string' || !sameSecret(given, session.csrf)) {
          throw new WebError(403, 'ERR_CSRF', 'this request lacks the page\'s CSRF token; reload the page');
        }
      }
    }
    if (request.routeOptions.config.public !== true && request.caller.userId === undefined) {
      throw new WebError(401, 'ERR_NOT_LOGGED_IN', 'log in first');
    }
  });
}

async function identify(request: FastifyRequest, init: GuardInit): Promise<Caller> {
  const auth = request.headers.authorization;
  const peerUser = init.peerUser();
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const userId = m ? await init.tokens.userOf(m[1] as string) : undefined;
    if (userId === undefined) throw new WebError(401, 'ERR_NOT_LOGGED_IN', 'that API token is not valid');
    return { kind: 'bearer', ...(userId === peerUser ? { userId } : {}) };
  }
  const session = init.sessions.get(request.cookies[init.cookieName]);
  if (session === undefined) return { kind: 'none' };
  const userId = session.userId !== undefined && session.userId === peerUser ? session.userId : undefined;
  return { kind: 'cookie', session, ...(userId !== undefined ? { userId } : {}) };
}

/** State changes only from this server's own pages (or from no page at all: scripts). */
function checkOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new WebError(403, 'ERR_FORBIDDEN_ORIGIN', 'state changes are accepted only from this peer\'s own page');
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let ok = false;
  try {
    const url = new URL(origin);
    ok = url.host === request.headers.host && url.protocol === `${request.protocol}:`;
  } catch {
    ok = false;
  }
  if (!ok) throw new WebError(403, 'ERR_FORBIDDEN_ORIGIN', 'state changes are accepted only from this peer\'s own page');
}
