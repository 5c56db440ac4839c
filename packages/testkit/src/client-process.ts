/**
 * ClientProcess: one real client shell (`node packages/client/dist/main.js <ip:port>
 * <tracker_info> --data-dir <dir>`) with piped stdin, the way a script drives it: the test
 * writes command lines whenever it likes, reads everything the shell printed, waits for a line
 * matching a pattern, and ends it with SIGKILL (a crash) or by closing stdin (the shell then
 * waits for its running downloads and exits 0 or 1).
 *
 * Piped mode runs commands strictly in order, so "write a line, then wait for its answer on the
 * output that came after it" (`mark` + `waitFor`, or `run`) reads each command's own result.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { nextWake, within, type Exit } from '@groupshare/tracker/testing';
import { workspaceBin } from './bins.js';

/** The built client program (its `groupshare-client` bin). */
export function clientMainJs(): string {
  return workspaceBin('@groupshare/client', 'groupshare-client');
}

export interface ClientProcessInit {
  /** A name for failure messages ("alice"). */
  name: string;
  trackerInfo: string;
  dataDir: string;
  /** Where the peer server listens; port 0 picks a free one. */
  address?: string;
  cwd?: string;
  /**
   * More command-line options (e.g. `['--stall-after', '2']`). Without a `--lan…` option the
   * client gets `--no-lan`: tests keep their traffic on 127.0.0.1, and LAN discovery's default is
   * multicast on the host's interfaces (LAN tests pass `--lan-peers`, the loopback mode).
   */
  args?: readonly string[];
  /** A network namespace to run the client in (`ip netns exec`; needs root), for LAN tests. */
  netns?: string;
}

type Stream = 'stdout' | 'stderr';

/** One download as `show_downloads` shows it. */
export interface DownloadStatus {
  state: 'D' | 'C' | 'F';
  percent: number;
  line: string;
}

/** Where a finished download's blocks came from, as the shell prints it. */
export interface BlockSources {
  /** Peer address → share of the blocks, in %. */
  percent: Map<string, number>;
  /** Peers dropped for bad data. */
  dropped: string[];
  line: string;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A position in both outputs: `waitFor` looks only at what came after it. */
export interface Mark {
  stdout: number;
  stderr: number;
}

export class ClientProcess implements AsyncDisposable {
  /** Everything the shell printed (a test's clients print a few KiB at most). */
  stdout = '';
  stderr = '';
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;
  private readonly wakers = new Set<() => void>();

