/**
 * The write path. Every change goes through `mutate`: one transaction that may read, then
 * commits ops; each op is applied and appended to the OpLog with this tracker's next sequence
 * number and an HLC timestamp, so state and log can never disagree. Writes are serialised by a
 * mutex (SQLite has one writer anyway), which also makes read-check-write handlers race-free.
 */
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { Mutex } from '../util/limiter.js';
import { applyOp } from './apply.js';
import type { Effect } from './effects.js';
import { HybridClock, parseHlc } from './hlc.js';
import type { Op, OpBody } from './ops.js';

export type Tx = Prisma.TransactionClient;

/** What a mutation sees: the transaction for reads, and `commit` for writes. */
export interface Writer {
  readonly tx: Tx;
  /** Applies an op now (later reads in this transaction see it) and logs it. */
  commit(body: OpBody): Promise<Op>;
}

export interface MutationResult<T> {
  value: T;
  effects: Effect[];
  ops: Op[];
}

export class TrackerStore {
  private readonly mutex = new Mutex();
  private lastSeq = 0;

  constructor(
    readonly prisma: PrismaClient,
    /** This tracker's number in tracker_info.txt: the origin of the ops it writes. */
    readonly origin: number,
    readonly clock: HybridClock = new HybridClock(origin),
  ) {}

  /** Reads where the log left off, so sequence numbers continue across restarts. */
  async start(): Promise<void> {
    const last = await this.prisma.opLog.findFirst({ where: { origin: this.origin }, orderBy: { seq: 'desc' } });
    this.lastSeq = last?.seq ?? 0;
    const newest = await this.prisma.opLog.findFirst({ orderBy: { hlc: 'desc' } });
    // Never issue a timestamp older than one already logged, even if the wall clock went back.
    if (newest) this.clock.observe(newest.hlc);
  }

  mutate<T>(fn: (writer: Writer) => Promise<T>): Promise<MutationResult<T>> {
    return this.mutex.run(async () => {
      let seq = this.lastSeq;
      const effects: Effect[] = [];
      const ops: Op[] = [];
      const value = await this.prisma.$transaction(async (tx) => {
        const writer: Writer = {
          tx,
          commit: async (body) => {
            const hlc = this.clock.now();
            const op = { ...body, at: new Date(parseHlc(hlc).wallMs).toISOString() } as Op;
            effects.push(...(await applyOp(tx, op)));
            seq += 1;
            await tx.opLog.create({
              data: { origin: this.origin, seq, hlc, op: JSON.stringify(op), appliedAt: new Date() },
            });
            ops.push(op);
            return op;
          },
        };
        return fn(writer);
      });
      this.lastSeq = seq; // only once the transaction committed
      return { value, effects, ops };
    });
  }

  /** Waits for the write in progress, if any (used when stopping). */
  async drain(): Promise<void> {
    await this.mutex.run(async () => undefined);
  }
}
