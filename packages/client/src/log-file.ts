/**
 * An append-only text log that rotates at a size limit, as logrotate would: `client.log` becomes
 * `client.log.1`, `.1` becomes `.2` and so on, the oldest of {@link LogFileOptions.keep} is
 * dropped, and a fresh file is started. So a flood of events (a hostile peer opening thousands of
 * connections) costs at most `(keep + 1) × maxBytes` of disk.
 *
 * Lines are written synchronously: they are short and few (a line per download event, per
 * unusual peer connection), a write of one into the page cache takes microseconds, and a line
 * written before a crash is a line that is there afterwards. A log that cannot be written is
 * dropped silently: it must never stop the client.
 */
import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

/** Default size at which the log is rotated. */
export const MAX_LOG_BYTES = 10 * 1024 * 1024;
/** Default number of rotated files kept (`client.log.1` … `.3`). */
export const KEEP_LOG_FILES = 3;

export interface LogFileOptions {
  maxBytes?: number;
  keep?: number;
}

export class RotatingLogFile {
  private fd: number | undefined;
  private size = 0;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(
    readonly path: string,
    opts: LogFileOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? MAX_LOG_BYTES;
    this.keep = opts.keep ?? KEEP_LOG_FILES;
    this.open();
  }

  /** Appends `line` and a newline, rotating first if it would pass the limit. */
  write(line: string): void {
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    if (this.size > 0 && this.size + bytes.length > this.maxBytes) this.rotate();
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, bytes);
      this.size += bytes.length;
    } catch {
      this.close(); // a full disk or a removed folder: stop logging rather than fail
    }
  }

  /** Closes the file. Idempotent. */
  close(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // nothing left to do
      }
    }
  }

  private open(): void {
    try {
      this.fd = openSync(this.path, 'a', 0o600); // it names the peers you talked to
      this.size = fstatSync(this.fd).size;
    } catch {
      this.fd = undefined;
    }
  }

  private rotate(): void {
    this.close();
    for (let i = this.keep; i >= 1; i--) {
      try {
        renameSync(i === 1 ? this.path : `${this.path}.${i - 1}`, `${this.path}.${i}`);
      } catch {
        // that generation does not exist yet
      }
    }
    this.open();
  }
}
