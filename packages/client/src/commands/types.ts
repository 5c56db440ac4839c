/**
 * The shape every shell command has. A command is data (name, arguments, help) plus one async
 * `run`; the shell does the rest uniformly: arity checks and usage lines, tab completion from
 * the argument kinds, error sentences, exit status. A command reports failure by throwing
 * (CommandError for what the shell detects itself; the link's and tracker's errors as they
 * come), and success by returning.
 */
import type { PeerNode, TrackerLink } from '@groupshare/engine';
import type { DownloadLog } from '../download-log.js';
import type { Output } from '../output.js';
import type { CompletionCache } from '../completion-cache.js';
import type { PeerService } from '../service/peer-service.js';

/**
 * What an argument holds, which decides how it is checked and completed: `path` is a local
 * file or folder, `dir` a local folder, `choice` one of the spec's `choices`.
 */
export type ArgKind = 'user' | 'group' | 'file' | 'password' | 'path' | 'dir' | 'command' | 'choice';

export interface ArgSpec {
  /** As shown in usage lines: `group_id` becomes `<group_id>`, or `[password]` if optional. */
  name: string;
  kind: ArgKind;
  optional?: boolean;
  /** The words a `choice` argument accepts (completed by Tab). */
  choices?: readonly string[];
}

/** Everything a command may use. Commands never touch process.* or the raw streams. */
export interface CommandContext {
  readonly link: TrackerLink;
  /** This peer's server and shares; absent when the shell runs without a peer (tests). */
  readonly node?: PeerNode;
  readonly out: Output;
  /** The operations, shared with the web API (service/peer-service.ts). */
  readonly service: PeerService;
  readonly cache: CompletionCache;
  /** This peer's `host:port` as given on the command line (sent with login). */
  readonly peerAddress: string;
  /** True on a terminal: passwords may be prompted for, confirmations asked. */
  readonly interactive: boolean;
  /** Every command, for `help`. */
  readonly commands: readonly CommandSpec[];
  /** Asks for a password without echo (only when interactive). Throws CommandError if cancelled. */
  askPassword(message: string): Promise<string>;
  /**
   * Asks a yes/no question on the terminal (only when interactive); an empty answer, Ctrl-C or
   * Ctrl-D give `defaultYes`.
   */
  confirm(question: string, defaultYes: boolean): Promise<boolean>;
  /** A local path as typed (`~` and `~/...` are the home directory), made absolute. */
  resolvePath(typed: string): string;
  /** Where downloads and the session's uploads are recorded (the client's log), if anywhere. */
  readonly downloadLog?: DownloadLog;
  /** Ends the shell after this command. */
  exit(): void;
}

export interface CommandSpec {
  name: string;
  aliases?: readonly string[];
  args: readonly ArgSpec[];
  /** One line for the command list. */
  summary: string;
  /** More lines for `help <command>`: details and examples. */
  details?: readonly string[];
  /**
   * False for commands that exist (in help and completion) but are not in this build yet: they
   * answer so, with a failure status, whatever their arguments.
   */
  available?: boolean;
  run(ctx: CommandContext, args: readonly string[]): Promise<void>;
}

/** `create_user <user_id> [password]`. */
export function usage(spec: CommandSpec): string {
  const args = spec.args.map((a) => (a.optional ? `[${a.name}]` : `<${a.name}>`));
  return [spec.name, ...args].join(' ');
}

/** The command called `name` (or an alias of it), if any. Names ignore case: `Show_downloads` works. */
export function findCommand(commands: readonly CommandSpec[], name: string): CommandSpec | undefined {
  const lower = name.toLowerCase();
  return commands.find((c) => c.name === lower || c.aliases?.includes(lower));
}

/** Every name a user may type first on a line, aliases included. */
export function commandNames(commands: readonly CommandSpec[]): string[] {
  return commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
}
