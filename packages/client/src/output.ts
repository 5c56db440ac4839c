/**
 * Where the shell's text goes. Results go to stdout; failures and connection warnings to
 * stderr, so a script piping the shell can keep them apart. Lines that arrive on their own
 * (tracker pushes, failover) may come while the user is typing at the prompt: printed plainly
 * they would land in the middle of the half-typed line and leave readline's idea of the screen
 * wrong. So while a prompt is showing, such a line first erases the prompt and the line being
 * typed, prints, and has readline draw both again, cursor where it was.
 *
 * A status line (the live progress of downloads, live-status.ts) may sit on the row below the
 * prompt while it shows: drawn and redrawn there without moving the cursor out of the line
 * being typed, cleared when the line is entered, redrawn after a line printed on its own.
 *
 * Colour only on a terminal, never in piped mode, and never when NO_COLOR is set.
 */
import readline from 'node:readline';
import { styleText } from 'node:util';

/** What Output needs from the prompt that is showing (implemented over readline). */
export interface PromptSurface {
  /** Erases the prompt and the line being typed, leaving the cursor at column 0. */
  erase(): void;
  /** Draws the prompt and the line being typed again. */
  redraw(): void;
  /** Writes `text` on the row below the line being typed (clears that row for undefined). */
  showBelow(text: string | undefined): void;
  /** Clears from the cursor down: after the line was entered, the cursor is on the row below. */
  clearBelow(): void;
}

export interface OutputInit {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  colour: boolean;
}

type Style = Parameters<typeof styleText>[0];

export class Output {
  private prompt: PromptSurface | undefined;
  /** What the status line below the prompt says now (read at each draw), and whether it is on screen. */
  private status: (() => string | undefined) | undefined;
  private statusShown = false;

  constructor(private readonly init: OutputInit) {}

  /**
   * Called by the line reader once a prompt is on screen, and with undefined when it is not
   * (the line was entered or input ended): the status line below it is cleared then.
   */
  setPrompt(prompt: PromptSurface | undefined): void {
    if (prompt === undefined && this.statusShown) this.prompt?.clearBelow();
    this.statusShown = false;
    this.prompt = prompt;
    this.drawStatus();
  }

  /**
   * Sets (or with undefined removes) the source of the status line, which is shown only while a
   * prompt is, and only when the source has something to say.
   */
  setStatus(source: (() => string | undefined) | undefined): void {
    this.status = source;
    this.drawStatus();
  }

  /** Draws the status line again with what its source says now. */
  refreshStatus(): void {
    this.drawStatus();
  }

  /** A command's result. */
  info(text: string): void {
    this.init.stdout.write(`${text}\n`);
  }

  /** A command's failure. */
  error(text: string): void {
    this.init.stderr.write(`${this.style('red', text)}\n`);
  }

  /** Something that happened on its own (a push): stdout, without disturbing the prompt. */
  event(text: string): void {
    this.interrupting(() => this.init.stdout.write(`${this.style('cyan', text)}\n`));
  }

  /** A connection warning that happened on its own: stderr, without disturbing the prompt. */
  warn(text: string): void {
    this.interrupting(() => this.init.stderr.write(`${this.style('yellow', text)}\n`));
  }

  /** `text` dimmed on a terminal (hints such as the banner). */
  dim(text: string): string {
    return this.style('dim', text);
  }

  private interrupting(write: () => void): void {
    const prompt = this.prompt;
    if (prompt === undefined) {
      write();
      return;
    }
    prompt.erase();
    this.statusShown = false; // erased with the prompt
    write();
    prompt.redraw();
    this.drawStatus();
  }

  private drawStatus(): void {
    if (this.prompt === undefined) return;
    const text = this.status?.();
    if (text !== undefined) this.prompt.showBelow(this.style('dim', text));
    else if (this.statusShown) this.prompt.showBelow(undefined);
    this.statusShown = text !== undefined;
  }

  private style(format: Style, text: string): string {
    return this.init.colour ? styleText(format, text) : text;
  }
}

/**
 * A PromptSurface over a terminal readline interface. Erasing goes up to the prompt's first row
 * (a long line wraps over several). readline's redraw starts by moving up `prevRows` rows, the
 * row its cursor was on when it last drew; after erasing and printing, the cursor is at the
 * start of a fresh row, so that count is reset to 0 first (the property is readline's own and
 * stable since Node 0.x; if it ever disappears, setting it is harmless and only a wrapped line
 * would be redrawn one row off).
 */
export function readlineSurface(rl: readline.Interface, output: NodeJS.WritableStream): PromptSurface {
  return {
    erase() {
      const rows = rl.getCursorPos().rows;
      if (rows > 0) readline.moveCursor(output, 0, -rows);
      readline.cursorTo(output, 0);
      readline.clearScreenDown(output);
    },
    redraw() {
      (rl as unknown as { prevRows: number }).prevRows = 0;
      rl.prompt(true);
    },
    showBelow(text) {
      // Down to the row under the last row of prompt and line ('\r\n' scrolls when that is the
      // screen's last row, which moves the prompt up with it), write, and come back to the same
      // place relative to the prompt, so readline's idea of the screen stays right.
      const cursor = rl.getCursorPos();
      const internal = rl as unknown as { _getDisplayPos?: (s: string) => { rows: number } };
      const lastRow = internal._getDisplayPos?.(rl.getPrompt() + rl.line).rows ?? cursor.rows;
      const down = Math.max(1, lastRow - cursor.rows + 1);
      output.write('\r\n'.repeat(down));
      readline.clearLine(output, 0);
      if (text !== undefined) output.write(fitWidth(text, (output as { columns?: number }).columns));
      readline.moveCursor(output, 0, -down);
      readline.cursorTo(output, cursor.cols);
    },
    clearBelow() {
      readline.clearScreenDown(output);
    },
  };
}

/**
 * `text` cut to fit in `columns - 1` cells, so it never wraps (a wrapped status line would
 * push the screen up each time). Escape sequences (colour) take no cells; other characters are
 * counted as one (wide East Asian characters count one: a known limit, see render.ts).
 */
export function fitWidth(text: string, columns: number | undefined): string {
  if (columns === undefined || columns <= 1) return text;
  let cells = 0;
  let out = '';
  let styled = false;
  // eslint-disable-next-line no-control-regex
  for (const part of text.split(/(\u001b\[[0-9;]*m)/u)) {
    if (part.startsWith('\u001b[')) {
      out += part;
      styled = true;
      continue;
    }
    for (const ch of part) {
      if (cells >= columns - 1) return styled ? `${out}\u001b[0m` : out;
      out += ch;
      cells++;
    }
  }
  return out;
}
