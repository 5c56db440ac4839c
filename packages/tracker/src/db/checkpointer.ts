/**
 * WAL checkpoints on a thread of their own.
 *
 * Why: SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold (1,000
 * pages), on the committing connection: it copies the WAL into the database file and fsyncs
 * both. On the tracker that is the event loop, and at a thousand writes a second it happened
 * several times a second, each stalling every request for 20 ms or, with the disk busy, 300 ms.
 *
 * Here a worker thread with its own connection checkpoints instead, and the writer's automatic
 * checkpoint is off (open-database.ts):
 * - every `intervalMs`, PASSIVE: copies what it can and fsyncs, never waiting for anyone;
 * - once the WAL holds more than `restartFrames`, RESTART: also rewinds the WAL, so the file
 *   does not grow while writes never pause. It holds the write lock while it finishes copying;
 *   the tracker's writer then gets SQLITE_BUSY at once (its busy timeout is 0) and its write
 *   queue retries a moment later instead of blocking the event loop (write-queue.ts).
 *
 * The worker is started from source text (`eval`), so the same code runs from `dist/` and in
 * the tests on `src/`; it loads the very better-sqlite3 this package resolves.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** WAL frames (pages) past which the checkpointer rewinds the WAL: 4,096 pages, 16 MiB. */
export const RESTART_FRAMES = 4_096;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true, timeout: workerData.timeoutMs });
db.pragma('synchronous = NORMAL');
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');
const timer = setInterval(() => {
  try {
    const { log } = passive.get();
    if (log > workerData.restartFrames) restart.get();
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointerInit {
  file: string;
  /** How often to checkpoint. */
  intervalMs?: number;
  restartFrames?: number;
  /** A failed checkpoint (the next one retries; the writer's own threshold is the backstop). */
  onError?: (message: string) => void;
}

export class Checkpointer {
  private worker: Worker | undefined;
  private exited: Promise<void> | undefined;

  constructor(private readonly init: CheckpointerInit) {}

  start(): void {
    if (this.worker) return;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // A RESTART that cannot get the locks within 200 ms gives up; the next one tries again.
      workerData: { driver, file: this.init.file, intervalMs: this.init.intervalMs ?? 100, restartFrames: this.init.restartFrames ?? RESTART_FRAMES, timeoutMs: 200 },
    });
    worker.on('message', (m: { error?: string }) => m.error && this.init.onError?.(m.error));
    worker.on('error', (err) => this.init.onError?.(err.message));
    worker.unref();
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    this.worker = worker;
  }

  /** Stops checkpointing and closes the thread's connection. Idempotent. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    worker.ref(); // unref'd while it runs; now the process must wait for it to close its connection
    worker.postMessage('stop');
    await this.exited;
  }
}
