/**
 * Periodically folds the stable prefix of the op log into the snapshot (docs/replication.md,
 * "Compaction"), so the log does not grow without bound. Stable means every tracker of the
 * cluster has acknowledged it and no op can still appear below it (state/horizon.ts); while a
 * tracker has not been heard from since this one started, nothing is compacted.
 */
import type { TrackerStore } from '../state/store.js';
import { stableHorizon } from '../state/horizon.js';
import type { ReplicationLinks } from './peer-links.js';
import type { ReplicationLog } from './peer-link.js';

export interface CompactorInit {
  store: TrackerStore;
  /** Absent for a tracker alone: then its own clock is the only bound. */
  links?: ReplicationLinks;
  log: ReplicationLog;
  intervalMs: number;
  /** Compact only when at least this many ops would go (a compaction replays the retained log). */
  minOps: number;
}

export class Compactor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  /** Ops folded into the snapshot since start (status, tests). */
  compacted = 0;

  constructor(private readonly init: CompactorInit) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.init.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns how many ops were compacted. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    const { store, links } = this.init;
    try {
      const horizon = await stableHorizon({
        self: await store.progress(),
        others: links ? links.peers.map((peer) => links.peerProgress(peer)) : [],
        hlcOf: (origin, seq) => store.hlcOf(origin, seq),
        opsUpTo: (limit) => store.opsUpTo(limit),
      });
      if (horizon === undefined) return 0;
      if ((await store.opsUpTo(horizon)).length < this.init.minOps) return 0;
      const count = await store.compact(horizon);
      this.compacted += count;
      if (count > 0) this.init.log.info({ event: 'log_compacted', ops: count, horizon }, `compacted ${count} ops into the snapshot`);
      return count;
    } catch (err) {
      this.init.log.error({ err: err as Error }, 'compaction failed');
      return 0;
    }
  }
}
