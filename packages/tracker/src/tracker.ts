/**
 * Builds a tracker: database, services, fastify app with `/ws`, `/health`, `/ready`, `/metrics`,
 * `/status` and `/digest` (api/http-routes.ts). `start()` listens,
 * `stop()` closes client sockets, waits for requests in flight and the last write, and closes
 * the database; it is idempotent. The process entry point (main.ts) adds the console and signals.
 */
import websocket from '@fastify/websocket';
import { MAX_MESSAGE_BYTES, type TrackerAddress } from '@groupshare/protocol';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import path from 'node:path';
import type { Logger } from 'pino';
import { AddressLimit } from './api/address-limit.js';
import { clientSocketRoutes } from './api/client-socket.js';
import { registerHttpRoutes } from './api/http-routes.js';
import type { TrackerServices } from './api/context.js';
import { normaliseRemoteAddress } from './api/client-connection.js';
import { ClientHub } from './api/hub.js';
import { LoginGuard, LoginThrottle, type LoginThrottleInit } from './auth/login-throttle.js';
import { PasswordHasher } from './auth/passwords.js';
import { RegistrationLimit, type RegistrationLimitInit } from './auth/registration-limit.js';
import { TicketIssuer } from './auth/tickets.js';
import { CLOSE_GRACE_MS, LAGGING_AFTER_MS, DEFAULT_COMPACTION, DEFAULT_EVICT_AFTER_MS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_HASH_CONCURRENCY, DEFAULT_HASH_QUEUE, DEFAULT_LOGIN_THROTTLE, DEFAULT_ACCOUNT_LOGIN_THROTTLE, DEFAULT_REGISTRATION_LIMIT, DEFAULT_SESSION_SWEEP_MS, DEFAULT_SESSION_TTL_MS } from './constants.js';
import { openDatabase, type TrackerDatabase } from './db/open-database.js';
import { createTrackerLogger, type TrackerLog } from './logger.js';
import { TrackerQueries } from './state/queries.js';
import { SqlReads } from './state/sql/reads.js';
import { ReplicationLinks, registerReplicationRoute } from './replication/peer-links.js';
import type { PeerLinkStatus } from './replication/peer-link.js';
import { Compactor } from './replication/compactor.js';
import { DatabaseHealth, healthVerdict, readyVerdict, type HealthVerdict } from './ops/health.js';
import { backupDatabase, type BackupResult } from './ops/backup.js';
import { TrackerMetrics } from './ops/tracker-metrics.js';
import { DigestCache, stateDigest } from './state/digest.js';
import { SessionSweeper } from './state/session-sweeper.js';
import { SECURITY_EVENTS_KEPT, SecurityEvents } from './security-events.js';
import { CloseCode } from './replication/constants.js';
import { TrackerStore } from './state/store.js';

export interface TrackerInit {
  /** This tracker's number (its line in tracker_info.txt). */
  trackerNumber: number;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  dataDir: string;
  /** Defaults to a logger writing the data directory's log files only (logger.ts). */
  logger?: Logger;
  sessionTtlMs?: number;
  /** How often expired sessions are swept (DEFAULT_SESSION_SWEEP_MS). */
  sessionSweepMs?: number;
  /** The strict throttle, per address and per (user, address). */
  loginThrottle?: Partial<LoginThrottleInit>;
  /** The loose one per user id. */
  accountLoginThrottle?: Partial<LoginThrottleInit>;
  /** Registrations per client address (DEFAULT_REGISTRATION_LIMIT). */
  registrationLimit?: Partial<RegistrationLimitInit>;
  hashConcurrency?: number;
  hashQueue?: number;
  now?: () => number;
  /**
   * The other trackers and the shared secret (docs/replication.md). Without it this tracker
   * runs alone: nothing is replicated.
   */
  cluster?: { trackers: readonly Pick<TrackerAddress, 'host' | 'port'>[]; secret: string };
  /**
   * Reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For gives a client's address as
   * advertised to other peers (api/trusted-proxy.ts). None by default.
   */
  trustProxy?: string[];
  /** Most WebSockets one remote address may hold open (DEFAULT_MAX_CONNECTIONS_PER_ADDRESS). */
  maxConnectionsPerAddress?: number;
  /**
   * Addresses that may read `/status` and `/digest` without proving the cluster secret;
   * `loopback` (the default) stands for 127.0.0.0/8 and ::1.
   */
  statusTrusted?: readonly string[];
  /** A bearer token that may read `/metrics` from any address (`--metrics-token-file`). */
  metricsToken?: string;
  /**
   * How often to try compacting the op log, the fewest ops worth it, and how long a tracker may be
   * away before compaction stops waiting for it (docs/replication.md).
   */
  compaction?: { intervalMs?: number; minOps?: number; evictAfterMs?: number };
}

