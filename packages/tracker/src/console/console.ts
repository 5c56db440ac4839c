/**
 * The tracker's operator console on stdin (commands.ts lists them). Without a TTY it reads
 * commands without a prompt or echo (so scripts can pipe them), and cannot ask questions: a
 * password then comes from --password-file, a confirmation from --yes. When stdin ends the
 * tracker keeps running as a service: only `quit` or a signal stops it.
 */
import type readline from 'node:readline';
import type { Tracker } from '../tracker.js';
import { runLine } from './commands.js';
import { LineQueue } from './line-queue.js';
import { Terminal } from './terminal.js';

export interface ConsoleInit {
  tracker: Tracker;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  interactive: boolean;
  /** Called once when the operator types `quit`. */
  onQuit: () => void;
}

export interface ConsoleHandle {
  readonly rl: readline.Interface;
  /** Resolves when the console stops reading: after `quit`, or once stdin has ended. */
  readonly done: Promise<void>;
  /** Writes whole lines (the log) to the console's output without breaking its prompt. */
  writeAbove(text: string): void;
}

export function startConsole(init: ConsoleInit): ConsoleHandle {
  const lines = new LineQueue();
  const term = new Terminal(init.input, init.output, lines, init.interactive);
  const rl = term.rl;
  rl.on('line', (line) => lines.push(line));
  rl.on('close', () => lines.end());
  let quitting = false;
  const quit = () => {
    if (quitting) return;
    quitting = true;
    rl.close();
    init.onQuit();
  };
  // On a TTY readline takes Ctrl-C itself (raw mode), so no SIGINT reaches the process. At a
  // question it cancels the command; otherwise it stops the tracker, as the signal would.
  rl.on('SIGINT', () => {
    if (!term.cancelQuestion()) quit();
  });

  // Commands run one after another, so `status` then `quit` prints the status before stopping.
  const done = (async () => {
    for (;;) {
      if (!quitting) term.showPrompt();
      const line = await lines.next();
      term.lineTaken();
      if (line === undefined || quitting) return;
      if ((await runLine({ tracker: init.tracker, io: term }, line)) === 'quit') return quit();
    }
  })();
  return { rl, done, writeAbove: (text) => term.writeAbove(text) };
}
