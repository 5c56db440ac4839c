/**
 * The tracker's pino logger: JSON lines to stdout (for terminals and service managers) and to
 * `tracker.log` in the data directory. Requests are never logged whole, so passwords and tokens
 * cannot reach a log; `redact` is a second guard for fields with those names.
 */
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { DATA_FILE_MODE, prepareDataDir, tightenIfExists } from './db/data-dir.js';

export interface TrackerLoggerInit {
  dataDir: string;
  level?: string;
  /**
   * Also write to stdout (the process does; tests usually do not), or to this sink of whole
   * lines (on a terminal, the console puts them above its prompt).
   */
  stdout?: boolean | { write(line: string): unknown };
  trackerNumber: number;
}

/** @throws {DataDirError} when the data directory is writable by other users (db/data-dir.ts) */
export function createTrackerLogger(init: TrackerLoggerInit): Logger {
  prepareDataDir(init.dataDir);
  const logFile = path.join(init.dataDir, 'tracker.log');
  tightenIfExists(logFile);
  const file = pino.destination({ dest: logFile, sync: true, mode: DATA_FILE_MODE });
  const level = (init.level ?? 'info') as pino.Level;
  // Each stream needs the level too: a multistream entry without one defaults to info.
  const streams: pino.StreamEntry[] = [{ level, stream: file }];
  if (typeof init.stdout === 'object') streams.push({ level, stream: init.stdout });
  else if (init.stdout) streams.push({ level, stream: pino.destination({ dest: 1, sync: true }) });
  return pino(
    {
      level,
      base: { tracker: init.trackerNumber },
      redact: { paths: ['password', '*.password', 'token', '*.token', 'passwordHash', '*.passwordHash'], censor: '[redacted]' },
    },
    pino.multistream(streams),
  );
}
