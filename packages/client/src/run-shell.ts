/**
 * `./client <ip>:<port> <tracker_info>` as a function: parses the arguments, reserves the peer
 * listener, starts the tracker link, runs the shell, and cleans up, resolving with the exit
 * status. The streams and the terminal flag are parameters, so tests run a whole client
 * in-process on PassThrough streams, and main.ts is only process glue.
 *
 * Exit status: 0 on success and for --help/--version (also when the reader of stdout closed
 * early); 1 when piped input had a failed command (shell.ts); 2 for a start-up problem (bad arguments, unreadable or malformed
 * tracker_info, an address that cannot be bound), always with a one-line reason on stderr.
 */
import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LAN_DEFAULTS, PeerNode, TrackerLink, type LanTransportOptions, type TrackerLinkInit } from '@groupshare/engine';
import { formatHostPort, parseHostPort, parseTrackerInfo, type HostPort, type TrackerAddress } from '@groupshare/protocol';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ClientLog } from './client-log.js';
import { INPUT_NOTES } from './commands/meta.js';
import { attachSyncEvents } from './commands/sync.js';
import { DownloadLog } from './download-log.js';
import { HistoryFile } from './history.js';
import { PeerListener } from './peer-listener.js';
import { logPeerEvent } from './peer-log.js';
import { Shell } from './shell.js';
import { runHeadless, untilSignalled } from './headless.js';
import { Output } from './output.js';
import { PeerService } from './service/peer-service.js';
import { SessionFile } from './service/session-file.js';
import { Roots } from './web/roots.js';
import { WebServer } from './web/server.js';
import { WebOptionError, webSettings, type WebFlags, type WebSettings } from './web/web-options.js';

export interface RunShellInit {
  /** The user's arguments, as `process.argv.slice(2)`. */
  argv: readonly string[];
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** Terminal mode; by default when stdin and stdout are both terminals. */
  interactive?: boolean;
  /** Colours; by default in terminal mode unless NO_COLOR is set. */
  colour?: boolean;
  /** For relative paths (default process.cwd()); `~` is `env.HOME` (default the user's home). */
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Overrides for the tracker link (tests: shorter timeouts). */
  link?: Partial<Omit<TrackerLinkInit, 'trackers' | 'peerAddress'>>;
  /** `--headless` stops when this resolves; by default at SIGTERM or SIGINT. */
  shutdown?: Promise<unknown>;
  /**
   * Resolves when stdout has gone away (a reader that closed early: closed-output.ts). The shell
   * then ends without waiting for downloads (they resume at the next login); `--headless` keeps
   * serving.
   */
  outputClosed?: Promise<unknown>;
  /** Told the web interface's address once it listens (tests). */
  onWebListening?: (url: string) => void;
}

/** This package's version, from its package.json (one level above src/ and dist/ alike). */
export function clientVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A start-up problem: reported as `client: <message>`, exit status 2. */
class StartupError extends Error {}

interface Options extends WebFlags {
  dataDir?: string;
  color: boolean;
  stallAfter: number;
  lan: boolean;
  lanInterface?: string;
  lanPort?: number;
  lanPeers?: string[];
  lanGroup?: string;
  lanGroup6?: string;
}

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return Number(value);
}

function parseTargets(value: string): string[] {
  const targets = value.split(',').map((t) => t.trim()).filter((t) => t !== '');
  for (const t of targets) {
    try {
      parseHostPort(t);
    } catch (err) {
      throw new InvalidArgumentError(`${t}: ${(err as Error).message}`);
    }
  }
  if (targets.length === 0) throw new InvalidArgumentError('must list host:port targets, comma-separated');
  return targets;
}

/** LAN discovery's sockets as the options ask: multicast (default), or the loopback mode's unicast list. */
function lanTransport(opts: Options): LanTransportOptions {
  if (opts.lanPeers !== undefined) return { mode: 'unicast', host: '127.0.0.1', port: opts.lanPort ?? 0, targets: () => opts.lanPeers ?? [] };
  return {
    mode: 'multicast',
    ...(opts.lanPort !== undefined ? { port: opts.lanPort } : {}),
    ...(opts.lanInterface !== undefined ? { interface: opts.lanInterface } : {}),
    ...(opts.lanGroup !== undefined ? { ipv4Group: opts.lanGroup } : {}),
    ...(opts.lanGroup6 !== undefined ? { ipv6Group: opts.lanGroup6 } : {}),
  };
}

function parseSeconds(value: string): number {
  if (!/^\d{1,6}(\.\d+)?$/.test(value) || Number(value) <= 0) throw new InvalidArgumentError('must be a number of seconds above 0');
  return Number(value);
}

