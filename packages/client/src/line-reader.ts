/**
 * Where the shell's lines come from, in its two modes.
 *
 * Piped (stdin not a terminal): readline without a terminal, no prompt, no echo. Lines are
 * queued as they arrive and handed out one at a time, so commands run strictly in order
 * however fast the input comes; reading pauses while the queue is long. End of input is
 * reported once the queue is empty.
 *
 * Interactive: readline on the terminal with the prompt, history (HistoryFile), tab completion
 * and Ctrl-C handling. The prompt is drawn only when the shell asks for the next line, so
 * output of a running command is never mixed with a prompt. A hidden password prompt
 * (@inquirer/password) needs the terminal to itself: two readline interfaces on one input would
 * both see the keys, and ours would put the password into its line and history. So `suspend()`
 * closes ours and `resume()` makes a fresh one with the same history.
 */
import readline from 'node:readline';
import type { Completion } from './completion.js';
import { HISTORY_LIMIT, type HistoryFile } from './history.js';
import { readlineSurface, type Output } from './output.js';

export interface LineReaderInit {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  interactive: boolean;
  out: Output;
  /** Interactive only. */
  history?: HistoryFile;
  completer?: (line: string) => Completion;
}

/** Lines buffered before piped input is paused. */
const HIGH_WATER = 64;

export class LineReader {
  private rl: readline.Interface | undefined;
  private readonly queue: string[] = [];
  private ended = false;
  private waiter: (() => void) | undefined;
  private prompt = '';
  private historyLines: string[] = [];
  /** Set while the shell waits for a line with the prompt showing. */
  private prompting = false;
  private lastInterrupt = 0;
  /** Called when the user presses Ctrl-C twice on an empty line. */
  onInterruptExit: () => void = () => {};
  /** Tells the user what Ctrl-C did (when it did not exit). */
  onInterruptHint: (busy: boolean) => void = () => {};

  constructor(private readonly init: LineReaderInit) {}

  /** Loads history (interactive) and starts reading. */
  async start(): Promise<void> {
    if (this.init.interactive && this.init.history) {
      // readline wants the newest entry first.
      this.historyLines = [...(await this.init.history.load())].reverse();
    }
    this.open();
  }

  setPrompt(prompt: string): void {
    this.prompt = prompt;
    this.rl?.setPrompt(prompt);
  }

  /** The next line, or undefined at the end of input. */
  async next(): Promise<string | undefined> {
    for (;;) {
      const line = this.queue.shift();
      if (line !== undefined) {
        if (this.queue.length < HIGH_WATER / 2 && !this.init.interactive) this.rl?.resume();
        return line;
      }
      if (this.ended) return undefined;
      if (this.init.interactive && this.rl) {
        this.prompting = true;
        this.rl.prompt();
        this.init.out.setPrompt(readlineSurface(this.rl, this.init.output));
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.prompting = false;
      this.init.out.setPrompt(undefined);
    }
  }

  /** Gives the terminal up (for a password prompt); see the module comment. */
  suspend(): void {
    const rl = this.rl;
    this.rl = undefined;
    rl?.close();
  }

  /** Takes the terminal back after suspend(). */
  resume(): void {
    if (this.rl === undefined && !this.ended) this.open();
  }

  /** Stops handing out lines: next() answers undefined once the queue is empty. */
  end(): void {
    this.ended = true;
    this.queue.length = 0;
    this.wake();
  }

  /** Stops reading for good and writes the history back. */
  async close(): Promise<void> {
    this.end();
    this.suspend();
    await this.init.history?.close();
  }

  private open(): void {
    const { input, output, interactive } = this.init;
    const rl = readline.createInterface({
      input,
      output: interactive ? output : undefined,
      terminal: interactive,
      prompt: this.prompt,
      ...(interactive
        ? {
            history: this.historyLines,
            historySize: HISTORY_LIMIT,
            removeHistoryDuplicates: true,
            completer: this.init.completer,
            tabSize: 4,
          }
        : { crlfDelay: Infinity }),
    });
    this.rl = rl;
    rl.on('line', (line) => this.onLine(rl, line));
    rl.on('close', () => {
      // Our own suspend() replaced it; anything else is the end of input (Ctrl-D, EOF).
      if (this.rl !== rl) return;
      this.rl = undefined;
      this.ended = true;
      this.wake();
    });
    if (interactive) rl.on('SIGINT', () => this.onInterrupt(rl));
  }

  private onLine(rl: readline.Interface, line: string): void {
    if (this.init.interactive) {
      const stored = this.init.history?.add(line);
      // readline put the raw line first in its own list; keep passwords out of it too.
      const list = (rl as unknown as { history?: string[] }).history;
      if (list !== undefined && list[0] === line) {
        if (stored === undefined) list.shift();
        else list[0] = stored;
      }
      this.historyLines = list ?? this.historyLines;
    }
    this.queue.push(line);
    if (!this.init.interactive && this.queue.length >= HIGH_WATER) rl.pause();
    this.wake();
  }

  /** Ctrl-C: clears a half-typed line; on an empty one, twice within 2 s leaves. */
  private onInterrupt(rl: readline.Interface): void {
    if (rl.line.length > 0) {
      rl.write('', { ctrl: true, name: 'e' });
      rl.write('', { ctrl: true, name: 'u' });
      return;
    }
    const now = Date.now();
    if (now - this.lastInterrupt < 2_000) {
      this.onInterruptExit();
      return;
    }
    this.lastInterrupt = now;
    this.onInterruptHint(!this.prompting);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
