/**
 * The tracker's plain HTTP routes. `GET /health` and `GET /ready` are public and cheap (for
 * load balancers, container healthchecks and start-up probes): 200, or 503 with the reason
 * (ops/health.ts). `GET /metrics` is Prometheus text (ops/tracker-metrics.ts) for the same
 * callers as `/status`, or a bearer token (`--metrics-token-file`). `GET /status` and `GET /digest` tell counts, the state's digest (which
 * changes at every login, so it shows activity), version vectors and the other trackers'
 * addresses: they answer only callers from the trusted addresses (loopback unless configured)
 * or proving the cluster secret ({@link statusProof}), and each address may call them at most
 * STATUS_RATE times a second (a burst of STATUS_BURST) before getting 429.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { macEquals } from '@groupshare/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HealthVerdict } from '../ops/health.js';
import { normaliseRemoteAddress } from './client-connection.js';

/** The header carrying a proof of the cluster secret: `<epoch ms>.<hex HMAC>`. */
export const STATUS_PROOF_HEADER = 'x-groupshare-cluster';
/** How far a proof's time may be from the tracker's clock (a captured proof is soon useless). */
export const STATUS_PROOF_WINDOW_MS = 60_000;
export const STATUS_RATE = 100;
export const STATUS_BURST = 100;

/**
 * The proof a caller holding the cluster secret sends to read `path` (`/status`, `/digest`, `/metrics`)
 * at `atMs`: HMAC-SHA256 over both, so the secret itself never crosses the network and a proof
 * captured on the way works only for that route, for a minute.
 */
export function statusProof(secret: string, path: string, atMs: number): string {
  return `${atMs}.${createHmac('sha256', secret).update(`groupshare-status-v1\n${atMs}\n${path}`).digest('hex')}`;
}

export interface HttpRoutesInit {
  trackerNumber: number;
  uptimeS: () => number;
  status: () => Promise<unknown>;
  digest: () => Promise<unknown>;
  /** `/health` and `/ready` (always 200 when absent). */
  health?: () => HealthVerdict;
  ready?: () => HealthVerdict;
  /** `/metrics` (404 when absent). */
  metrics?: { text(): Promise<string>; contentType: string };
  /** A bearer token that may also read `/metrics` (`Authorization: Bearer <token>`). */
  metricsToken?: string;
  /** The cluster secret, if this tracker is part of a cluster. */
  secret?: string;
  /** Addresses trusted without a proof; `loopback` stands for 127.0.0.0/8 and ::1. */
  trusted?: readonly string[];
  now?: () => number;
}

/** A token bucket per address: cheap to refuse, and it forgets full buckets. */
class RateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {}

  /** Takes a token for `address`, or returns how many ms until one is available. */
  take(address: string): number {
    const now = this.now();
    const bucket = this.buckets.get(address) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(address, bucket); // already counted: it was refilled from the map
      return Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000);
    }
    bucket.tokens -= 1;
    // Bounded memory whatever the number of addresses: forgetting them all only refills buckets.
    if (this.buckets.size >= 10_000 && !this.buckets.has(address)) this.buckets.clear();
    this.buckets.set(address, bucket);
    return 0;
  }
}

function isTrusted(address: string, trusted: readonly string[]): boolean {
  return trusted.some((t) => (t === 'loopback' ? address.startsWith('127.') || address === '::1' : t === address));
}

export function registerHttpRoutes(app: FastifyInstance, init: HttpRoutesInit): void {
  const now = init.now ?? Date.now;
  const trusted = init.trusted ?? ['loopback'];
  const limit = new RateLimit(STATUS_RATE, STATUS_BURST, now);

  /** Whether the caller may read `path`; answers 403 or 429 itself when not. */
  function admitted(request: FastifyRequest, reply: FastifyReply, path: string): boolean {
    const address = normaliseRemoteAddress(request.socket.remoteAddress ?? request.ip);
    const wait = limit.take(address);
    if (wait > 0) {
      void reply.code(429).header('retry-after', Math.ceil(wait / 1000)).send({ error: 'too many requests', retryAfterMs: wait });
      return false;
    }
    if (isTrusted(address, trusted) || provesSecret(request.headers[STATUS_PROOF_HEADER], path)) return true;
    if (path === '/metrics' && bearerMatches(request.headers.authorization)) return true;
    const token = path === '/metrics' && init.metricsToken ? ', or the metrics bearer token' : '';
    void reply.code(403).send({ error: `${path} answers only this tracker's trusted addresses and callers proving the cluster secret (header ${STATUS_PROOF_HEADER})${token}` });
    return false;
  }

  function provesSecret(header: string | string[] | undefined, path: string): boolean {
    if (!init.secret || typeof header !== 'string') return false;
    const [time = '', mac = ''] = header.split('.', 2);
    const atMs = Number(time);
    if (!/^\d{1,16}$/.test(time) || Math.abs(now() - atMs) > STATUS_PROOF_WINDOW_MS) return false;
    return macEquals(mac, statusProof(init.secret, path, atMs).slice(time.length + 1));
  }

  const tokenDigest = init.metricsToken ? sha256(init.metricsToken) : undefined;
  function bearerMatches(header: string | undefined): boolean {
    const match = /^Bearer (\S+)$/i.exec(header ?? '');
    // Compared as digests: equal lengths for timingSafeEqual, and no timing clue to the token.
    return tokenDigest !== undefined && match !== null && timingSafeEqual(sha256(match[1]!), tokenDigest);
  }

  const verdict = (reply: FastifyReply, v: HealthVerdict) =>
    v.ok
      ? { status: 'ok', tracker: init.trackerNumber, uptimeS: init.uptimeS() }
      : reply.code(503).send({ status: 'unavailable', tracker: init.trackerNumber, reason: v.reason });
  app.get('/health', async (_request, reply) => verdict(reply, init.health?.() ?? { ok: true }));
  app.get('/ready', async (_request, reply) => verdict(reply, init.ready?.() ?? { ok: true }));
  app.get('/metrics', async (request, reply) => {
    if (!init.metrics) return reply.code(404).send({ error: 'this tracker has no metrics' });
    if (!admitted(request, reply, '/metrics')) return reply;
    return reply.type(init.metrics.contentType).send(await init.metrics.text());
  });
  app.get('/status', async (request, reply) => (admitted(request, reply, '/status') ? init.status() : reply));
  app.get('/digest', async (request, reply) => (admitted(request, reply, '/digest') ? init.digest() : reply));
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
