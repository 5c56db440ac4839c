/**
 * Tab completion. The first word completes to command names; later words by what the command
 * expects there (its ArgSpec kind): group ids, file names of the group named earlier on the
 * line, users waiting to join it, command names after `help`. Ids and names come from the
 * CompletionCache (what list_* and pushes last said), so completing never waits for the
 * network. Candidates that need quoting are offered quoted, and the word is replaced from its
 * first character, an opening quote included.
 */
import { commandNames, findCommand, type CommandSpec } from './commands/index.js';
import { quoteWord, scanLine } from './line-split.js';
import type { CompletionCache } from './state.js';

/** readline's completer result: the candidates, and the part of the line they replace. */
export type Completion = [hits: string[], replaced: string];

export function complete(line: string, commands: readonly CommandSpec[], cache: CompletionCache): Completion {
  const scan = scanLine(line);
  // The words before the one being completed, and that one (empty after a space).
  const done = scan.partial ? scan.words.slice(0, -1) : scan.words;
  const current = scan.partial?.text ?? '';
  const replaced = scan.partial ? line.slice(scan.partial.start) : '';

  const [name, ...args] = done;
  let candidates: string[];
  if (name === undefined) {
    candidates = commandNames(commands);
  } else {
    const spec = findCommand(commands, name);
    candidates = spec ? argCandidates(spec, args, cache, commands) : [];
  }
  const hits = candidates.filter((c) => c.startsWith(current)).map(quoteWord);
  // A unique hit gets a trailing space, as in a shell, so the next word can follow at once.
  return [hits.length === 1 ? [`${hits[0] as string} `] : hits, replaced];
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
    default:
      return [];
  }
}
