/**
 * `GET /metrics` for the client's web server: `metricsRoute(app, registry, auth)` mounts it on a
 * fastify instance (typed structurally here, so this module needs no web framework of its own).
 * Readable from loopback, or with `Authorization: Bearer <token>` when a token is configured (a
 * fixed one, or a check such as the web server's API tokens); any other caller gets 403 and not a
 * byte of the metrics.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';

export interface MetricsAuth {
  /** A bearer token that may read the metrics from any address. */
  token?: string;
  /** Or a check of the bearer token (the web server's API tokens). */
  bearer?: (token: string) => boolean | Promise<boolean>;
  /** Whether loopback callers may read without a token (default true). */
  loopback?: boolean;
}

/** The request and reply parts the route uses: fastify's fit. */
export interface MetricsRequest {
  headers: Record<string, string | string[] | undefined>;
  socket: { remoteAddress?: string | undefined };
}
export interface MetricsReply {
  code(status: number): MetricsReply;
  header(name: string, value: string): MetricsReply;
  send(body: unknown): unknown;
}
export interface MetricsRouteHost {
  get(path: string, handler: (request: MetricsRequest, reply: MetricsReply) => Promise<unknown>): unknown;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function isLoopback(address: string | undefined): boolean {
  const a = (address ?? '').replace(/^::ffff:/, '');
  return a.startsWith('127.') || a === '::1';
}

/** Whether a caller at `address` with `authorization` may read the metrics. */
export async function metricsAllowed(auth: MetricsAuth, address: string | undefined, authorization: string | string[] | undefined): Promise<boolean> {
  if ((auth.loopback ?? true) && isLoopback(address)) return true;
  const match = typeof authorization === 'string' ? /^Bearer (\S+)$/i.exec(authorization) : null;
  if (match === null) return false;
  // Compared as digests: equal lengths for timingSafeEqual, and no timing clue to the token.
  if (auth.token !== undefined && timingSafeEqual(digest(match[1]!), digest(auth.token))) return true;
  return auth.bearer !== undefined && (await auth.bearer(match[1]!));
}

export function metricsRoute(app: MetricsRouteHost, registry: Registry, auth: MetricsAuth = {}): void {
  app.get('/metrics', async (request, reply) => {
    if (!(await metricsAllowed(auth, request.socket.remoteAddress, request.headers.authorization))) {
      const how = auth.token === undefined && auth.bearer === undefined ? 'from this machine' : 'from this machine or with a bearer token';
      return reply.code(403).send({ error: { code: 'ERR_FORBIDDEN', message: `/metrics answers only ${how}` } });
    }
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
}