export interface TrackerStatus {
  tracker: number;
  address: string;
  uptimeS: number;
  clients: number;
  loggedIn: number;
  users: number;
  groups: number;
  files: number;
  shares: number;
  digest: string;
  /**
   * `alone` (no cluster); `no peer reachable`; `catching up` (a peer had ops this tracker still
   * lacks); `lagging` (a peer has not acknowledged ops for over a second: a silent partition or
   * a stuck peer); else `in sync`.
   */
  sync: 'alone' | 'catching up' | 'in sync' | 'lagging' | 'no peer reachable';
  links: PeerLinkStatus[];
}

export class Tracker {
  private stopping: Promise<void> | undefined;
  /** Prometheus series of this tracker (`GET /metrics`). */
  metrics!: TrackerMetrics;
  private dbHealth!: DatabaseHealth;
  private readonly startedAt = Date.now();
  private readonly inFlight = new Set<Promise<void>>();
  /** Recomputed only after writes (state/digest.ts). */
  private readonly digests = new DigestCache(
    () => this.db.sqlite.reader.pragma('data_version', { simple: true }) as number,
    async () => {
      const digest = await stateDigest(this.db.reader);
      return { digest, vector: await this.services.store.vector() };
    },
  );

  /** Replication links to the other trackers, when this tracker is part of a cluster. */
  links: ReplicationLinks | undefined;
  compactor!: Compactor;
  /** The logger this tracker made itself (no `init.logger`), closed when it stops. */
  private ownLog: TrackerLog | undefined;
  sessionSweeper!: SessionSweeper;

  private constructor(
    readonly init: TrackerInit,
    readonly app: FastifyInstance,
    readonly services: TrackerServices,
    private readonly db: TrackerDatabase,
    /** The hot reads' own connection (state/sql/reads.ts), closed with the database. */
    private readonly sql: SqlReads,
  ) {}