function program(init: RunShellInit): Command {
  return new Command()
    .name('client')
    .description('The groupshare client shell: join groups and share files with their members.')
    .argument('<ip:port>', "where this peer's server listens, e.g. 0.0.0.0:6881 (other peers connect there)")
    .argument('<tracker_info>', 'file listing the trackers, one host:port per line (the first that answers is used)')
    .option('--data-dir <dir>', 'where history and client state live (default: ./data/client-<port>)')
    .option('--no-color', 'no colours even on a terminal (NO_COLOR=1 does the same)')
    .addOption(
      new Option('--stall-after <seconds>', 'report a download as failed ([F]) once pieces it lacks have had no online holder this long; it resumes by itself')
        .argParser(parseSeconds)
        .default(60),
    )
    .option('--web <host:port>', 'also serve the web interface there, from this process (loopback unless --web-allow-remote), e.g. 127.0.0.1:8080')
    .option('--headless', 'no shell and no input: the web page is the interface (needs --web); resumes the remembered session; SIGTERM stops it')
    .option('--web-allow-remote', 'let --web listen on an address other machines can reach')
    .option('--web-tls-cert <file>', 'serve the web interface over TLS with this certificate (PEM)')
    .option('--web-tls-key <file>', 'and this private key (PEM)')
    .option('--web-root <dir>', 'a folder the web page may browse and share from (repeatable; the downloads folder always is one)', (v: string, all: string[] = []) => [...all, v])
    .option('--web-downloads <dir>', 'the web page\'s downloads folder (default: <data dir>/downloads)')
    .option('--web-ui <dir>', 'serve the page from this folder (default: the built packages/web-ui/dist)')
    .option('--web-max-upload <size>', 'the largest file the web page may upload, e.g. 500MiB (default: 4GiB)')
    .option('--no-lan', 'no LAN discovery: do not announce on the LAN nor listen for members there')
    .option('--lan-interface <name>', 'announce on this network interface only (default: every interface that can multicast)')
    .addOption(new Option('--lan-port <port>', `the LAN announce port (default ${LAN_DEFAULTS.port}; with --lan-peers, this client's own port, 0 for any)`).argParser(parsePort))
    .option('--lan-group <ipv4>', `the IPv4 multicast group (default ${LAN_DEFAULTS.ipv4Group})`)
    .option('--lan-group6 <ipv6>', `the IPv6 multicast group (default ${LAN_DEFAULTS.ipv6Group})`)
    .addOption(
      new Option('--lan-peers <host:port,...>', 'loopback mode: send LAN announces to these UDP addresses instead of multicast (for hosts whose loopback cannot multicast)').argParser(parseTargets),
    )
    .version(clientVersion())
    .addHelpText(
      'after',
      ['', 'Type help at the prompt for the commands.', ...INPUT_NOTES, '', 'examples:', '  ./client 0.0.0.0:6881 tracker_info.txt', "  printf 'login alice pw12345678\\nlist_groups\\n' | ./client 0.0.0.0:6881 tracker_info.txt"].join('\n'),
    )
    .showHelpAfterError('(./client --help shows the usage)')
    .configureOutput({
      writeOut: (s) => init.stdout.write(s),
      writeErr: (s) => init.stderr.write(s),
    })
    .exitOverride();
}

function readTrackers(file: string): TrackerAddress[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new StartupError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parseTrackerInfo(text);
  } catch (err) {
    throw new StartupError(`${file}: ${(err as Error).message}`);
  }
}

function parsePeerAddress(value: string): HostPort {
  try {
    // Port 0 asks for any free port (tests); the real one is used from then on.
    return parseHostPort(value, { allowPortZero: true });
  } catch (err) {
    throw new StartupError(`<ip:port>: ${(err as Error).message} (expected e.g. 0.0.0.0:6881)`);
  }
}