  private constructor(
    readonly init: ClientProcessInit,
    readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.wake();
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.wake();
    });
    // Writing to a shell that has just died (EPIPE) is not the test's failure: waitFor reports it.
    child.stdin?.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.wake();
        resolve(this.exit);
      });
    });
  }

  /** Spawns the client; it runs until killed or its stdin ends. */
  static spawn(init: ClientProcessInit): ClientProcess {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    const args = init.args ?? [];
    const lan = args.some((a) => a.startsWith('--lan') || a === '--no-lan') ? [] : ['--no-lan'];
    const argv = [process.execPath, clientMainJs(), init.address ?? '127.0.0.1:0', init.trackerInfo, '--data-dir', init.dataDir, '--no-color', ...lan, ...args];
    const [command, ...rest] = init.netns === undefined ? argv : ['ip', 'netns', 'exec', init.netns, ...argv];
    const child = spawn(command as string, rest, {
      cwd: init.cwd ?? path.dirname(init.trackerInfo),
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new ClientProcess(init, child);
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Sends one command line. */
  write(line: string): void {
    if (!this.child.stdin || this.child.stdin.writableEnded) throw new Error(`${this.init.name}: stdin is closed`);
    this.child.stdin.write(`${line}\n`);
  }

  /** Ends the input: the shell finishes, waits for its downloads and exits. */
  end(): void {
    if (this.child.stdin && !this.child.stdin.writableEnded) this.child.stdin.end();
  }

  mark(): Mark {
    return { stdout: this.stdout.length, stderr: this.stderr.length };
  }

  /**
   * Resolves with the first line of `stream` (after `since`, if given) matching `pattern`, or
   * rejects after `timeoutMs` or when the process exits without printing it.
   */
  async waitFor(pattern: RegExp, opts: { stream?: Stream; since?: Mark; timeoutMs?: number } = {}): Promise<RegExpMatchArray> {
    const stream = opts.stream ?? 'stdout';
    const timeoutMs = opts.timeoutMs ?? 15_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this[stream].slice(opts.since?.[stream] ?? 0);
      for (const line of text.split('\n')) {
        const match = line.match(pattern);
        if (match) return match;
      }
      const remaining = deadline - Date.now();
      if (!this.running) throw new Error(`${this.init.name} exited before printing ${pattern} on ${stream}\n${this.describe()}`);
      if (remaining <= 0) throw new Error(`${this.init.name}: no ${pattern} on ${stream} within ${timeoutMs} ms\n${this.describe()}`);
      await nextWake(this.wakers, remaining);
    }
  }

  /** Writes `line` and waits for `pattern` in what the shell printed after it. */
  run(line: string, pattern: RegExp, opts: { stream?: Stream; timeoutMs?: number } = {}): Promise<RegExpMatchArray> {
    const since = this.mark();
    this.write(line);
    return this.waitFor(pattern, { ...opts, since });
  }

  /**
   * Sends `signal` and returns at once: `SIGSTOP` freezes the process (its sockets stay open and
   * silent, like a hung peer), `SIGCONT` thaws it.
   */
  signal(signal: NodeJS.Signals): void {
    if (!this.running) throw new Error(`${this.init.name}: cannot send ${signal}, the process has exited\n${this.describe()}`);
    this.child.kill(signal);
  }

  /**
   * One download's `show_downloads` line: `D` (downloading), `C` (complete) or `F` (failed), and
   * its percentage (100 once complete).
   */
  async downloadStatus(group: string, name: string): Promise<DownloadStatus> {
    const head = `\\[([DCF])\\] \\[${escapeRegExp(group)}\\] ${escapeRegExp(name)} {2}`;
    const m = await this.run('show_downloads', new RegExp(`^${head}(?:(\\d+)%|failed)`));
    return { state: m[1] as DownloadStatus['state'], percent: m[1] === 'C' ? 100 : Number(m[2] ?? 0), line: m[0] };
  }

  /**
   * Polls `show_downloads` every `intervalMs` until the download has `percent` % or more (or is
   * complete); resolves with the status seen then. Rejects if it fails or `timeoutMs` passes.
   * A fast download overshoots by what arrives in one interval, so the caller reads `percent`.
   */
  async waitForProgress(group: string, name: string, percent: number, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<DownloadStatus> {
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    for (;;) {
      const status = await this.downloadStatus(group, name);
      if (status.state === 'F') throw new Error(`${this.init.name}: the download failed before ${percent}%: ${status.line}\n${this.describe()}`);
      if (status.percent >= percent) return status;
      if (Date.now() > deadline) throw new Error(`${this.init.name}: ${name} not at ${percent}% within ${opts.timeoutMs ?? 30_000} ms (at ${status.percent}%)\n${this.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 20));
    }
  }

  /**
   * The per-peer counters the shell prints under a completion line (`  blocks from 2 peers:
   * 127.0.0.1:7001 61%, 127.0.0.1:7002 39%; dropped for bad data: 127.0.0.1:7003`), the first such
   * line after `since`.
   */
  async blockSources(since: Mark, timeoutMs = 5_000): Promise<BlockSources> {
    const m = await this.waitFor(/^ {2}blocks from \d+ peers?: (.*?)(?:; dropped for bad data: (.*))?$/, { since, timeoutMs });
    const percent = new Map<string, number>();
    for (const part of (m[1] ?? '').split(', ')) {
      const [address, pct] = part.split(' ');
      if (address !== undefined && pct !== undefined) percent.set(address, Number(pct.replace('%', '')));
    }
    return { percent, dropped: m[2] === undefined ? [] : m[2].split(', '), line: m[0] };
  }

  /** Sends `signal` (SIGKILL by default: no clean shutdown) and waits for the process to go. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.running) this.child.kill(signal);
    return this.waitForExit(10_000);
  }

  /** Resolves with the exit, or rejects after `timeoutMs` (leaving the process running). */
  async waitForExit(timeoutMs = 10_000): Promise<Exit> {
    return within(this.exited, timeoutMs, () => `${this.init.name} did not exit within ${timeoutMs} ms\n${this.describe()}`);
  }

  describe(): string {
    const exit = this.exit ? ` (exited: code ${this.exit.code}, signal ${this.exit.signal})` : '';
    return `--- client ${this.init.name}${exit} stdout (tail) ---\n${this.stdout.slice(-3000)}\n--- stderr (tail) ---\n${this.stderr.slice(-3000)}`;
  }

  /** Cleanup: SIGKILL if still running. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