  static async create(init: TrackerInit): Promise<Tracker> {
    const ownLog = init.logger ? undefined : await createTrackerLogger({ dataDir: init.dataDir, trackerNumber: init.trackerNumber });
    const logger = init.logger ?? ownLog!.logger;
    const db = await openDatabase({
      file: path.join(init.dataDir, 'tracker.db'),
      backgroundCheckpoints: true,
      onCheckpointError: (message) => logger.warn({ err: message }, 'WAL checkpoint failed'),
    });
    let sql: SqlReads | undefined;
    try {
      sql = new SqlReads(db.file);
      const store = new TrackerStore(db, init.trackerNumber);
      await store.start();
      const hub = new ClientHub();
      const services: TrackerServices = {
        store,
        reader: db.reader,
        hub,
        queries: new TrackerQueries(db.reader, sql, hub),
        hasher: new PasswordHasher({
          maxConcurrent: init.hashConcurrency ?? DEFAULT_HASH_CONCURRENCY,
          maxQueued: init.hashQueue ?? DEFAULT_HASH_QUEUE,
        }),
        throttle: new LoginGuard(
          new LoginThrottle({ ...DEFAULT_LOGIN_THROTTLE, ...init.loginThrottle }),
          new LoginThrottle({ ...DEFAULT_ACCOUNT_LOGIN_THROTTLE, ...init.accountLoginThrottle }),
        ),
        registrations: new RegistrationLimit({ ...DEFAULT_REGISTRATION_LIMIT, ...init.registrationLimit }),
        log: logger,
        sessionTtlMs: init.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
        now: init.now ?? Date.now,
        securityEvents: new SecurityEvents(SECURITY_EVENTS_KEPT, init.now ?? Date.now),
        tickets: TicketIssuer.load({ dataDir: init.dataDir, ...(init.cluster ? { clusterSecret: init.cluster.secret } : {}) }),
      };
      await services.hasher.ready();
      // Per-request HTTP lines would be noise (health probes, one upgrade per client); the
      // tracker logs its own events instead.
      // Pushes caused by ops from other trackers reach this tracker's clients too.
      store.onRemoteEffects = (effects) => hub.deliver(effects);
      const app = Fastify({
        loggerInstance: logger as FastifyBaseLogger,
        logController: new LogController({ disableRequestLogging: true }),
        trustProxy: init.trustProxy?.length ? init.trustProxy : false,
      });
      const tracker = new Tracker(init, app, services, db, sql);
      tracker.ownLog = ownLog;
      tracker.dbHealth = new DatabaseHealth({ file: db.file, read: () => db.sqlite.reader.prepare('SELECT count(*) FROM sqlite_master').get() });
      const limit = new AddressLimit(init.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, (ip) => {
        logger.warn({ event: 'connections_refused', ip, max: limit.maxPerAddress }, `refusing connections from ${ip}: ${limit.maxPerAddress} already open`);
        services.securityEvents.record({ kind: 'connections_refused', ip, message: `refusing connections from ${ip}: ${limit.maxPerAddress} already open` });
      });
      store.onRebuilt = () => void tracker.revalidateSessions();
      await app.register(websocket, {
        options: { maxPayload: MAX_MESSAGE_BYTES },
        // Socket errors are the client's doing (an oversized frame, a reset): a one-line warning,
        // not an error with a stack trace that any client could trigger at will.
        errorHandler: (error, socket, request) => {
          logger.warn({ ip: request.socket.remoteAddress, err: error.message }, 'client socket error');
          // For a frame it refuses (over the size limit: 1009; invalid UTF-8: 1007) ws has just
          // sent a close frame naming the fault. Cutting the connection at once would often drop
          // that frame unsent, and the client would see a bare 1006 and not know why; so the
          // closing handshake gets a moment (ws reads nothing more from this socket meanwhile).
          if (socket.readyState === socket.CLOSING) {
            setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
            // Meanwhile ws would read and discard whatever else the client sends (after its own
            // resume, on the next tick): at loopback speed that is megabytes a second of work per
            // socket for a flood of oversized frames. Not reading leaves TCP to stop the sender.
            const raw = (socket as unknown as { _socket?: { pause(): void } })._socket;
            process.nextTick(() => process.nextTick(() => raw?.pause()));
          } else socket.terminate();
        },
      });
      if (init.cluster) {
        const links = new ReplicationLinks({
          me: init.trackerNumber,
          trackers: init.cluster.trackers,
          secret: init.cluster.secret,
          store,
          log: logger,
          presence: { local: () => hub.localPresence(), remote: (link, online) => hub.setRemotePresence(link, online) },
        });
        hub.onPresenceChange = () => links.presenceChanged();
        links.on('closed', (link, code, reason) => recordRefusedLink(services, link, code, reason));
        tracker.links = links;
        registerReplicationRoute(app, tracker.links, (socket, address) => limit.admit(socket, normaliseRemoteAddress(address)));
      }
      tracker.compactor = new Compactor({
        store,
        ...(tracker.links ? { links: tracker.links } : {}),
        log: logger,
        intervalMs: init.compaction?.intervalMs ?? DEFAULT_COMPACTION.intervalMs,
        minOps: init.compaction?.minOps ?? DEFAULT_COMPACTION.minOps,
        evictAfterMs: init.compaction?.evictAfterMs ?? DEFAULT_EVICT_AFTER_MS,
      });
      tracker.sessionSweeper = new SessionSweeper({
        store,
        reader: db.reader,
        log: logger,
        trackerNumber: init.trackerNumber,
        intervalMs: init.sessionSweepMs ?? DEFAULT_SESSION_SWEEP_MS,
        deliver: (effects) => hub.deliver(effects),
      });
      tracker.metrics = new TrackerMetrics({
        trackerNumber: init.trackerNumber,
        clients: () => ({ connected: hub.size, loggedIn: hub.loggedIn }),
        links: () => tracker.links?.status() ?? [],
        peerVector: (peer) => tracker.links?.peerProgress(peer)?.vector,
        vector: () => store.vector(),
        linkBytes: (peer) => tracker.links?.linkBytes(peer) ?? { received: 0, sent: 0 },
        databaseFile: db.file,
        onApplied: (listener) => store.onApplied(listener),
      });
      services.metrics = tracker.metrics;
      registerHttpRoutes(app, {
        trackerNumber: init.trackerNumber,
        health: () => tracker.health(),
        ready: () => tracker.ready(),
        metrics: tracker.metrics,
        ...(init.metricsToken ? { metricsToken: init.metricsToken } : {}),
        uptimeS: () => tracker.uptimeS(),
        status: () => tracker.status(),
        digest: async () => ({ tracker: init.trackerNumber, ...(await tracker.digestAndVector()) }),
        ...(init.cluster ? { secret: init.cluster.secret } : {}),
        ...(init.statusTrusted ? { trusted: init.statusTrusted } : {}),
      });
      await app.register(clientSocketRoutes, { services, inFlight: tracker.inFlight, limit });
      return tracker;
    } catch (err) {
      sql?.close();
      await db.close();
      ownLog?.close();
      throw err;
    }
  }

