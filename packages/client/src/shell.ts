/**
 * The REPL: reads lines (LineReader), splits them like a shell (line-split.ts), finds the
 * command, checks its arity, runs it, and prints one clear sentence when it fails. Commands run
 * one at a time, in the order typed or piped; the next line is read only when the previous
 * command has finished, so a script's `login` always precedes its `create_group`.
 *
 * Exit status: interactive sessions end with 0 (the user saw every failure). In piped mode the
 * status is for the script that ran us: 1 if any command failed (an unknown command, a usage
 * error, a refusal by the tracker), else 0.
 *
 * The Shell does not own the tracker link: runShell starts it before and stops it after.
 */
import type { DownloadEntry, PeerNode, TrackerLink } from '@groupshare/engine';
import { COMMANDS, commandNames, findCommand, usage, type CommandContext, type CommandSpec } from './commands/index.js';
import { leaveRunningDownloads } from './commands/downloads.js';
import { complete } from './completion.js';
import { confirm } from './confirm.js';
import type { DownloadLog } from './download-log.js';
import { describeError } from './errors.js';
import type { HistoryFile } from './history.js';
import { LineReader } from './line-reader.js';
import { splitLine } from './line-split.js';
import { attachLinkEvents } from './link-events.js';
import { LiveStatus } from './live-status.js';
import { announceWhenSettled } from './commands/download-events.js';
import { PeerService } from './service/peer-service.js';
import { Output } from './output.js';
import { askPassword } from './password.js';
import { resolveLocalPath, type LocalPaths } from './paths.js';
import { safeText } from './render.js';
import { CompletionCache } from './completion-cache.js';
import { orList, suggest } from './suggest.js';

export interface ShellInit {
  link: TrackerLink;
  /** Serving and sharing for the logged-in user (absent in tests that only talk to trackers). */
  node?: PeerNode;
  input: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Terminal mode: prompt, history, completion, hidden password prompts. */
  interactive: boolean;
  colour: boolean;
  /** Sent with login. */
  peerAddress: string;
  /** Interactive only. */
  history?: HistoryFile;
  /** Printed before the first prompt (interactive). */
  banner?: string;
  commands?: readonly CommandSpec[];
  /** Where local paths are resolved from (`~`, relative paths); default the process's. */
  paths?: LocalPaths;
  /** Where downloads and each session's uploads are recorded (client.log). */
  downloadLog?: DownloadLog;
  /** The operations (shared with the web interface); by default one over `link` and `node`. */
  service?: PeerService;
}

export class Shell {
  readonly out: Output;
  readonly cache = new CompletionCache();
  private readonly commands: readonly CommandSpec[];
  private readonly reader: LineReader;
  private readonly ctx: CommandContext;
  private failures = 0;
  private exitRequested = false;
  private busy = false;
  private readonly paths: LocalPaths;
  private readonly status: LiveStatus | undefined;

  constructor(private readonly init: ShellInit) {
    this.commands = init.commands ?? COMMANDS;
    this.paths = init.paths ?? { home: process.env.HOME ?? process.cwd(), cwd: process.cwd() };
    this.out = new Output({ stdout: init.stdout, stderr: init.stderr, colour: init.colour });
    const node = init.node;
    if (init.interactive && node !== undefined) this.status = new LiveStatus({ out: this.out, downloads: () => node.downloads });
    this.reader = new LineReader({
      input: init.input,
      output: init.stdout,
      interactive: init.interactive,
      out: this.out,
      ...(init.history ? { history: init.history } : {}),
      completer: (line) => complete(line, this.commands, this.cache, this.paths),
    });
    this.reader.onInterruptHint = (busy) =>
      this.out.warn(busy ? '(waiting for the tracker; press Ctrl-C again to leave anyway)' : '(to leave, type exit or press Ctrl-C again)');
    this.reader.onInterruptExit = () => this.requestExit(true);
    this.ctx = {
      link: init.link,
      ...(init.node ? { node: init.node } : {}),
      out: this.out,
      service: init.service ?? new PeerService({ link: init.link, ...(init.node ? { node: init.node } : {}), ...(init.downloadLog ? { downloadLog: init.downloadLog } : {}) }),
      cache: this.cache,
      peerAddress: init.peerAddress,
      interactive: init.interactive,
      commands: this.commands,
      askPassword: (message) => this.askPassword(message),
      confirm: (question, defaultYes) => this.confirm(question, defaultYes),
      resolvePath: (typed) => resolveLocalPath(typed, this.paths),
      ...(init.downloadLog ? { downloadLog: init.downloadLog } : {}),
      exit: () => this.requestExit(false),
    };
  }

