/**
 * The cluster as the admin page shows it: every tracker of tracker_info.txt, asked for its
 * `/status` and `/digest` (with a proof of the cluster secret, api/http-routes.ts), so what is
 * shown is what each tracker says of itself, not what this one guesses. A tracker that does not
 * answer within TRACKER_ANSWER_MS is shown down.
 */
import { formatHostPort } from '@groupshare/protocol';
import { STATUS_PROOF_HEADER, statusProof } from '../api/http-routes.js';
import type { PeerLinkStatus } from '../replication/peer-link.js';
import type { Tracker, TrackerStatus } from '../tracker.js';

/** How long another tracker may take to answer before it is shown down. */
export const TRACKER_ANSWER_MS = 1_500;

export interface ClusterTracker {
  tracker: number;
  address: string;
  /** The tracker serving this admin page. */
  self: boolean;
  up: boolean;
  /** Why it is shown down. */
  error?: string;
  /** Its own view of replication (TrackerStatus.sync). */
  sync?: TrackerStatus['sync'];
  digest?: string;
  /** Whether its digest equals this tracker's; null when down. */
  digestEqual: boolean | null;
  /**
   * The last op applied from each origin (the random id of the database that wrote it, one per
   * tracker's data directory): origin → sequence number of that origin's last op applied here.
   */
  lastApplied?: Record<string, number>;
  /** Ops some reachable tracker has applied and this one has not; null when down. */
  opsBehind: number | null;
  /** This tracker's replication link to it (absent for itself). */
  link?: Pick<PeerLinkStatus, 'state' | 'caughtUp' | 'unackedMs' | 'lastAckAt'>;
  users?: number;
  groups?: number;
  files?: number;
  clients?: number;
}

interface Report {
  status: TrackerStatus;
  digest: string;
  vector: Record<string, number>;
}

async function askTracker(address: string, secret: string, fetchTimeoutMs: number): Promise<Report> {
  const get = async (path: string) => {
    const response = await fetch(`http://${address}${path}`, {
      headers: { [STATUS_PROOF_HEADER]: statusProof(secret, path, Date.now()) },
      signal: AbortSignal.timeout(fetchTimeoutMs),
    });
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const [status, digest] = await Promise.all([get('/status'), get('/digest')]);
  return { status: status as unknown as TrackerStatus, digest: String(digest.digest), vector: (digest.vector ?? {}) as Record<string, number> };
}

function whyDown(err: unknown): string {
  const e = err as Error & { cause?: { code?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${TRACKER_ANSWER_MS} ms`;
  return e.cause?.code ?? e.message;
}

/** Every tracker of the cluster (just this one when it runs alone), in number order. */
export async function clusterView(tracker: Tracker, fetchTimeoutMs = TRACKER_ANSWER_MS): Promise<ClusterTracker[]> {
  const me = tracker.init.trackerNumber;
  const own: Report = { status: await tracker.status(), ...(await tracker.digestAndVector()) };
  const cluster = tracker.init.cluster;
  const addresses = cluster ? cluster.trackers.map((t) => formatHostPort(t)) : [tracker.address];
  const links = new Map((tracker.links?.status() ?? []).map((l) => [l.peer, l]));
  const reports = await Promise.all(
    addresses.map(async (address, i): Promise<Report | Error> => {
      if (i + 1 === me || !cluster) return own;
      return askTracker(address, cluster.secret, fetchTimeoutMs).catch((err: unknown) => new Error(whyDown(err)));
    }),
  );
  // Per origin, the most any reachable tracker has applied: what each one is measured against.
  const most: Record<string, number> = {};
  for (const r of reports) if (!(r instanceof Error)) for (const [origin, seq] of Object.entries(r.vector)) most[origin] = Math.max(most[origin] ?? 0, seq);
  return reports.map((r, i) => {
    const n = cluster ? i + 1 : me;
    const link = links.get(n);
    const base = {
      tracker: n,
      address: addresses[i]!,
      self: n === me,
      ...(link ? { link: { state: link.state, caughtUp: link.caughtUp, unackedMs: link.unackedMs, lastAckAt: link.lastAckAt } } : {}),
    };
    if (r instanceof Error) return { ...base, up: false, error: r.message, digestEqual: null, opsBehind: null };
    const behind = Object.entries(most).reduce((sum, [origin, seq]) => sum + seq - (r.vector[origin] ?? 0), 0);
    return {
      ...base,
      up: true,
      sync: r.status.sync,
      digest: r.digest,
      digestEqual: r.digest === own.digest,
      lastApplied: r.vector,
      opsBehind: behind,
      users: r.status.users,
      groups: r.status.groups,
      files: r.status.files,
      clients: r.status.clients,
    };
  });
}
