/**
 * Where the shell's text goes. Results go to stdout; failures and connection warnings to
 * stderr, so a script piping the shell can keep them apart. Lines that arrive on their own
 * (tracker pushes, failover) may come while the user is typing at the prompt: printed plainly
 * they would land in the middle of the half-typed line and leave readline's idea of the screen
 * wrong. So while a prompt is showing, such a line first erases the prompt and the line being
 * typed, prints, and has readline draw both again, cursor where it was.
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
}

export interface OutputInit {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  colour: boolean;
}

type Style = Parameters<typeof styleText>[0];

export class Output {
  private prompt: PromptSurface | undefined;

  constructor(private readonly init: OutputInit) {}

  /** Called by the line reader while a prompt is on screen; undefined when it is not. */
  setPrompt(prompt: PromptSurface | undefined): void {
    this.prompt = prompt;
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
    write();
    prompt.redraw();
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
  };
}
