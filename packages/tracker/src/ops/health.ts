/**
 * What `/health` and `/ready` decide (api/http-routes.ts), kept pure of HTTP so each reason is
 * tested on its own.
 *
 * Healthy: the tracker accepts clients (listening, not shutting down) and its database answers a
 * read of the file it opened. A database file deleted or replaced under a running tracker (a lost
 * disk, a restore done without stopping it) still answers from the old inode, which no later
 * start would see, so that counts as unhealthy too.
 *
 * Ready: healthy, and every replication link live and caught up (it has applied what the peer
 * had when the link came up). A tracker alone is ready when healthy.
 */
import { statSync } from 'node:fs';
import type { PeerLinkStatus } from '../replication/peer-link.js';

export interface HealthVerdict {
  ok: boolean;
  /** Why not, in words an operator acts on. */
  reason?: string;
}

/** A read the database must answer (throws if it cannot). */
export interface DatabaseProbe {
  file: string;
  read(): void;
}

/** Checks the database behind a tracker: it answers, and its file is still the one opened. */
export class DatabaseHealth {
  private readonly identity: string | undefined;

  constructor(private readonly probe: DatabaseProbe) {
    this.identity = DatabaseHealth.identify(probe.file);
  }

  private static identify(file: string): string | undefined {
    const info = statSync(file, { throwIfNoEntry: false });
    return info ? `${info.dev}:${info.ino}` : undefined;
  }

  /** Undefined when healthy, else the reason. */
  check(): string | undefined {
    try {
      this.probe.read();
    } catch (err) {
      return `the database does not answer: ${(err as Error).message}`;
    }
    const now = DatabaseHealth.identify(this.probe.file);
    if (now === undefined) return `the database file ${this.probe.file} is gone (deleted or its disk lost); restart the tracker once it is back`;
    if (now !== this.identity) return `the database file ${this.probe.file} was replaced since the tracker opened it; restart the tracker to use it`;
    return undefined;
  }
}

/** The health verdict from its parts, first failure first. */
export function healthVerdict(parts: { stopping: boolean; listening: boolean; database: string | undefined }): HealthVerdict {
  if (parts.stopping) return { ok: false, reason: 'the tracker is shutting down' };
  if (!parts.listening) return { ok: false, reason: 'the tracker is not accepting clients (not listening)' };
  if (parts.database !== undefined) return { ok: false, reason: parts.database };
  return { ok: true };
}

/** Ready: healthy and every link live and caught up; the reason names each peer that is not. */
export function readyVerdict(health: HealthVerdict, links: readonly PeerLinkStatus[]): HealthVerdict {
  if (!health.ok) return health;
  const notReady = links.flatMap((l) => {
    if (l.state !== 'live') return [`tracker ${l.peer}: replication link ${l.state}`];
    if (!l.caughtUp) return [`tracker ${l.peer}: catching up`];
    return [];
  });
  return notReady.length === 0 ? { ok: true } : { ok: false, reason: notReady.join('; ') };
}
