/** What a console command is: its usage, a one-line summary for help, and what it does. */
import type { Tracker } from '../tracker.js';
import type { CommandSpec, ParsedCommand } from './command-line.js';
import type { ConsoleIo } from './terminal.js';

export interface ConsoleContext {
  tracker: Tracker;
  io: ConsoleIo;
}

export interface ConsoleCommand extends CommandSpec {
  name: string;
  /** Other names it answers to (`exit` for `quit`). */
  aliases?: readonly string[];
  summary: string;
  /** Returns `quit` to stop the tracker. Failures are thrown, with a code, and printed. */
  run(ctx: ConsoleContext, command: ParsedCommand): Promise<'quit' | void>;
}
