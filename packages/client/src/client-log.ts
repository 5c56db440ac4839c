/**
 * `<data-dir>/client.log`: what this client did that a user may want to look up later, one
 * readable line per event: `2026-11-21T14:00:00.000Z download-end group=lab file="big.iso"
 * result=complete ...`, an ISO time, the event, then `key=value` fields (values with spaces,
 * quotes or `=` in double quotes). Downloads (start, sources, end), the uploads of a session,
 * and peer connections that misbehaved or ended unusually are written here (download-log.ts,
 * peer-log.ts); the shell stays quiet about the latter, which are the other side's problem.
 *
 * Values often carry remote input (file names, peer error messages), so they are escaped like
 * everything printed (safeText) and can neither break a line nor act on a terminal that shows
 * the log. Rotated at a size limit (log-file.ts).
 */
import { RotatingLogFile, type LogFileOptions } from './log-file.js';
import { safeText } from './render.js';

/** A field's value: printed as is (numbers, booleans) or escaped and quoted as needed (strings). */
export type LogValue = string | number | boolean | undefined;

export class ClientLog {
  private readonly file: RotatingLogFile;

  constructor(
    path: string,
    opts: LogFileOptions = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.file = new RotatingLogFile(path, opts);
  }

  /** One line: time, `event`, then the fields that are not undefined. */
  event(event: string, fields: Record<string, LogValue> = {}): void {
    const parts = [this.now().toISOString(), event];
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) parts.push(`${key}=${formatValue(value)}`);
    this.file.write(parts.join(' '));
  }

  close(): void {
    this.file.close();
  }
}

/** `value` escaped (safeText) and in double quotes when it has a space, quote, `=` or is empty. */
export function formatValue(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  const safe = safeText(value);
  return safe === '' || /[\s"=\\]/.test(safe) ? `"${safe.replace(/["\\]/g, '\\$&')}"` : safe;
}
