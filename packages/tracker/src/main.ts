#!/usr/bin/env node
/**
 * `./tracker tracker_info.txt <n>`: runs tracker number n of the cluster listed in the file.
 */
import { parseHostPort, parseTrackerInfo, trackerAt, type HostPort } from '@groupshare/protocol';
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { ClusterSecretError, clusterSecretLogLine, resolveClusterSecret, SECRET_ENV } from './cluster-secret.js';
import { AdminServer, isLoopbackHost } from './admin-web/admin-server.js';
import { startConsole } from './console/console.js';
import { DEFAULT_EVICT_AFTER_MS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS } from './constants.js';
import { createTrackerLogger, DEFAULT_LOG_ROTATION, type TrackerLog } from './logger.js';
import { DataDirError } from './db/data-dir.js';
import { MetricsTokenError, readMetricsToken } from './ops/metrics-token.js';
import { Tracker } from './tracker.js';
import { parseTrustProxy, TrustProxyError } from './api/trusted-proxy.js';
import { parseDuration } from './util/duration.js';
import { trackerVersion } from './version.js';

function fail(message: string): never {
  process.stderr.write(`tracker: ${message}\n`);
  process.exit(2);
}

function parseEvictAfter(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('must be a whole number and a unit: ms, s, m, h or d (e.g. 3d, 12h)');
  return ms;
}

function parsePositive(value: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new InvalidArgumentError('must be a whole number from 1');
  return Number(value);
}

function parseProxies(value: string): string[] {
  try {
    return parseTrustProxy(value);
  } catch (err) {
    throw err instanceof TrustProxyError ? new InvalidArgumentError(err.message) : err;
  }
}

/** `--status-trusted`: IP addresses, and `loopback` for 127.0.0.0/8 and ::1. */
function parseStatusTrusted(value: string): string[] {
  return value.split(',').map((entry) => {
    const e = entry.trim();
    if (e !== 'loopback' && isIP(e) === 0) throw new InvalidArgumentError(`"${e.slice(0, 60)}" is not an IP address or "loopback"`);
    return e;
  });
}