/** Runs the client; resolves with its exit status. Never calls process.exit. */
export async function runShell(init: RunShellInit): Promise<number> {
  const cmd = program(init);
  try {
    cmd.parse([...init.argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  const [addressArg, infoArg] = cmd.processedArgs as [string, string];
  const opts = cmd.opts<Options>();
  const env = init.env ?? process.env;
  const cwd = init.cwd ?? process.cwd();
  const interactive = init.interactive ?? (init.stdin.isTTY === true && init.stdout.isTTY === true);
  const colour = init.colour ?? (interactive && opts.color && !env.NO_COLOR);

  let listener: PeerListener | undefined;
  let link: TrackerLink | undefined;
  let node: PeerNode | undefined;
  let clientLog: ClientLog | undefined;
  let downloadLog: DownloadLog | undefined;
  let service: PeerService | undefined;
  let webServer: WebServer | undefined;
  try {
    const wanted = parsePeerAddress(addressArg);
    const trackers = readTrackers(path.resolve(cwd, infoArg));
    try {
      listener = await PeerListener.open(wanted);
    } catch (err) {
      throw new StartupError((err as Error).message);
    }
    const peerAddress = formatHostPort(listener.address);
    const dataDir = path.resolve(cwd, opts.dataDir ?? path.join('data', `client-${listener.address.port}`));
    try {
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new StartupError(`cannot create the data directory ${dataDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }

    let web: WebSettings | undefined;
    try {
      web = webSettings(opts, cwd, dataDir);
    } catch (err) {
      if (err instanceof WebOptionError) throw new StartupError(err.message);
      throw err;
    }
    link = new TrackerLink({ trackers, peerAddress, ...init.link });
    const log = (clientLog = new ClientLog(path.join(dataDir, 'client.log')));
    downloadLog = new DownloadLog(log);
    node = new PeerNode({
      link, pushes: link, sessions: link, dataDir, server: listener.server, selfAddress: peerAddress,
      onPeerEvent: (e) => logPeerEvent(log, e),
      downloadOptions: { stallAfterMs: opts.stallAfter * 1000 },
      ...(opts.lan ? { lan: { link, transport: lanTransport(opts) } } : {}),
    });
    const linkOptions = init.link;
    const verifyPassword = async (userId: string, password: string): Promise<void> => {
      const check = new TrackerLink({ trackers, ...linkOptions });
      check.start();
      try {
        await check.request('login', { userId, password });
        await check.request('logout').catch(() => undefined);
      } finally {
        await check.stop();
      }
    };
    service = new PeerService({ link, node, downloadLog, verifyPassword, ...(web ? { sessionFile: new SessionFile(dataDir) } : {}) });
    if (web) {
      for (const w of web.warnings) init.stderr.write(`client: ${w}\n`);
      let roots: Roots;
      try {
        roots = await Roots.create(web.downloadsDir, web.roots);
      } catch (err) {
        throw new StartupError(`--web-root/--web-downloads: ${(err as Error).message}`);
      }
      try {
        webServer = await WebServer.start({
          service, roots, dataDir, host: web.address.host, port: web.address.port, peerAddress, version: clientVersion(),
          maxUploadBytes: web.maxUploadBytes, ...(web.tls ? { tls: web.tls } : {}), ...(web.uiDir ? { uiDir: web.uiDir } : {}),
        });
      } catch (err) {
        throw new StartupError(`--web ${opts.web}: ${(err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'address already in use' : (err as Error).message}`);
      }
      init.onWebListening?.(webServer.url);
    }
    if (opts.headless) {
      link.start();
      const out = new Output({ stdout: init.stdout, stderr: init.stderr, colour: false });
      out.info(`groupshare client ${clientVersion()}: peer address ${peerAddress}, headless; web interface at ${webServer?.url ?? ''}`);
      await runHeadless(service, out, init.shutdown ?? untilSignalled());
      out.info('stopping: shares and downloads resume at the next start');
      return 0;
    }
    const shell = new Shell({
      link,
      node,
      input: init.stdin,
      stdout: init.stdout,
      stderr: init.stderr,
      interactive,
      colour,
      peerAddress,
      ...(interactive ? { history: new HistoryFile(path.join(dataDir, 'history')) } : {}),
      banner: `groupshare client ${clientVersion()}: peer address ${peerAddress}, ${trackers.length} tracker${trackers.length === 1 ? '' : 's'}.${webServer ? ` Web interface at ${webServer.url}.` : ''} Type help for the commands.`,
      paths: { home: env.HOME ?? os.homedir(), cwd },
      downloadLog,
      service,
    });
    attachSyncEvents(node, shell.out); // what synced folders do on their own (commands/sync.ts)
    let outputGone = false;
    void init.outputClosed?.then(() => {
      outputGone = true;
      shell.stop();
    });
    link.start();
    // On a terminal the banner says it; scripts get it as a line of their own.
    if (webServer && !interactive) shell.out.info(`web interface at ${webServer.url}`);
    let status = await shell.run();
    if (!interactive && !outputGone) {
      // End of piped input: let running downloads finish (documented in docs/client.md); a
      // failed one makes the exit status 1 like a failed command.
      const failed = await node.downloadsSettled();
      if (failed > 0 && status === 0) status = 1;
    }
    return status;
  } catch (err) {
    if (err instanceof StartupError) {
      init.stderr.write(`client: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    const user = link?.session?.userId;
    await webServer?.close();
    service?.close();
    // With no tracker reachable, reports still queued (shares, pieces) are not waited for: the
    // share library and the partial downloads on disk hold them, and the next login sends them.
    link?.waitForTracker(false);
    await node?.stop();
    // Still logged in: the session ends here (after the stop, every connection is counted).
    if (node !== undefined && user !== undefined) downloadLog?.sessionEnded(user, 'exit', node);
    await link?.stop();
    await listener?.close();
    clientLog?.close();
  }
}
