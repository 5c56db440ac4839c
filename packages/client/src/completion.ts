/**
 * Tab completion. The first word completes to command names (ignoring case, like the names
 * themselves); later words by what the command expects there (its ArgSpec kind): group ids,
 * file names of the group named earlier on the line, users waiting to join it, command names
 * after `help`, the words of a choice, and local paths (paths.ts; folders only where a folder is
 * expected). Ids and names come from the CompletionCache (what list_* and pushes last said), so
 * completing never waits for the network. Candidates that need quoting are offered quoted, and
 * the word is replaced from its first character, an opening quote included.
 */
import { commandNames, findCommand, type CommandSpec } from './commands/index.js';
import { quoteWord, scanLine } from './line-split.js';
import { completeLocalPath, type LocalPaths } from './paths.js';
import type { CompletionCache } from './completion-cache.js';

/** readline's completer result: the candidates, and the part of the line they replace. */
export type Completion = [hits: string[], replaced: string];

export function complete(line: string, commands: readonly CommandSpec[], cache: CompletionCache, local?: LocalPaths): Completion {
  const scan = scanLine(line);
  // The words before the one being completed, and that one (empty after a space).
  const done = scan.partial ? scan.words.slice(0, -1) : scan.words;
  const current = scan.partial?.text ?? '';
  const replaced = scan.partial ? line.slice(scan.partial.start) : '';

  const [name, ...args] = done;
  let hits: string[];
  if (name === undefined) {
    const lower = current.toLowerCase();
    hits = commandNames(commands).filter((c) => c.startsWith(lower));
  } else {
    const spec = findCommand(commands, name);
    const arg = spec?.args[args.length];
    if (local !== undefined && (arg?.kind === 'path' || arg?.kind === 'dir')) {
      hits = completeLocalPath(current, local, arg.kind === 'dir');
    } else {
      hits = (spec ? argCandidates(spec, args, cache, commands) : []).filter((c) => c.startsWith(current));
    }
  }
  hits = hits.map(quoteWord);
  // A unique hit gets a trailing space, as in a shell, so the next word can follow at once;
  // not a folder, whose names are what comes next.
  const only = hits.length === 1 ? (hits[0] as string) : undefined;
  return [only === undefined ? hits : [only.endsWith('/') || only.endsWith('/"') ? only : `${only} `], replaced];
}

function argCandidates(spec: CommandSpec, before: readonly string[], cache: CompletionCache, commands: readonly CommandSpec[]): string[] {
  const arg = spec.args[before.length];
  if (arg === undefined) return [];
  // The group this line is about: the argument of kind 'group' typed before this one.
  const groupIndex = spec.args.findIndex((a) => a.kind === 'group');
  const group = groupIndex >= 0 && groupIndex < before.length ? (before[groupIndex] as string).toLowerCase() : undefined;
  switch (arg.kind) {
    case 'group':
      return cache.groups();
    case 'file':
      return group === undefined ? [] : cache.files(group);
    case 'user':
      // Only where the user must be one who asked to join; any id is fine elsewhere.
      return group === undefined ? [] : cache.requesters(group);
    case 'command':
      return commandNames(commands);
    case 'choice':
      return [...(arg.choices ?? [])];
    default:
      return [];
  }
}
