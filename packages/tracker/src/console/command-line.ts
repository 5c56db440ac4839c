/**
 * A console line as a command: its name, positional arguments and options, checked against the
 * command's usage (`--name value`, `--name=value`, or a bare `--flag`).
 */
import { OperatorError } from '../admin/errors.js';

export interface CommandSpec {
  /** The usage line shown by help and in usage errors, e.g. `add_user <id> [--password-file FILE]`. */
  usage: string;
  /** How many positional arguments: the fewest and the most. */
  args: readonly [min: number, max: number];
  /** Options it takes: `value` ones are followed by a value, `flag` ones are not. */
  options?: Readonly<Record<string, 'value' | 'flag'>>;
}

export interface ParsedCommand {
  args: string[];
  /** Option values; a flag given is `true`. */
  options: Map<string, string | true>;
}

/** The line's words: split on white space (a file name with spaces needs a symlink or a rename). */
export function splitWords(line: string): string[] {
  return line.trim().split(/\s+/).filter((w) => w !== '');
}

function usageError(spec: CommandSpec, problem: string): OperatorError {
  return new OperatorError('ERR_USAGE', `${problem}; usage: ${spec.usage}`);
}

/** The words after the command name, checked against `spec`. */
export function parseCommand(words: readonly string[], spec: CommandSpec): ParsedCommand {
  const args: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('--')) {
      args.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const name = eq === -1 ? word.slice(2) : word.slice(2, eq);
    const kind = spec.options?.[name];
    if (!kind) throw usageError(spec, `unknown option ${JSON.stringify(word.slice(0, 40))}`);
    if (options.has(name)) throw usageError(spec, `--${name} given twice`);
    if (kind === 'flag') {
      if (eq !== -1) throw usageError(spec, `--${name} takes no value`);
      options.set(name, true);
      continue;
    }
    const value = eq === -1 ? words[++i] : word.slice(eq + 1);
    if (value === undefined || value === '') throw usageError(spec, `--${name} needs a value`);
    options.set(name, value);
  }
  const [min, max] = spec.args;
  if (args.length < min) throw usageError(spec, 'missing argument');
  if (args.length > max) throw usageError(spec, `unexpected argument ${JSON.stringify(args[max]!.slice(0, 40))}`);
  return { args, options };
}
