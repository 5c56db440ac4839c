/**
 * Commands about the shell itself: help and exit. The help text is generated from the command
 * specs, so it cannot drift from what the shell accepts.
 */
import { CommandError } from '../errors.js';
import { safeText } from '../render.js';
import { orList, suggest } from '../suggest.js';
import { leaveRunningDownloads } from './downloads.js';
import { commandNames, findCommand, usage, type CommandSpec } from './types.js';

/** Said once in the command list, and in `./client --help`. */
export const INPUT_NOTES = [
  'Quote names with spaces: upload_file "my file.txt" lab. Lines starting with # are comments.',
  'With input piped in (not a terminal), commands run one per line, in order, without prompts or',
  'colours; passwords must be on the line. At the end of the input the shell waits for the',
  'command in progress, then exits with status 1 if any command failed, else 0.',
];

/** Usage lines longer than this put their summary on the next line, to keep rows short. */
const USAGE_COLUMN = 36;

function listing(commands: readonly CommandSpec[]): string {
  const rows = commands.map((c) => ({ left: usage(c), right: c.available === false ? `${c.summary} (not available yet)` : c.summary }));
  const width = Math.min(USAGE_COLUMN, Math.max(...rows.map((r) => r.left.length)));
  const row = (r: { left: string; right: string }): string =>
    r.left.length <= width ? `  ${r.left.padEnd(width)}  ${r.right}` : `  ${r.left}\n  ${' '.repeat(width)}  ${r.right}`;
  return [
    'commands:',
    ...rows.map(row),
    '',
    ...INPUT_NOTES,
    'help <command> shows more about one command.',
  ].join('\n');
}

function detail(spec: CommandSpec): string {
  const aliases = spec.aliases?.length ? [`also: ${spec.aliases.join(', ')}`] : [];
  const availability = spec.available === false ? ['not available yet in this build.'] : [];
  return [`usage: ${usage(spec)}`, spec.summary, ...aliases, ...(spec.details ?? []), ...availability].join('\n');
}

export const help: CommandSpec = {
  name: 'help',
  args: [{ name: 'command', kind: 'command', optional: true }],
  summary: 'this list, or more about one command',
  async run(ctx, [name]) {
    if (name === undefined) {
      ctx.out.info(listing(ctx.commands));
      return;
    }
    const spec = findCommand(ctx.commands, name);
    if (spec === undefined) {
      const close = suggest(name.toLowerCase(), commandNames(ctx.commands));
      const hint = close.length > 0 ? `; did you mean ${orList(close)}?` : '; help lists them all';
      throw new CommandError(`no command '${safeText(name)}'${hint}`);
    }
    ctx.out.info(detail(spec));
  },
};

export const exit: CommandSpec = {
  name: 'exit',
  aliases: ['quit'],
  args: [],
  summary: 'leave the shell (also: quit, Ctrl-D)',
  details: ['With downloads running, on a terminal, you are asked whether they resume at your next login or are cancelled.'],
  async run(ctx) {
    await leaveRunningDownloads(ctx);
    ctx.exit();
  },
};