  /** Listens and returns the bound `host:port`. */
  async start(): Promise<string> {
    await this.app.listen({ host: this.init.host, port: this.init.port });
    this.links?.start();
    this.compactor.start();
    this.sessionSweeper.start();

    this.services.log.info({ event: 'tracker_started', address: this.address }, `tracker ${this.init.trackerNumber} listening on ${this.address}`);
    return this.address;
  }

  get address(): string {
    const addr = this.app.server.address();
    if (!addr || typeof addr === 'string') return `${this.init.host}:${this.init.port}`;
    return addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
  }

  get port(): number {
    const addr = this.app.server.address();
    return addr && typeof addr !== 'string' ? addr.port : this.init.port;
  }

  async status(): Promise<TrackerStatus> {
    const counts = await this.services.queries.counts();
    return {
      tracker: this.init.trackerNumber,
      address: this.address,
      uptimeS: this.uptimeS(),
      clients: this.services.hub.size,
      loggedIn: this.services.hub.loggedIn,
      ...counts,
      digest: await this.digest(),
      sync: this.syncState(),
      links: this.links?.status() ?? [],
    };
  }

  /** `/health`: accepting clients and the database answers (ops/health.ts). */
  health(): HealthVerdict {
    return healthVerdict({ stopping: this.stopping !== undefined, listening: this.app.server.listening, database: this.dbHealth.check() });
  }

  /**
   * Writes a consistent copy of the database to the new file `dest`, while serving (ops/backup.ts).
   *
   * @throws {OperatorError} ERR_BACKUP when `dest` exists or cannot be written.
   */
  backup(dest: string): BackupResult {
    return backupDatabase(this.db.file, dest);
  }

  /**
   * `/ready`: healthy, and every replication link live and caught up, except to trackers no
   * longer waited for (away past `--evict-after`, or forgotten with `forget_tracker`).
   */
  ready(): HealthVerdict {
    const links = this.links;
    const evictAfterMs = this.init.compaction?.evictAfterMs ?? DEFAULT_EVICT_AFTER_MS;
    return readyVerdict(this.health(), links?.status().filter((l) => links.absentForMs(l.peer) < evictAfterMs) ?? []);
  }

