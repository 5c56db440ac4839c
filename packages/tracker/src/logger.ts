/**
 * The tracker's pino logger: JSON lines with ISO timestamps to the log files in the data
 * directory and to stdout, where a terminal gets one readable line per event instead
 * (log-pretty.ts). Requests are never logged whole, so passwords and tokens
 * cannot reach a log; `redact` is a second guard for fields with those names.
 *
 * What an outsider can do to the log is bounded: lines it can cause at will are coalesced
 * (log-repeats.ts), and the files are rotated at a size limit by pino-roll, keeping a few:
 * `tracker.<n>.log`, the highest number being written, with the symbolic link `tracker.log`
 * always naming it (the name the log had before it was rotated). The files are created 0600:
 * lines name users and their addresses.
 */
/// <reference path="./pino-roll.d.ts" />
// (pino-roll has no types of its own; the reference makes them reach every project that
// compiles this file from source, such as the client's tests through the testkit.)
import { lstatSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import pinoRoll from 'pino-roll';
import { DATA_FILE_MODE, prepareDataDir, tightenIfExists } from './db/data-dir.js';
import { prettyLogLine } from './log-pretty.js';
import { RepeatedLines, type RepeatSummary } from './log-repeats.js';

/** Log files: start a new one past 10 MiB, keep 5 (the current one included). */
export const DEFAULT_LOG_ROTATION = { maxFileBytes: 10 * 1024 * 1024, keepFiles: 5 };

/** Coalesced lines (log-repeats.ts) are summarised once a minute per key. */
export const DEFAULT_LOG_REPEAT_WINDOW_MS = 60_000;

/**
 * Events any client can cause as often as it likes, so they are coalesced per event and `ip`.
 * Each rate limit's refusal belongs here; events that are already once per episode
 * (`connections_refused`) do not need to.
 */
export const COALESCED_EVENTS: ReadonlySet<string> = new Set(['login_throttled', 'login_failed']);

export interface TrackerLoggerInit {
  dataDir: string;
  level?: string;
  /**
   * Also write to stdout (the process does; tests usually do not), or to this sink of whole
   * lines (on a terminal, the console puts them above its prompt).
   */
  stdout?: boolean | { write(line: string): unknown };
  /** Write stdout's lines readable rather than JSON (a terminal); `colour` styles the level. */
  pretty?: boolean | { colour: boolean };
  trackerNumber: number;
  /** Start a new log file once the current one has this many bytes (DEFAULT_LOG_ROTATION). */
  maxFileBytes?: number;
  /** Log files kept, the current one included; older ones are deleted. */
  keepFiles?: number;
  /** Window of the coalesced lines (DEFAULT_LOG_REPEAT_WINDOW_MS). */
  repeatWindowMs?: number;
}

export interface TrackerLog {
  logger: Logger;
  /**
   * Reopens the current log file by its name: after logrotate (or an operator) moved it away,
   * new lines go to a new file of that name instead of the moved one. main.ts calls it on SIGHUP.
   */
  reopen(): void;
  /** Writes the summaries of coalesced lines still counting and stops the summary timer. */
  close(): void;
}

/** Points the symbolic link `link` at `target` (a name in its directory), replacing it atomically. */
function pointLink(link: string, target: string): void {
  const temp = `${link}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  symlinkSync(target, temp);
  renameSync(temp, link);
}

/** The field that marks a summary line, which the coalescing hook lets through. */
const REPEATS_FIELD = 'repeats';

/** @throws {DataDirError} when the data directory is writable by other users (db/data-dir.ts) */
export async function createTrackerLogger(init: TrackerLoggerInit): Promise<TrackerLog> {
  prepareDataDir(init.dataDir);
  const maxFileBytes = init.maxFileBytes ?? DEFAULT_LOG_ROTATION.maxFileBytes;
  const keepFiles = init.keepFiles ?? DEFAULT_LOG_ROTATION.keepFiles;
  const link = path.join(init.dataDir, 'tracker.log');
  // A log from before rotation existed is kept as the oldest file (rotation deletes it in time).
  if (lstatSync(link, { throwIfNoEntry: false })?.isFile()) renameSync(link, path.join(init.dataDir, 'tracker.0.log'));
  // Files written before log files were private, or loosened by hand: pino-roll appends to the
  // newest and sets a mode only on files it creates.
  for (const name of readdirSync(init.dataDir)) if (/^tracker\.\d+\.log$/.test(name)) tightenIfExists(path.join(init.dataDir, name));
  const file = await pinoRoll({
    file: path.join(init.dataDir, 'tracker'),
    extension: '.log',
    size: `${maxFileBytes}b`,
    limit: { count: keepFiles, removeOtherLogFiles: true },
    // Synchronous, like before: a line is on disk when the call returns, also before a crash.
    sync: true,
    mode: DATA_FILE_MODE,
  });
  // Each (re)open, by a roll or a reopen, is followed by 'ready'.
  const relink = (): void => pointLink(link, path.basename(file.file));
  file.on('ready', relink);
  relink();
  const level = (init.level ?? 'info') as pino.Level;
  // Each stream needs the level too: a multistream entry without one defaults to info.
  const streams: pino.StreamEntry[] = [{ level, stream: file }];
  const out = typeof init.stdout === 'object' ? init.stdout : init.stdout ? pino.destination({ dest: 1, sync: true }) : undefined;
  if (out && init.pretty) {
    const colour = typeof init.pretty === 'object' && init.pretty.colour;
    streams.push({ level, stream: { write: (line: string) => out.write(prettyLogLine(line, colour)) } });
  } else if (out) streams.push({ level, stream: out });

  const windowMs = init.repeatWindowMs ?? DEFAULT_LOG_REPEAT_WINDOW_MS;
  const repeats = new RepeatedLines(windowMs);
  const logger: Logger = pino(
    {
      level,
      base: { tracker: init.trackerNumber },
      // ISO 8601 (UTC) rather than epoch milliseconds: readable in the file as it is.
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['password', '*.password', 'token', '*.token', 'passwordHash', '*.passwordHash'], censor: '[redacted]' },
      hooks: {
        logMethod(args, method, lineLevel) {
          const fields = args[0] as unknown;
          if (fields && typeof fields === 'object' && !(REPEATS_FIELD in fields)) {
            const { event, ip } = fields as { event?: unknown; ip?: unknown };
            if (typeof event === 'string' && COALESCED_EVENTS.has(event)) {
              const { write, summary } = repeats.admit(event, typeof ip === 'string' ? ip : undefined, lineLevel, Date.now());
              if (summary) writeSummary(summary);
              if (!write) return;
            }
          }
          method.apply(this, args);
        },
      },
    },
    pino.multistream(streams),
  );
  const writeSummary = (s: RepeatSummary): void => {
    const label = logger.levels.labels[s.level] ?? 'warn';
    logger[label as pino.Level]({ ...s.fields, [REPEATS_FIELD]: s.repeats, seconds: s.seconds }, `${String(s.fields.event)} x ${s.repeats} more in the last ${s.seconds} s`);
  };
  // A quarter window's slack at most: a summary is written by 1.25 windows after its first line.
  const timer = setInterval(() => repeats.flush(Date.now()).forEach(writeSummary), Math.max(10, windowMs / 4));
  timer.unref();
  return {
    logger,
    reopen: () => file.reopen(),
    close: () => {
      clearInterval(timer);
      repeats.flush(Date.now(), true).forEach(writeSummary);
    },
  };
}
