/**
 * The tracker's admin page (`--admin host:port`): its own fastify server, apart from the
 * clients' port, so it can stay on loopback while clients reach the tracker from anywhere. It
 * serves the page (static-files.ts) and its JSON API (auth-routes.ts, data-routes.ts), behind
 * the checks of guards.ts.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { loadAdminToken } from '../admin/admin-credentials.js';
import type { Tracker } from '../tracker.js';
import { adminCookieName } from './admin-sessions.js';
import { AdminAuth } from './auth-routes.js';
import { registerDataRoutes } from './data-routes.js';
import { AdminGuards } from './guards.js';
import { DEFAULT_ADMIN_PAGE_DIR, registerStaticFiles } from './static-files.js';

export interface AdminServerInit {
  tracker: Tracker;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Where the built page is (default packages/web-ui/dist-admin). */
  pageDir?: string;
}

/** Addresses that keep the admin page on this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export class AdminServer {
  private constructor(
    readonly app: FastifyInstance,
    private readonly init: AdminServerInit,
    /** The token file's path (its content is never logged). */
    readonly tokenFile: string,
    readonly tokenCreated: boolean,
  ) {}

  /** Makes the token file if missing and builds the server (not yet listening). */
  static async create(init: AdminServerInit): Promise<AdminServer> {
    const { tracker } = init;
    const { token, file, created } = await loadAdminToken(tracker.init.dataDir);
    const app = Fastify({
      loggerInstance: tracker.services.log as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: 64 * 1024,
    });
    const server = new AdminServer(app, init, file, created);
    const guards = new AdminGuards(init.host, () => server.port);
    app.addHook('onRequest', guards.checkHost);
    app.addHook('onSend', guards.secureHeaders);
    const auth = new AdminAuth({ services: tracker.services, dataDir: tracker.init.dataDir, token, guards, cookieName: () => adminCookieName(server.port) });
    auth.register(app);
    registerDataRoutes(app, tracker, auth.required);
    registerStaticFiles(app, init.pageDir ?? DEFAULT_ADMIN_PAGE_DIR);
    return server;
  }

  /** Listens and returns the page's URL. */
  async start(): Promise<string> {
    await this.app.listen({ host: this.init.host, port: this.init.port });
    return this.url;
  }

  get port(): number {
    const addr = this.app.server.address();
    return addr && typeof addr !== 'string' ? addr.port : this.init.port;
  }

  get url(): string {
    const host = this.init.host.includes(':') && !this.init.host.startsWith('[') ? `[${this.init.host}]` : this.init.host;
    return `http://${host}:${this.port}/`;
  }

  stop(): Promise<void> {
    return this.app.close();
  }
}
