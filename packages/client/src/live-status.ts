/**
 * The live one-line status of running downloads on a terminal, like aria2c's readout: rewritten
 * once a second on the row below the prompt (Output draws it there while a prompt shows, without
 * disturbing the line being typed), gone when no download runs. Never in piped mode: a script's
 * output must not fill with progress.
 */
import type { Output } from './output.js';
import { statusLine, type DownloadView } from './render-transfers.js';

/** How often the line is rewritten. */
export const STATUS_EVERY_MS = 1_000;

export interface LiveStatusInit {
  out: Output;
  /** This session's downloads (read at each tick). */
  downloads: () => readonly DownloadView[];
  everyMs?: number;
}

export class LiveStatus {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly init: LiveStatusInit) {}

  /** Starts rewriting the line. Idempotent. */
  start(): void {
    if (this.timer !== undefined) return;
    this.init.out.setStatus(() => statusLine(this.init.downloads()));
    this.timer = setInterval(() => this.init.out.refreshStatus(), this.init.everyMs ?? STATUS_EVERY_MS);
    this.timer.unref(); // it must never keep the client alive
  }

  /** Stops and removes the line. Idempotent. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.init.out.setStatus(undefined);
  }
}
