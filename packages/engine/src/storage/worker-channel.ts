/**
 * One long-lived worker thread answering numbered requests (any order), started on first use
 * from a function (eval-worker.ts), referenced only while a request is pending so an idle worker
 * never keeps the process alive, and started afresh after it dies (pending requests reject).
 *
 * The worker program answers each `{ id, ... }` message with `{ id, ... }`, or with
 * `{ id, error: { message, code?, errno?, syscall? } }`, which rejects with an Error carrying
 * those fields (an fs error arrives as the fs call gave it).
 */
import type { ResourceLimits, Worker } from 'node:worker_threads';

import { startEvalWorker, type WorkerMain } from './eval-worker.js';

export interface ErrorReply {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
}

export class WorkerChannel {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (reply: object) => void; reject: (err: Error) => void }>();

  constructor(
    private readonly main: WorkerMain,
    private readonly name: string,
    private readonly resourceLimits?: ResourceLimits,
  ) {}

  /** Sends `message` with a fresh `id` and resolves with the worker's answer to it. */
  ask<R extends object>(message: object): Promise<R> {
    const w = this.started();
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (reply: object) => void, reject });
      w.ref();
      w.postMessage({ ...message, id });
    });
  }

  /** Sends `message` expecting no answer (it is still handled in order with the requests). */
  tell(message: object): void {
    this.started().postMessage(message);
  }

  /** Whether a worker is running (a `tell` to a worker that died went nowhere). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const w = startEvalWorker(this.main, this.resourceLimits);
    w.unref(); // referenced only while a request is pending
    w.on('message', (reply: { id: number; error?: ErrorReply }) => {
      const request = this.pending.get(reply.id);
      if (request === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) w.unref();
      if (reply.error !== undefined) request.reject(Object.assign(new Error(reply.error.message), reply.error));
      else request.resolve(reply);
    });
    const fail = (err: Error): void => {
      if (this.worker === w) this.worker = undefined; // the next request starts a new one
      for (const request of this.pending.values()) request.reject(err);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the ${this.name} worker exited (code ${code})`)));
    this.worker = w;
    return w;
  }
}