  private syncState(): TrackerStatus['sync'] {
    if (!this.links) return 'alone';
    const links = this.links.status();
    const live = links.filter((l) => l.state === 'live');
    if (live.length === 0) return 'no peer reachable';
    if (!live.every((l) => l.caughtUp)) return 'catching up';
    return live.some((l) => l.unackedMs > LAGGING_AFTER_MS) ? 'lagging' : 'in sync';
  }

  /** SHA-256 of the replicated state: equal on trackers that are in sync. */
  async digest(): Promise<string> {
    return (await this.digests.get()).digest;
  }

  /** The digest with the vector of ops applied, read together (`GET /digest`). */
  digestAndVector(): Promise<{ digest: string; vector: Record<string, number> }> {
    return this.digests.get();
  }

  /**
   * After the state was rebuilt (a late op from another tracker), a logged-in connection may
   * belong to a session that no longer exists: its registration lost a conflict. Such clients
   * are logged out and told why.
   */
  async revalidateSessions(): Promise<void> {
    for (const conn of [...this.services.hub.all()]) {
      const session = conn.session;
      if (!session) continue;
      const row = await this.db.reader.session.findUnique({ where: { tokenHash: session.tokenHash }, include: { user: { select: { createdHlc: true } } } });
      if (row && row.user.createdHlc === session.account) continue;
      // Already logged out meanwhile, e.g. by the effect of the op that caused the rebuild (a
      // removal or a password reset), which told the client the real reason.
      if (conn.session !== session) continue;
      this.services.hub.setSession(conn, null);
      // A rebuild replays ops without their effects, so the reason is read from the state: the
      // account changed (a lost registration race, or a reset), is gone, or only the session is.
      const user = row?.user ?? (await this.db.reader.user.findUnique({ where: { id: session.userId }, select: { createdHlc: true } }));
      const reason =
        user === null
          ? `the account "${session.userId}" was removed`
          : user.createdHlc !== session.account
            ? `your registration of "${session.userId}" lost to one made at the same time on another tracker (or its password was reset); log in again or register another id`
            : 'your session ended on another tracker: logged out, expired, or the oldest of more sessions than an account may hold; log in again';
      conn.push({ push: 'session_ended', data: { reason } });
      this.services.log.warn({ event: 'session_ended', userId: session.userId, reason }, 'session ended found after replaying the log');
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const log = this.services.log;
      log.info({ event: 'tracker_stopping' }, 'tracker stopping');
      // Links first, so peers see a clean close (1001) rather than a dropped socket; then the app,
      // which closes every client socket (fastify-websocket's preClose) and the port.
      await this.compactor.stop();
      await this.sessionSweeper.stop();
      await this.links?.stop();
      await this.app.close();
      await Promise.allSettled([...this.inFlight]);
      await this.services.store.drain();
      this.sql.close();
      await this.db.close();
      this.metrics.close();
      log.info({ event: 'tracker_stopped' }, 'tracker stopped');
      this.ownLog?.close();
    })();
    return this.stopping;
  }

  private uptimeS(): number {
    return Math.round((Date.now() - this.startedAt) / 1000);
  }
}

/** Replication links closed for a bad cluster secret or a tracker number that does not fit. */
const REFUSED_LINK_CODES: ReadonlySet<number> = new Set([CloseCode.BAD_SECRET, CloseCode.UNKNOWN_TRACKER]);

function recordRefusedLink(services: TrackerServices, link: PeerLinkStatus, code: number, reason: string): void {
  if (!REFUSED_LINK_CODES.has(code)) return;
  const who = link.peer ? `tracker ${link.peer}` : 'an unidentified tracker';
  services.securityEvents.record({
    kind: 'replication_refused',
    ...(link.peer ? { peer: link.peer } : {}),
    ...(link.remoteAddress ? { ip: link.remoteAddress } : {}),
    message: `replication link with ${who} refused: ${reason} (${code})`,
  });
}