/** `--admin host:port`: where the admin page listens (port 0: any free port). */
function parseAdminAddress(value: string): HostPort {
  try {
    return parseHostPort(value, { allowPortZero: true });
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function parseTrackerNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number (1 for the first line)');
  return Number(value);
}

/**
 * A reader of our output that went away (`./tracker --help | head -3`, `./tracker … | head`, a
 * restarted journal) makes writes fail with EPIPE, as Node ignores SIGPIPE; unhandled, that
 * 'error' event would end the tracker with a stack trace. A tracker is a service: it keeps
 * running (its log goes on in the data directory, pino's stdout destination drops what it
 * cannot write) and the console's answers are dropped. Exiting instead, even with status 0,
 * would take a cluster member down because a log reader stopped, and `Restart=on-failure`
 * would not bring it back. `--help` and `--version` end with 0 as always.
 */
function tolerateClosedOutput(): void {
  process.stderr.on('error', () => undefined);
  process.stdout.on('error', () => undefined);
}

async function main(): Promise<void> {
  tolerateClosedOutput();
  const program = new Command()
    .name('tracker')
    .description('Run one groupshare tracker of the cluster listed in tracker_info.txt.')
    .argument('<tracker_info>', 'file listing every tracker, one host:port (or host port) per line')
    .argument('<n>', 'which line of the file is this tracker (1-based)', parseTrackerNumber)
    .option('--data-dir <dir>', 'where the database and log live (default: ./data/tracker-<n>)')
    .option(
      '--cluster-secret-file <file>',
      `file holding the secret every tracker of the cluster shares (or set ${SECRET_ENV}; default: <tracker_info>.secret, created if missing)`,
    )
    .addOption(
      new Option('--max-connections-per-address <n>', 'most WebSockets one remote address may hold open')
        .argParser(parsePositive)
        .default(DEFAULT_MAX_CONNECTIONS_PER_ADDRESS),
    )
    .addOption(
      new Option('--evict-after <duration>', 'how long another tracker may be away before compaction stops waiting for it (e.g. 3d, 12h)')
        .argParser(parseEvictAfter)
        .default(DEFAULT_EVICT_AFTER_MS, '3d'),
    )
    .addOption(
      new Option('--trust-proxy <cidrs>', "reverse proxies (comma-separated addresses or CIDR ranges) whose X-Forwarded-For gives a client's address")
        .argParser(parseProxies),
    )
    .addOption(
      new Option('--status-trusted <list>', 'addresses (comma-separated; "loopback" for 127/8 and ::1) that may read /status and /digest without the cluster secret')
        .argParser(parseStatusTrusted)
        .default(['loopback'], 'loopback'),
    )
    .option('--metrics-token-file <file>', 'file (mode 0600) holding a bearer token that may read /metrics from any address')
    .addOption(
      new Option('--log-file-mib <n>', 'start a new log file once the current one has this many MiB')
        .argParser(parsePositive)
        .default(DEFAULT_LOG_ROTATION.maxFileBytes / (1024 * 1024)),
    )
    .addOption(new Option('--log-files <n>', 'log files to keep, the current one included').argParser(parsePositive).default(DEFAULT_LOG_ROTATION.keepFiles))
    .addOption(new Option('--admin <host:port>', 'serve the admin page and its JSON API there (loopback, e.g. 127.0.0.1:9090)').argParser(parseAdminAddress))
    .option('--admin-allow-remote', 'let --admin listen on an address that is not loopback (the page is then reachable from the network)')
    .addOption(new Option('--log-level <level>', 'how much to log').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'))
    .version(trackerVersion())
    .showHelpAfterError()
    // Usage errors exit 2 like every other configuration error; --help and --version exit 0.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  program.parse();
  const [infoFile, n] = program.processedArgs as [string, number];
  const opts = program.opts<{
    dataDir?: string;
    logLevel: string;
    logFileMib: number;
    logFiles: number;
    clusterSecretFile?: string;
    maxConnectionsPerAddress: number;
    evictAfter: number;
    trustProxy?: string[];
    statusTrusted: string[];
    metricsTokenFile?: string;
    admin?: HostPort;
    adminAllowRemote?: boolean;
  }>();
  if (opts.admin && !isLoopbackHost(opts.admin.host) && !opts.adminAllowRemote) {
    fail(`--admin ${opts.admin.host} is not a loopback address: the admin page would be reachable from the network; add --admin-allow-remote if that is meant`);
  }

  let text: string;
  try {
    text = readFileSync(infoFile, 'utf8');
  } catch (err) {
    fail(`cannot read ${infoFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let trackers;
  let me;
  try {
    trackers = parseTrackerInfo(text);
    me = trackerAt(trackers, n);
  } catch (err) {
    fail(`${infoFile}: ${(err as Error).message}`);
  }
  let clusterSecret;
  try {
    clusterSecret = await resolveClusterSecret({ infoFile, trackerCount: trackers.length, secretFile: opts.clusterSecretFile });
  } catch (err) {
    fail(err instanceof ClusterSecretError ? err.message : `cluster secret: ${(err as Error).message}`);
  }

  let metricsToken: string | undefined;
  try {
    metricsToken = opts.metricsTokenFile === undefined ? undefined : readMetricsToken(opts.metricsTokenFile);
  } catch (err) {
    fail(err instanceof MetricsTokenError ? err.message : String(err));
  }

  const dataDir = path.resolve(opts.dataDir ?? path.join('data', `tracker-${n}`));
  const interactive = Boolean(process.stdin.isTTY);
  // On a terminal, log lines go above the console's prompt once it runs, not into the line
  // being typed.
  let writeLog = (line: string): unknown => process.stdout.write(line);
  let log: TrackerLog;
  try {
    log = await createTrackerLogger({
      dataDir,
      trackerNumber: n,
      level: opts.logLevel,
      stdout: interactive ? { write: (line) => writeLog(line) } : true,
      // A person reads a terminal: one readable line per event there, JSON for everything else.
      ...(process.stdout.isTTY ? { pretty: { colour: !process.env.NO_COLOR } } : {}),
      maxFileBytes: opts.logFileMib * 1024 * 1024,
      keepFiles: opts.logFiles,
    });
  } catch (err) {
    if (err instanceof DataDirError) fail(err.message);
    fail(`cannot use data directory ${dataDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const logger = log.logger;
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  // logrotate's way (no copytruncate): it moves the file away, then sends SIGHUP. This also
  // means a hang-up of the terminal no longer stops the tracker.
  process.on('SIGHUP', () => {
    log.reopen();
    logger.info({ event: 'log_reopened' }, 'log file reopened (SIGHUP)');
  });
  if (clusterSecret !== undefined) {
    const { fields, msg } = clusterSecretLogLine(clusterSecret.source);
    logger.info({ event: 'cluster_secret', ...fields }, msg);
  }

  let tracker: Tracker;
  try {
    tracker = await Tracker.create({
      trackerNumber: n,
      host: me.host,
      port: me.port,
      dataDir,
      logger,
      maxConnectionsPerAddress: opts.maxConnectionsPerAddress,
      compaction: { evictAfterMs: opts.evictAfter },
      ...(opts.trustProxy ? { trustProxy: opts.trustProxy } : {}),
      statusTrusted: opts.statusTrusted,
      ...(metricsToken === undefined ? {} : { metricsToken }),
      cluster: clusterSecret === undefined ? undefined : { trackers, secret: clusterSecret.secret },
    });
  } catch (err) {
    logger.fatal({ err }, 'cannot open the database');
    fail(`cannot open the database in ${dataDir}: ${(err as Error).message}`);
  }
  try {
    await tracker.start();
  } catch (err) {
    await tracker.stop();
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the address is already in use' : code === 'EADDRNOTAVAIL' ? 'that address is not on this machine' : (err as Error).message;
    fail(`cannot listen on ${me.host}:${me.port}: ${why}`);
  }

  let admin: AdminServer | undefined;
  if (opts.admin) {
    try {
      admin = await AdminServer.create({ tracker, host: opts.admin.host, port: opts.admin.port });
      const url = await admin.start();
      const made = admin.tokenCreated ? ' (made now, mode 0600)' : '';
      logger.info({ event: 'admin_started', url, tokenFile: admin.tokenFile }, `admin page on ${url}: log in with the token in ${admin.tokenFile}${made} or the password set with set_admin_password`);
      if (!isLoopbackHost(opts.admin.host)) {
        logger.warn({ event: 'admin_remote', url }, `the admin page listens on ${opts.admin.host}, not loopback: anyone who can reach it may try passwords; prefer an SSH tunnel`);
      }
    } catch (err) {
      await admin?.stop();
      await tracker.stop();
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'the address is already in use' : code === 'EADDRNOTAVAIL' ? 'that address is not on this machine' : (err as Error).message;
      fail(`cannot start the admin page on ${opts.admin.host}:${opts.admin.port}: ${why}`);
    }
  }

  const stop = (reason: string) => {
    logger.info({ event: 'shutdown', reason }, `stopping (${reason})`);
    (admin?.stop() ?? Promise.resolve()).then(() => tracker.stop()).then(
      () => {
        log.close();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        log.close();
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  const operatorConsole = startConsole({
    tracker,
    input: process.stdin,
    output: process.stdout,
    interactive,
    onQuit: () => stop('quit'),
  });
  if (interactive) writeLog = (line) => operatorConsole.writeAbove(line);
}

await main();
