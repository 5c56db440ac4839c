/**
 * The admin server's checks on every request, before any route runs:
 *
 * - Host allow-list (127.0.0.1, localhost, ::1 and the bind address, or this machine's
 *   addresses when bound to all of them; with the bound port): a page on another site that rebinds its own name to 127.0.0.1 (DNS rebinding) sends
 *   its own name as Host and is refused before anything is read.
 * - Same-origin POSTs: a state change made with the session cookie must come from a page of
 *   this server, shown by `Origin` (or, without it, `Sec-Fetch-Site: same-origin`), besides the
 *   CSRF token the routes check.
 * - Headers on every answer: a Content-Security-Policy with no inline script and no eval, so a
 *   hostile name that slipped into markup still could not run; no framing; no sniffing.
 */
import os from 'node:os';
import { HostAllowList } from '@groupshare/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The policy every answer carries. */
export const ADMIN_CSP = "default-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export class AdminGuards {
  private readonly hosts: HostAllowList;

  constructor(
    bindHost: string,
    /** The bound port, known once listening. */
    private readonly port: () => number,
  ) {
    // Bound to every interface (--admin-allow-remote): this machine's addresses name it too.
    this.hosts = new HostAllowList(bindHost, Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address)));
  }

  /** Whether a Host header names this server (a Host without a port means port 80). */
  hostAllowed(host: string | undefined): boolean {
    return this.hosts.allows(host, this.port());
  }

  /** Whether a POST comes from a page of this server (its Host was already allowed). */
  sameOrigin(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    if (typeof origin === 'string') {
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        return false;
      }
      return url.protocol === 'http:' && url.host === new URL(`http://${request.headers.host}`).host;
    }
    return request.headers['sec-fetch-site'] === 'same-origin';
  }

  /** fastify onRequest hook: refuses a foreign Host (421) before any route or file is touched. */
  readonly checkHost = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (this.hostAllowed(request.headers.host)) return;
    await reply.code(421).send({ error: { code: 'ERR_HOST', message: 'this admin server answers only to 127.0.0.1, localhost, ::1 and its bind address (Host header)' } });
  };

  /** fastify onSend hook: the headers every answer carries. */
  readonly secureHeaders = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.header('content-security-policy', ADMIN_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  };
}
