/**
 * The peer's web server (`--web`): fastify in the shell's process, over the same PeerService.
 * It serves the JSON API under /api (docs/web-api.md), its OpenAPI description generated from
 * the route schemas, the event stream, `GET /metrics` (metrics/, for loopback or an API token), and the page's static files from a folder (the Vite build
 * of packages/web-ui when there is one, else a placeholder page shipped with the client).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { createClientMetrics, metricsRoute } from '../metrics/index.js';
import type { PeerService } from '../service/peer-service.js';
import { ApiTokens, WebSessions } from './auth.js';
import type { WebContext } from './context.js';
import { eventRoutes } from './events-stream.js';
import { installGuards } from './guards.js';
import { groupRoutes } from './routes-groups.js';
import { sessionRoutes } from './routes-session.js';
import { syncRoutes } from './routes-sync.js';
import { transferRoutes } from './routes-transfers.js';
import type { Roots } from './roots.js';
import { JSON_BODY_LIMIT } from './schemas.js';
import { DEFAULT_MAX_UPLOAD_BYTES } from './upload-limit.js';
import { DownloadIds } from './views.js';
import { errorReply, WebError } from './web-error.js';

export interface WebServerInit {
  service: PeerService;
  roots: Roots;
  /** Where API tokens are kept (the client's data directory). */
  dataDir: string;
  host: string;
  /** 0: any free port. */
  port: number;
  /** This peer's address for other peers (shown on the page). */
  peerAddress: string;
  /** The page's files; default {@link defaultUiDir}. */
  uiDir?: string;
  tls?: { cert: Buffer; key: Buffer };
  version: string;
  /** The largest browser upload taken, in bytes; default DEFAULT_MAX_UPLOAD_BYTES. */
  maxUploadBytes?: number;
}

/** The page built by Vite (packages/web-ui/dist) when it exists beside this package, else the placeholder shipped here. */
export function defaultUiDir(): string {
  const built = fileURLToPath(new URL('../../../web-ui/dist/', import.meta.url));
  if (existsSync(`${built}index.html`)) return built;
  return fileURLToPath(new URL('../../web-placeholder/', import.meta.url));
}

export class WebServer {
  private constructor(
    private readonly app: FastifyInstance,
    private readonly closeEvents: () => void,
    private readonly detach: () => void,
    readonly url: string,
  ) {}

  get port(): number {
    const address = this.app.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  static async start(init: WebServerInit): Promise<WebServer> {
    // bodyLimit bounds every body fastify reads whole (JSON); uploads stream (routes-upload.ts).
    const options = { logger: false, trustProxy: false, bodyLimit: JSON_BODY_LIMIT, ...(init.tls ? { https: { cert: init.tls.cert, key: init.tls.key } } : {}) };
    const app = Fastify(options as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
    let port = init.port;
    const sessions = new WebSessions();
    const ctx: WebContext = {
      service: init.service,
      roots: init.roots,
      sessions,
      tokens: new ApiTokens(init.dataDir),
      ids: new DownloadIds(),
      // Known only once listening when the port was 0; read at each request.
      get cookieName() {
        return `gs_${port}`;
      },
      secure: init.tls !== undefined,
      peerAddress: init.peerAddress,
      maxUploadBytes: init.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
      port: () => port,
    };
    // Every browser is logged out with the peer (shell logout, session ended by the tracker).
    const onSession = (d: { loggedIn: boolean }): void => {
      if (!d.loggedIn) sessions.logoutAll();
    };
    init.service.events.on('session', onSession);

    await app.register(fastifyCookie);
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title: 'groupshare peer web API', version: init.version, description: 'See docs/web-api.md.' },
        components: {
          securitySchemes: {
            cookie: { type: 'apiKey', in: 'cookie', name: 'gs_<port>' },
            bearer: { type: 'http', scheme: 'bearer' },
          },
        },
      },
    });
    installGuards(app, {
      get cookieName() {
        return ctx.cookieName;
      },
      sessions,
      tokens: ctx.tokens,
      peerUser: () => init.service.userId,
      bindHost: init.host,
      port: () => port,
    });
    app.setErrorHandler((err, _request, reply) => {
      const { status, body } = errorReply(err);
      void reply.status(status).send(body);
    });
    // An empty JSON body is an empty object (a page's POST /join with the JSON header and no body).
    const json = app.getDefaultJsonParser('error', 'error');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '') done(null, {});
      else json(request, String(body), done);
    });
    // Browser uploads: the body stays a stream, counted and written straight to disk by the route.
    app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

    sessionRoutes(app, ctx);
    groupRoutes(app, ctx);
    transferRoutes(app, ctx);
    syncRoutes(app, ctx);
    const events = eventRoutes(app, ctx);
    // Prometheus text for this machine, or a script holding one of the API tokens.
    if (init.service.node) metricsRoute(app, createClientMetrics(init.service.node), { bearer: async (token) => (await ctx.tokens.userOf(token)) !== undefined });
    app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

    await app.register(fastifyStatic, { root: init.uiDir ?? defaultUiDir(), prefix: '/', index: ['index.html'], dotfiles: 'deny', serveDotFiles: false });
    app.setNotFoundHandler((request, reply) => {
      if (request.url.startsWith('/api/') || request.method !== 'GET') throw new WebError(404, 'ERR_NOT_FOUND', 'no such route');
      // The page routes in the browser: any other path is the page.
      return reply.sendFile('index.html');
    });

    await app.listen({ host: init.host, port: init.port });
    port = (app.server.address() as { port: number }).port;
    const shownHost = init.host.includes(':') ? `[${init.host}]` : init.host;
    return new WebServer(app, events.close, () => init.service.events.off('session', onSession), `${init.tls ? 'https' : 'http'}://${shownHost}:${port}/`);
  }

  async close(): Promise<void> {
    this.closeEvents();
    this.detach();
    await this.app.close();
  }
}
