/**
 * Periodically folds the stable prefix of the op log into the snapshot (docs/replication.md,
 * "Compaction"), so the log does not grow without bound. In two steps, so that no step stalls
 * the tracker: a pass captures the committed state as it is (store.captureSnapshot, read in
 * turns on a connection of its own), and a later pass installs that capture as the snapshot
 * once every tracker of the cluster holds the ops it folds in and none older can still appear
 * (state/horizon.ts); then the folded ops are deleted a few thousand at a time. While a tracker
 * has not been heard from since this one started, nothing is captured or installed, and
 * nothing is captured while one is more than a thousand ops behind.
 *
 * Eviction: a tracker away for longer than `evictAfterMs` (or forgotten on the console) is no
 * longer waited for, so one that never returns does not hold every other tracker's log back for
 * ever. If it does return, its vector lacks compacted ops and it catches up from the snapshot
 * (op-pump.ts); the ops it wrote that nobody received are handled by the store (docs).
 */
import type { Vector } from '@groupshare/protocol';
import type { SnapshotCapture, TrackerStore } from '../state/store.js';
import { captureIsStable } from '../state/horizon.js';
import type { ReplicationLinks } from './peer-links.js';
import type { ReplicationLog } from './peer-link.js';

/** How many ops another tracker may lack for this one to capture its state (pass). */
const MAX_LAG_TO_CAPTURE = 1_000;

/** How many of the ops in `mine` a tracker with vector `theirs` lacks. */
function opsBehind(theirs: Vector, mine: Vector): number {
  let behind = 0;
  for (const [origin, seq] of Object.entries(mine)) behind += Math.max(0, seq - (theirs[origin] ?? 0));
  return behind;
}

export interface CompactorInit {
  store: TrackerStore;
  /** Absent for a tracker alone: then its own clock is the only bound. */
  links?: ReplicationLinks;
  log: ReplicationLog;
  intervalMs: number;
  /** Capture only when at least this many ops would be folded in (a capture reads every row). */
  minOps: number;
  /** Stop waiting for a tracker away this long (`--evict-after`; Infinity: wait for ever). */
  evictAfterMs?: number;
}

export class Compactor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private capture: SnapshotCapture | undefined;
  /** Ops folded into the snapshot since start (status, tests). */
  compacted = 0;
  /** Peers no longer waited for, as of the last pass (logged once each time one is evicted). */
  readonly evicted = new Set<number>();

  constructor(private readonly init: CompactorInit) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.init.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns how many ops were folded into the snapshot. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  /** The peers compaction waits for: every one, but those away longer than evictAfterMs. */
  private waitedFor(links: ReplicationLinks): number[] {
    const limit = this.init.evictAfterMs ?? Infinity;
    return links.peers.filter((peer) => {
      const absent = links.absentForMs(peer);
      if (absent < limit) {
        this.evicted.delete(peer);
        return true;
      }
      if (!this.evicted.has(peer)) {
        this.evicted.add(peer);
        const why = absent === Infinity ? 'forgotten on the console' : `away for ${Math.round(absent / 1000)} s`;
        this.init.log.warn({ event: 'tracker_evicted', peer }, `compaction no longer waits for tracker ${peer} (${why}); if it returns it catches up from a snapshot`);
      }
      return false;
    });
  }

  private async pass(): Promise<number> {
    const { store, links } = this.init;
    try {
      const others = links ? this.waitedFor(links).map((peer) => links.peerProgress(peer)) : [];
      if (others.some((p) => p === undefined)) return 0;
      let count = 0;
      const self = await store.progress();
      const capture = this.capture;
      if (capture) {
        const facts = { self, others, hlcOf: (origin: number, seq: number) => store.hlcOf(origin, seq) };
        if (await captureIsStable(facts, capture)) {
          this.capture = undefined;
          count = await store.installCapture(capture);
          if (count > 0) {
            this.compacted += count;
            this.init.log.info({ event: 'log_compacted', ops: count, horizon: capture.horizon }, `compacted ${count} ops into the snapshot`);
            while ((await store.dropCompacted()) > 0);
          }
        }
      }
      // Capture only while every tracker is close behind: a capture cannot be installed before
      // they hold its ops, and reading the whole state while one catches up would slow it.
      const inSync = others.every((p) => opsBehind(p!.vector, self.vector) <= MAX_LAG_TO_CAPTURE);
      if (!this.capture && inSync && (await store.retainedOps()) >= this.init.minOps) this.capture = await store.captureSnapshot();
      return count;
    } catch (err) {
      this.init.log.error({ err: err as Error }, 'compaction failed');
      return 0;
    }
  }
}
