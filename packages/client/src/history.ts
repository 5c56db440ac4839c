/**
 * Command history in `<data-dir>/history`, one line per command, oldest first, kept to the
 * last HISTORY_LIMIT lines. Each line is appended as it is entered, so a killed shell loses
 * nothing; the file is cut back to the limit when the shell exits (and when it is read), so it
 * stays bounded without rewriting it on every command.
 *
 * Passwords never reach the file (or readline's in-memory list): `create_user bob s3cret…` is
 * stored as `create_user bob`. The file is created readable by its owner only, because even
 * without passwords it shows what the user did.
 */
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import { isBlankOrComment, quoteWord, scanLine } from './line-split.js';

/** Lines kept. */
export const HISTORY_LIMIT = 1000;

/** Commands whose arguments after the first carry a password. */
const SECRET_AFTER_FIRST_ARG = new Set(['create_user', 'login']);

/**
 * `line` as it may be stored: without a password argument, or undefined if it should not be
 * stored at all (blank lines and comments).
 */
export function historyEntry(line: string): string | undefined {
  if (isBlankOrComment(line)) return undefined;
  // The file holds one entry per line: a line break inside one (a piped line, a paste) would
  // come back as several entries, the part after it unredacted.
  if (/[\r\n]/.test(line)) return undefined;
  line = line.trim(); // completion leaves a trailing space; "x" and "x " are one entry
  const { words } = scanLine(line);
  const [command, first] = words;
  // Command names ignore case, so `LOGIN bob pw` carries a password just the same.
  if (command !== undefined && SECRET_AFTER_FIRST_ARG.has(command.toLowerCase()) && words.length > 2) {
    return [command, ...(first === undefined ? [] : [quoteWord(first)])].join(' ');
  }
  return line;
}

export class HistoryFile {
  /** Oldest first. */
  private lines: string[] = [];
  /** Appends are chained so lines land in order; failures are remembered, not thrown. */
  private writes: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    readonly path: string,
    private readonly limit = HISTORY_LIMIT,
  ) {}

  /** Reads the file (a missing or unreadable one is an empty history); oldest first. */
  async load(): Promise<readonly string[]> {
    try {
      const text = await readFile(this.path, 'utf8');
      this.lines = text.split('\n').filter((l) => l !== '').slice(-this.limit);
    } catch {
      this.lines = [];
    }
    return this.lines;
  }

  /** Adds an entered line (see historyEntry); returns what was stored, if anything. */
  add(line: string): string | undefined {
    const entry = historyEntry(line);
    if (entry === undefined) return undefined;
    this.lines.push(entry);
    if (this.lines.length > this.limit * 2) this.lines = this.lines.slice(-this.limit);
    this.writes = this.writes.then(() => this.guard(appendFile(this.path, `${entry}\n`, { mode: 0o600 })));
    return entry;
  }

  /** Waits for pending appends, then rewrites the file with the last `limit` lines. */
  async close(): Promise<void> {
    await this.writes;
    if (this.failed) return;
    const tmp = `${this.path}.tmp`;
    const text = this.lines.slice(-this.limit).map((l) => `${l}\n`).join('');
    await this.guard(writeFile(tmp, text, { mode: 0o600 }).then(() => rename(tmp, this.path)));
  }

  /** History is a convenience: a full disk or a read-only directory must not stop the shell. */
  private async guard(write: Promise<void>): Promise<void> {
    try {
      await write;
    } catch {
      this.failed = true;
    }
  }
}
