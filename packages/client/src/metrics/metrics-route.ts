/**
 * `GET /metrics` for the client's web server: `metricsRoute(app, registry, auth)` mounts it on a
 * fastify instance (typed structurally here, so this module needs no web framework of its own).
 * Readable from loopback, or with `Authorization: Bearer <token>` when a token is configured; any
 * other caller gets 403 and not a byte of the metrics.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';

export interface MetricsAuth {
  /** A bearer token that may read the metrics from any address. */
  token?: string;
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
export function metricsAllowed(auth: MetricsAuth, address: string | undefined, authorization: string | string[] | undefined): boolean {
  if ((auth.loopback ?? true) && isLoopback(address)) return true;
  if (auth.token === undefined || typeof authorization !== 'string') return false;
  const match = /^Bearer (\S+)$/i.exec(authorization);
  // Compared as digests: equal lengths for timingSafeEqual, and no timing clue to the token.
  return match !== null && timingSafeEqual(digest(match[1]!), digest(auth.token));
}

export function metricsRoute(app: MetricsRouteHost, registry: Registry, auth: MetricsAuth = {}): void {
  app.get('/metrics', async (request, reply) => {
    if (!metricsAllowed(auth, request.socket.remoteAddress, request.headers.authorization)) {
      const how = auth.token === undefined ? 'from this machine' : 'from this machine or with the metrics bearer token';
      return reply.code(403).send({ error: { code: 'ERR_FORBIDDEN', message: `/metrics answers only ${how}` } });
    }
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
}
