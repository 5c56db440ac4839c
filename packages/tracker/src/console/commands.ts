/**
 * The console's commands and the dispatcher: one line in, its command run, its outcome printed
 * (a failure as `error: <message>`, never a stack trace; the tracker keeps running).
 */
import { OperatorError } from '../admin/errors.js';
import { accountCommands } from './account-commands.js';
import { backupCommand } from './backup-command.js';
import { clusterCommands } from './cluster-commands.js';
import type { ConsoleCommand, ConsoleContext } from './command.js';
import { parseCommand, splitWords } from './command-line.js';

const basics: ConsoleCommand[] = [
  {
    name: 'help',
    usage: 'help',
    summary: 'this list',
    args: [0, 0],
    async run({ io }) {
      io.print(helpText());
    },
  },
  {
    name: 'quit',
    aliases: ['exit'],
    usage: 'quit',
    summary: 'stop the tracker cleanly (also: exit; Ctrl-D does not stop it)',
    args: [0, 0],
    async run() {
      return 'quit';
    },
  },
];

/** In the order help lists them. */
export const COMMANDS: readonly ConsoleCommand[] = [clusterCommands[0]!, ...accountCommands, ...clusterCommands.slice(1), backupCommand, ...basics];

const byName = new Map(COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])].map((name) => [name, c] as const)));

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return ['commands:', ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`)].join('\n');
}

/** Runs one console line; returns `quit` when the tracker should stop. */
export async function runLine(ctx: ConsoleContext, line: string): Promise<'quit' | void> {
  const [name, ...rest] = splitWords(line);
  if (name === undefined) return;
  const command = byName.get(name);
  if (!command) {
    ctx.io.print(`unknown command "${line.trim().slice(0, 40)}"; type help`);
    return;
  }
  try {
    return await command.run(ctx, parseCommand(rest, command));
  } catch (err) {
    if (err instanceof OperatorError && err.code === 'ERR_CANCELLED') ctx.io.print(err.message);
    else ctx.io.print(`error: ${(err as Error).message}`);
  }
}
