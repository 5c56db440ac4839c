/**
 * The operator's terminal as console commands see it: print, and ask a question (hidden for
 * passwords). On a TTY readline echoes what is typed through a {@link MutableOutput}, which a
 * hidden question mutes, so nothing of a password reaches the screen; the answer is also dropped
 * from readline's history, so the up arrow cannot bring it back. Lines written while the prompt
 * (or a question) is on screen, such as the tracker's log, go above it, and it is drawn again.
 */
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { OperatorError } from '../admin/errors.js';
import type { LineQueue } from './line-queue.js';

export const PROMPT = 'tracker> ';

export interface ConsoleIo {
  /** Whether a person is at a terminal (stdin is a TTY): only then can questions be asked. */
  readonly interactive: boolean;
  print(text: string): void;
  /**
   * Asks `question` and resolves with the answer line; `hidden` echoes nothing typed.
   *
   * @throws {OperatorError} ERR_NEEDS_TERMINAL without a terminal; ERR_CANCELLED on Ctrl-C or
   * end of input.
   */
  ask(question: string, opts?: { hidden?: boolean }): Promise<string>;
}

/** readline's output on a terminal: the real output, except while muted. */
export class MutableOutput extends Writable {
  muted = false;

  constructor(private readonly target: NodeJS.WritableStream) {
    super();
    // readline lays out long lines by the terminal's width and redraws on resize.
    target.on('resize', () => this.emit('resize'));
  }

  get columns(): number | undefined {
    return (this.target as { columns?: number }).columns;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.muted) this.target.write(chunk);
    callback();
  }
}

/** What is on the input line: nothing (a command runs), the prompt, or a question. */
type Showing = { kind: 'none' } | { kind: 'prompt' } | { kind: 'question'; text: string; hidden: boolean };

export class Terminal implements ConsoleIo {
  private showing: Showing = { kind: 'none' };
  private readonly echo: MutableOutput | undefined;
  readonly rl: readline.Interface;

  constructor(
    input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
    private readonly lines: LineQueue,
    readonly interactive: boolean,
  ) {
    this.echo = interactive ? new MutableOutput(output) : undefined;
    this.rl = readline.createInterface({ input, output: this.echo, terminal: interactive, prompt: PROMPT });
  }

  print(text: string): void {
    this.output.write(`${text}\n`);
  }

  /** Shows the `tracker> ` prompt (on a terminal): the console waits for a command. */
  showPrompt(): void {
    if (!this.interactive) return;
    this.showing = { kind: 'prompt' };
    this.rl.prompt();
  }

  /** A line was taken: whatever the input line showed is done with. */
  lineTaken(): void {
    this.showing = { kind: 'none' };
  }

  /**
   * Writes `text` (whole lines) without breaking the input line: if the prompt or a question is
   * on screen, it is cleared, `text` written in its place, and it is drawn again below with what
   * was typed so far (nothing of a hidden answer).
   */
  writeAbove(text: string): void {
    const showing = this.showing;
    if (showing.kind === 'none') {
      this.output.write(text);
      return;
    }
    const hidden = showing.kind === 'question' && showing.hidden;
    // Up to where the prompt starts (a long typed line may have wrapped), then clear below.
    readline.moveCursor(this.output, 0, hidden ? 0 : -this.rl.getCursorPos().rows);
    readline.cursorTo(this.output, 0);
    readline.clearScreenDown(this.output);
    this.output.write(text);
    if (hidden) this.output.write(showing.text);
    else this.rl.prompt(true);
  }

  /** Ctrl-C: ends a question waiting for its answer (false if none is). */
  cancelQuestion(): boolean {
    return this.showing.kind === 'question' && this.lines.interrupt();
  }

  async ask(question: string, opts: { hidden?: boolean } = {}): Promise<string> {
    const echo = this.echo;
    if (!echo) throw new OperatorError('ERR_NEEDS_TERMINAL', 'this console is not a terminal, so it cannot ask');
    const hidden = opts.hidden === true;
    // As the prompt, so readline redraws the question (not `tracker> `) when it redraws the line.
    this.rl.setPrompt(question);
    if (hidden) {
      this.output.write(question);
      echo.muted = true;
    } else {
      this.rl.prompt();
    }
    this.showing = { kind: 'question', text: question, hidden };
    let answer: string | undefined;
    try {
      answer = await this.lines.next();
    } finally {
      this.showing = { kind: 'none' };
      this.rl.setPrompt(PROMPT);
      if (hidden) {
        echo.muted = false;
        this.output.write('\n');
        const history = (this.rl as unknown as { history?: string[] }).history;
        if (answer !== undefined && history?.[0] === answer) history.shift();
      }
    }
    if (answer === undefined) throw new OperatorError('ERR_CANCELLED', 'cancelled');
    return answer;
  }
}