  /** Runs until `exit`, Ctrl-D or the end of piped input; resolves with the exit status. */
  async run(): Promise<number> {
    const detach = attachLinkEvents({
      link: this.init.link,
      out: this.out,
      cache: this.cache,
      announceConnect: this.init.interactive,
      onSessionChange: () => this.updatePrompt(),
    });
    // Every download, whoever started it (a command, the web page, a login), says when it ends.
    const onDownload = ({ entry }: { entry: DownloadEntry }): void => announceWhenSettled(this.ctx, entry);
    const bus = this.ctx.service.events;
    bus.on('downloadStarted', onDownload);
    // The web page may log in or out: the prompt follows.
    const onSession = (): void => this.updatePrompt();
    bus.on('session', onSession);
    try {
      // Before the first await, so it comes before anything the link has to say.
      if (this.init.interactive && this.init.banner) this.out.info(this.out.dim(this.init.banner));
      await this.reader.start();
      this.status?.start();
      this.updatePrompt();
      while (!this.exitRequested) {
        const line = await this.reader.next();
        if (line === undefined) break;
        this.busy = true;
        if (!(await this.execute(line))) this.failures++;
        this.busy = false;
        this.updatePrompt();
      }
      // Ctrl-D leaves the cursor after the prompt; end the line so the terminal's prompt is clean.
      // Then, as `exit` does, ask what becomes of running downloads.
      if (this.init.interactive && !this.exitRequested) {
        this.out.info('');
        await leaveRunningDownloads(this.ctx);
      }
    } finally {
      this.status?.stop();
      await this.reader.close();
      detach();
      bus.off('downloadStarted', onDownload);
      bus.off('session', onSession);
    }
    return !this.init.interactive && this.failures > 0 ? 1 : 0;
  }

  /** Runs one line; false if it failed. Blank and comment lines succeed. */
  async execute(line: string): Promise<boolean> {
    let words: string[];
    try {
      words = splitLine(line);
    } catch (err) {
      this.out.error(describeError(err));
      return false;
    }
    const [name, ...args] = words;
    if (name === undefined) return true;
    const spec = findCommand(this.commands, name);
    if (spec === undefined) {
      const close = suggest(name.toLowerCase(), commandNames(this.commands));
      const hint = close.length > 0 ? `; did you mean ${orList(close)}?` : '; type help for the list';
      this.out.error(`unknown command '${safeText(name)}'${hint}`);
      return false;
    }
    const arityProblem = spec.available === false ? undefined : checkArity(spec, args.length);
    if (arityProblem !== undefined) {
      this.out.error(`${spec.name}: ${arityProblem}; usage: ${usage(spec)}`);
      return false;
    }
    try {
      await spec.run(this.ctx, args);
      return true;
    } catch (err) {
      this.out.error(`${spec.name}: ${describeError(err)}`);
      return false;
    }
  }

  private updatePrompt(): void {
    const user = this.init.link.session?.userId;
    this.reader.setPrompt(user === undefined ? 'groupshare> ' : `groupshare(${safeText(user)})> `);
  }

  private async askPassword(message: string): Promise<string> {
    this.reader.suspend();
    try {
      return await askPassword(message, { input: this.init.input, output: this.init.stdout });
    } finally {
      this.reader.resume();
    }
  }

  /** A yes/no question on the terminal, with the line reader suspended like for a password. */
  private async confirm(question: string, defaultYes: boolean): Promise<boolean> {
    if (!this.init.interactive) return defaultYes;
    this.reader.suspend();
    try {
      return await confirm(question, defaultYes, { input: this.init.input, output: this.init.stdout, out: this.out });
    } finally {
      this.reader.resume();
    }
  }

  /**
   * Ends the shell from outside (its output went away), as a double Ctrl-C does: at once, the
   * command waiting for the tracker failed, nothing asked; downloads resume at the next login.
   */
  stop(): void {
    this.requestExit(true);
  }

  /**
   * `exit` ends the shell after the current command. A double Ctrl-C during a command that
   * waits for the tracker stops the link as well, which fails that request at once.
   */
  private requestExit(interrupt: boolean): void {
    this.exitRequested = true;
    this.reader.end();
    if (interrupt && this.busy) void this.init.link.stop();
  }
}

/** Why `count` arguments do not fit `spec`, or undefined if they do. */
function checkArity(spec: CommandSpec, count: number): string | undefined {
  const required = spec.args.filter((a) => !a.optional);
  if (count < required.length) {
    const missing = required.slice(count).map((a) => `<${a.name}>`);
    return `missing ${missing.join(' ')}`;
  }
  if (count > spec.args.length) {
    return spec.args.length === 0
      ? 'takes no arguments'
      : 'too many arguments (put names with spaces in quotes)';
  }
  return undefined;
}
