/**
 * Deletes expired sessions, on every tracker alike: the sweeper finds sessions past their expiry
 * and writes one `sessions_expired` op naming them, which every tracker applies as any other op
 * (apply-sessions.ts), so digests agree. A tracker's own clock decides nothing on its own.
 *
 * In a cluster every tracker runs one, staggered so they rarely name the same sessions: tracker n
 * sweeps only sessions expired for (n - 1) intervals, so tracker 1 does the work while it is up,
 * and the next one takes over an interval later when it is not. Two ops naming one session are
 * harmless (the second finds nothing to delete).
 */
import { MAX_SESSIONS_PER_SWEEP } from '@groupshare/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Effect } from './effects.js';
import type { TrackerStore } from './store.js';

export interface SessionSweeperInit {
  store: TrackerStore;
  reader: PrismaClient;
  log: FastifyBaseLogger;
  /** This tracker's number: its stagger. */
  trackerNumber: number;
  intervalMs: number;
  /** The effects of a sweep (connections to log out). */
  deliver: (effects: Effect[]) => void;
  now?: () => number;
}

/** Most ops one sweep writes; what is left waits for the next sweep. */
const MAX_ROUNDS = 20;

export class SessionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly init: SessionSweeperInit) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => this.init.log.warn({ err: (err as Error).message }, 'session sweep failed'))
        .finally(() => (this.running = undefined));
    }, this.init.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep: returns how many sessions it named. */
  async sweep(): Promise<number> {
    const { reader, store, trackerNumber, intervalMs } = this.init;
    const cutoff = (this.init.now ?? Date.now)() - (trackerNumber - 1) * intervalMs;
    let named = 0;
    // Bounded, in case an op named sessions it then did not delete (a clock far behind).
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const sessions = await reader.session.findMany({
        where: { expiresAt: { lte: new Date(cutoff) } },
        select: { tokenHash: true, userId: true },
        orderBy: { tokenHash: 'asc' },
        take: MAX_SESSIONS_PER_SWEEP,
      });
      if (sessions.length === 0) break;
      const { effects } = await store.mutate((w) => w.commit({ kind: 'sessions_expired', sessions }));
      this.init.deliver(effects);
      named += sessions.length;
      if (sessions.length < MAX_SESSIONS_PER_SWEEP) break;
    }
    if (named > 0) this.init.log.info({ event: 'sessions_expired', sessions: named }, `${named} expired sessions deleted`);
    return named;
  }
}
