/**
 * One readable line per log event, for a person at a terminal (the files and a non-terminal
 * stdout keep pino's JSON, which machines read):
 *
 *     2026-12-07T21:40:02.123Z INFO  tracker 1 listening on 127.0.0.1:7001  event=tracker_started address=127.0.0.1:7001
 *
 * The look of pino-pretty's single-line mode without its dependency tree: ISO time, level, the
 * message, then the other fields as `key=value` (strings with spaces quoted as JSON, objects as
 * compact JSON), an error's message and first stack frame on the same line.
 */
import { styleText } from 'node:util';

const LEVELS: Record<number, { name: string; colour: Parameters<typeof styleText>[0] }> = {
  10: { name: 'TRACE', colour: 'gray' },
  20: { name: 'DEBUG', colour: 'gray' },
  30: { name: 'INFO', colour: 'green' },
  40: { name: 'WARN', colour: 'yellow' },
  50: { name: 'ERROR', colour: 'red' },
  60: { name: 'FATAL', colour: 'magenta' },
};

/** Fields that are the line's frame, not its details. */
const FRAME = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'tracker', 'err']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * `line` (one JSON log line) as one readable line ending in a newline; a line that is not JSON
 * is returned as it is. `colour` styles the level (the caller decides: a terminal, no NO_COLOR).
 */
export function prettyLogLine(line: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (entry === null || typeof entry !== 'object') return line;
  const level = LEVELS[entry.level as number] ?? { name: String(entry.level).toUpperCase(), colour: 'white' as const };
  const name = level.name.padEnd(5);
  const parts = [typeof entry.time === 'string' ? entry.time : new Date(Number(entry.time)).toISOString(), colour ? styleText(level.colour, name, { validateStream: false }) : name];
  if (entry.msg !== undefined) parts.push(String(entry.msg).replace(/\n/g, ' '));
  const details = Object.entries(entry)
    .filter(([k]) => !FRAME.has(k))
    .map(([k, v]) => `${k}=${value(v)}`);
  const err = entry.err as { message?: unknown; stack?: unknown } | string | undefined;
  if (typeof err === 'string') details.push(`err=${value(err)}`);
  else if (err && typeof err === 'object') {
    const at = typeof err.stack === 'string' ? err.stack.split('\n').find((l) => l.trim().startsWith('at '))?.trim() : undefined;
    details.push(`err=${value(String(err.message))}${at ? ` (${at})` : ''}`);
  }
  return `${parts.join(' ')}${details.length > 0 ? `  ${details.join(' ')}` : ''}\n`;
}
