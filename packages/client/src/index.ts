/**
 * @groupshare/client: the interactive shell over the engine. `runShell` is the whole client
 * as a function (main.ts is its process wrapper); the rest is exported for tests and for fronts
 * that want the same rendering and error sentences.
 */
export { runShell, clientVersion, type RunShellInit } from './run-shell.js';
export { Shell, type ShellInit } from './shell.js';
export { COMMANDS } from './commands/index.js';
export type { CommandContext, CommandSpec, ArgSpec, ArgKind } from './commands/types.js';
export { describeError, CommandError, SENTENCES, KNOWN_ERROR_CODES, LINK_ERROR_CODES } from './errors.js';
export { safeText, humanSize, table, renderGroups, renderFiles, renderRequests, renderMembers } from './render.js';
export { splitLine, scanLine, quoteWord, LineSyntaxError } from './line-split.js';
export { suggest, editDistance } from './suggest.js';
export { formatPush } from './pushes.js';
