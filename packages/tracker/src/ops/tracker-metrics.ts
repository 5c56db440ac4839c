/**
 * The tracker's Prometheus metrics (`GET /metrics`, api/http-routes.ts), in a registry of its
 * own so that two trackers in one process (tests) never share counters. Gauges are read from the
 * tracker when scraped (`collect`), so nothing is computed between scrapes; counters and the
 * latency histogram are fed by the request dispatcher and by the store's applied ops.
 *
 * Label values are bounded: request types come from the protocol's closed list (anything else is
 * `invalid`), results are `ok` or a protocol error code, peers are tracker numbers.
 */
import { statSync } from 'node:fs';
import type { ReplicatedOp, Vector } from '@groupshare/protocol';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PeerLinkStatus } from '../replication/peer-link.js';
import { parseHlc } from '../state/hlc.js';

/** Prefix of every tracker series. */
export const TRACKER_METRICS_PREFIX = 'groupshare_tracker_';

/** What the metrics read from a running tracker at scrape time. */
export interface TrackerMetricsSource {
  trackerNumber: number;
  /** WebSocket clients connected, and of them logged in. */
  clients(): { connected: number; loggedIn: number };
  /** One entry per other tracker (none when alone). */
  links(): PeerLinkStatus[];
  /** What `peer` last said it holds, if heard from. */
  peerVector(peer: number): Vector | undefined;
  /** This tracker's own vector. */
  vector(): Promise<Vector>;
  /** Bytes read from and written to the replication socket(s) of `peer`, all links so far. */
  linkBytes(peer: number): { received: number; sent: number };
  /** The database file; its `-wal` beside it is counted too. */
  databaseFile: string;
  /** Subscribes to ops committed (local or replicated); returns the unsubscribe. */
  onApplied(listener: (ops: ReplicatedOp[]) => void): () => void;
  now?: () => number;
}

/** Ops `peer` holds that `mine` lacks, over every origin. */
export function opsBehind(mine: Vector, peer: Vector): number {
  let behind = 0;
  for (const [origin, seq] of Object.entries(peer)) behind += Math.max(0, seq - (mine[origin] ?? 0));
  return behind;
}

let processMetrics: Registry | undefined;

/**
 * Process CPU, memory, file descriptors and `nodejs_eventloop_lag_*`: one registry per process,
 * made once, since each one keeps an event-loop monitor (a timer) running for good.
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

function fileSize(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}

export class TrackerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'type' | 'result'>;
  private readonly latency: Histogram<'type'>;
  private readonly failedLogins: Counter;
  private readonly throttledLogins: Counter;
  /** Latest op applied from each other tracker: its HLC wall time. */
  private readonly lastApplied = new Map<number, number>();
  private readonly unsubscribe: () => void;

  constructor(private readonly source: TrackerMetricsSource) {
    const registers = [this.registry];
    const p = TRACKER_METRICS_PREFIX;
    const now = source.now ?? Date.now;
    new Gauge({
      name: `${p}clients_connected`,
      help: 'WebSocket clients connected',
      registers,
      collect() {
        this.set(source.clients().connected);
      },
    });
    new Gauge({
      name: `${p}clients_logged_in`,
      help: 'Connected clients that are logged in',
      registers,
      collect() {
        this.set(source.clients().loggedIn);
      },
    });
    this.requests = new Counter({ name: `${p}requests_total`, help: 'Client requests by type and result (ok or the error code)', labelNames: ['type', 'result'], registers });
    this.latency = new Histogram({
      name: `${p}request_duration_seconds`,
      help: 'Time to answer a client request, by type',
      labelNames: ['type'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.failedLogins = new Counter({ name: `${p}logins_failed_total`, help: 'Logins refused for a wrong user id or password', registers });
    this.throttledLogins = new Counter({ name: `${p}logins_throttled_total`, help: 'Logins refused by the failed-login throttle', registers });
    new Gauge({
      name: `${p}replication_link_up`,
      help: 'Whether the replication link to another tracker is live (1) or not (0)',
      labelNames: ['peer'],
      registers,
      collect() {
        for (const l of source.links()) this.set({ peer: String(l.peer) }, l.state === 'live' ? 1 : 0);
      },
    });
    new Gauge({
      name: `${p}replication_ops_behind`,
      help: 'Ops another tracker last said it holds that this tracker has not applied',
      labelNames: ['peer'],
      registers,
      async collect() {
        const mine = await source.vector();
        for (const l of source.links()) {
          const theirs = source.peerVector(l.peer);
          if (theirs) this.set({ peer: String(l.peer) }, opsBehind(mine, theirs));
        }
      },
    });
    const lastApplied = this.lastApplied;
    new Gauge({
      name: `${p}replication_last_applied_op_age_seconds`,
      help: 'Age (by its timestamp) of the newest op written by another tracker and applied here',
      labelNames: ['peer'],
      registers,
      collect() {
        for (const [peer, wallMs] of lastApplied) this.set({ peer: String(peer) }, Math.max(0, (now() - wallMs) / 1000));
      },
    });
    const appliedOps = new Counter({ name: `${p}replication_ops_applied_total`, help: 'Ops written by another tracker and applied here, by that tracker', labelNames: ['peer'], registers });
    new Gauge({
      name: `${p}replication_bytes`,
      help: 'Bytes on the replication sockets of another tracker since this tracker started, by direction',
      labelNames: ['peer', 'direction'],
      registers,
      collect() {
        for (const l of source.links()) {
          const bytes = source.linkBytes(l.peer);
          this.set({ peer: String(l.peer), direction: 'received' }, bytes.received);
          this.set({ peer: String(l.peer), direction: 'sent' }, bytes.sent);
        }
      },
    });
    new Gauge({
      name: `${p}database_bytes`,
      help: 'Size of the SQLite database, main file and write-ahead log',
      labelNames: ['file'],
      registers,
      collect() {
        this.set({ file: 'main' }, fileSize(source.databaseFile));
        this.set({ file: 'wal' }, fileSize(`${source.databaseFile}-wal`));
      },
    });
    this.unsubscribe = source.onApplied((ops) => {
      for (const op of ops) {
        const { node, wallMs } = parseHlc(op.hlc);
        if (node === source.trackerNumber) continue;
        appliedOps.inc({ peer: String(node) });
        if (wallMs > (lastApplied.get(node) ?? 0)) lastApplied.set(node, wallMs);
      }
    });
  }

  /** Records one answered client request; `result` is `ok` or the error code. */
  observeRequest(type: string, result: string, seconds: number): void {
    this.requests.inc({ type, result });
    this.latency.observe({ type }, seconds);
    if (type !== 'login') return;
    if (result === 'ERR_BAD_CREDENTIALS') this.failedLogins.inc();
    else if (result === 'ERR_RATE_LIMITED') this.throttledLogins.inc();
  }

  /** The Prometheus text exposition: this tracker's series, then the process's. */
  text(): Promise<string> {
    return Registry.merge([this.registry, processRegistry()]).metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.unsubscribe();
    this.registry.clear();
  }
}
