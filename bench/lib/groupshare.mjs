// Real groupshare processes for the benchmarks: a tracker (packages/tracker/dist/main.js) and
// client shells (packages/client/dist/main.js) driven through piped stdin, as a user's script
// drives them (docs/client.md, "Piped input"). Every process is started through spawnChild, so it
// dies with the benchmark; every output line is kept with the time it arrived, so a benchmark
// times "command sent" → "answer printed" without the delay of whoever awaits the answer.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { spawnChild, stopChild } from './children.mjs';
import { repoRoot } from './results.mjs';

export const TRACKER_MAIN = path.join(repoRoot, 'packages/tracker/dist/main.js');
export const CLIENT_MAIN = path.join(repoRoot, 'packages/client/dist/main.js');

/** Throws a clear message when the workspace has not been built. */
export function requireBuilt() {
  for (const main of [TRACKER_MAIN, CLIENT_MAIN]) {
    if (!existsSync(main)) {
      throw new Error(`${path.relative(process.cwd(), main)} is missing: build the workspace first (npx -y pnpm@10.34.8 run setup)`);
    }
  }
}

/**
 * What was measured: the commit, `+dirty` when packages/ has uncommitted changes, and then a
 * fingerprint of the built client (the first 8 hex digits of a SHA-1 over the protocol, engine
 * and client dist files), since the dist is what runs and may hold work in progress.
 */
export function groupshareVersion() {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd: repoRoot, encoding: 'utf8' }).trim() !== '') commit += '+dirty';
  } catch {
    // not a git checkout: the fingerprint still tells builds apart
  }
  return `${commit} dist:${distFingerprint()}`;
}

/** SHA-1 (8 hex digits) over the built protocol, engine and client packages' .js files. */
export function distFingerprint() {
  const hash = createHash('sha1');
  for (const pkg of ['protocol', 'engine', 'client']) {
    const dist = path.join(repoRoot, 'packages', pkg, 'dist');
    if (!existsSync(dist)) continue;
    const files = readdirSync(dist, { recursive: true }).map(String).filter((f) => f.endsWith('.js')).sort();
    for (const f of files) hash.update(`${pkg}/${f}\0`).update(readFileSync(path.join(dist, f)));
  }
  return hash.digest('hex').slice(0, 8);
}

/** The password every benchmark account uses (the tracker wants at least 8 characters). */
export const passwordOf = (user) => `${user}-bench-password`;

/** Output kept per client: the shells print a few lines per command; this is a safety cap. */
const MAX_LINES = 5_000;

/**
 * One lone tracker (no cluster secret needed) on 127.0.0.1, its tracker_info.txt and database in
 * `dir`, started with the tests' launcher (tracker-testing.mjs), under `node --cpu-prof` into
 * `cpuProfDir` if given. Resolves once `/health` answers.
 * @returns `{ cluster, address, infoFile, stop() }`
 */
export async function startTracker(dir, { timeoutMs = 15_000, cpuProfDir } = {}) {
  requireBuilt();
  // Loaded here, not at the top: scripts that only want groupshareVersion() run without a build.
  const { benchCluster } = await import('./tracker-testing.mjs');
  // stdin ignored: the tracker's console sees EOF at once and it runs on as a service; its
  // stderr is kept for the error if it does not start.
  const cluster = await benchCluster({ root: dir, size: 1, stdio: ['ignore', 'ignore', 'pipe'], cpuProfDir });
  try {
    await cluster.start(1, timeoutMs);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return { cluster, address: cluster.address(1), infoFile: cluster.infoFile(1), stop: () => cluster.stop({ graceMs: 2_000 }) };
}

/**
 * A client shell with piped stdin. Each stdout/stderr line is kept as `{ text, at, stream }`
 * (`at` = performance.now() when its chunk arrived). `run(line, pattern)` sends a command and
 * resolves with the first matching line printed after it; piped mode runs commands strictly in
 * order, so that line is the command's own answer.
 */
export class GroupshareClient {
  /** Lines dropped from the front of `lines` (MAX_LINES), so marks stay valid. */
  #dropped = 0;

  /**
   * @param init `{ name, infoFile, dataDir, cwd?, env?, nodeArgs?, address? }`; `env` is added to
   *   this process's environment; `nodeArgs` go to node before the script (e.g. `--cpu-prof`,
   *   which Node 20 refuses in NODE_OPTIONS).
   */
  constructor({ name, infoFile, dataDir, cwd = path.dirname(infoFile), env = {}, nodeArgs = [], address = '127.0.0.1:0' }) {
    requireBuilt();
    this.name = name;
    this.lines = [];
    this.waiters = new Set();
    this.child = spawnChild(process.execPath, [...nodeArgs, CLIENT_MAIN, address, infoFile, '--data-dir', dataDir, '--no-color'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid;
    this.child.stdin.on('error', () => {}); // EPIPE from a shell that died: waitFor reports it
    for (const stream of ['stdout', 'stderr']) this.#collect(stream);
    this.exit = undefined;
    this.child.exited.then((r) => {
      this.exit = r;
      this.#wake();
    });
  }

  #collect(stream) {
    let partial = '';
    this.child[stream].setEncoding('utf8').on('data', (chunk) => {
      const at = performance.now();
      const parts = (partial + chunk).split('\n');
      partial = parts.pop();
      for (const text of parts) this.lines.push({ text, at, stream });
      if (this.lines.length > MAX_LINES) this.#dropped += this.lines.splice(0, this.lines.length - MAX_LINES).length;
      this.#wake();
    });
  }

  #wake() {
    for (const w of this.waiters) w();
  }

  get running() {
    return this.exit === undefined;
  }

  /** A position in the output: waitFor(…, { since }) looks only at lines after it. */
  mark() {
    return this.#dropped + this.lines.length;
  }

  /** Sends one command line; returns the time it was written (performance.now()). */
  write(line) {
    this.child.stdin.write(`${line}\n`);
    return performance.now();
  }

  /** Ends stdin: the shell waits for its downloads, then exits. */
  end() {
    if (!this.child.stdin.writableEnded) this.child.stdin.end();
  }

  /**
   * Resolves with `{ match, at, text }` for the first stdout line after `since` matching `pattern`.
   * Rejects on time-out, when the shell exits first, or when a stderr line matches `failOn`
   * (default: a failed download or command, so an error does not wait for the time-out).
   */
  waitFor(pattern, { since = 0, timeoutMs = 60_000, failOn = /^(download of .* failed|[a-z_]+: )/ } = {}) {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (let i = Math.max(0, since - this.#dropped); i < this.lines.length; i++) {
          const line = this.lines[i];
          const match = line.stream === 'stdout' ? pattern.exec(line.text) : undefined;
          if (match) return done(() => resolve({ match, at: line.at, text: line.text }));
          if (line.stream === 'stderr' && failOn?.test(line.text)) return done(() => reject(new Error(`${this.name}: ${line.text}\n${this.describe()}`)));
        }
        if (!this.running) done(() => reject(new Error(`${this.name} exited (${this.exit.code ?? this.exit.signal}) before printing ${pattern}\n${this.describe()}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${this.name}: no ${pattern} within ${timeoutMs} ms\n${this.describe()}`))), timeoutMs);
      const done = (settle) => (clearTimeout(timer), this.waiters.delete(check), settle());
      this.waiters.add(check);
      check();
    });
  }

  /** Sends `line` and waits for its answer. @returns `{ match, at, sentAt, text }` */
  async run(line, pattern, opts = {}) {
    const since = this.mark();
    const sentAt = this.write(line);
    return { ...(await this.waitFor(pattern, { ...opts, since })), sentAt };
  }

  /** The peer address the tracker recorded at login (`logged in as u (peer address …)`). */
  get peerAddress() {
    for (const { text } of this.lines) {
      const m = /^logged in as \S+ \(peer address (\S+)\)/.exec(text);
      if (m) return m[1];
    }
    return undefined;
  }

  /** The last lines of output, for error messages. */
  describe(n = 15) {
    return this.lines.slice(-n).map((l) => `  ${this.name} ${l.stream}: ${l.text}`).join('\n');
  }

  stop(opts) {
    return stopChild(this.child, opts);
  }
}

/** Starts a client for `user` (data directory `<root>/client-<user>`), registers and logs it in. */
export async function newUser({ user, infoFile, root, env, nodeArgs }) {
  const client = new GroupshareClient({ name: user, infoFile, dataDir: path.join(root, `client-${user}`), env, nodeArgs });
  await client.run(`create_user ${user} ${passwordOf(user)}`, new RegExp(`^created user ${user}\\b`));
  await client.run(`login ${user} ${passwordOf(user)}`, new RegExp(`^logged in as ${user}\\b`));
  return client;
}

/**
 * A group owned by `owner` with every client of `members` in it (join_group, accept_request).
 * `members` is a list of `[client, userId]`.
 */
export async function formGroup(owner, group, members) {
  await owner.run(`create_group ${group}`, new RegExp(`^created group ${group}\\b`));
  await Promise.all(members.map(([client]) => client.run(`join_group ${group}`, new RegExp(`^asked to join ${group}\\b`))));
  for (const [, user] of members) await owner.run(`accept_request ${group} ${user}`, new RegExp(`^${user} is now a member of ${group}`));
}

/** `upload_file`; resolves with `{ sentAt, at, match }` at the `sharing …` line. */
export function shareFile(client, file, group, { timeoutMs = 600_000 } = {}) {
  const name = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return client.run(`upload_file ${file} ${group}`, new RegExp(`^sharing ${name} in ${group}: (.*)$`), { timeoutMs });
}

/** The completion line a download prints (docs/client.md). Group 1: the final path. */
export function completionPattern(group, name) {
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\[C\\] \\[${group}\\] ${n}: complete, SHA-1 verified: (.+)$`);
}

/**
 * Parses `  blocks from 2 peers: 127.0.0.1:4001 61%, 127.0.0.1:4002 39%` into
 * `{ '127.0.0.1:4001': 0.61, … }`, or undefined if `text` is not such a line.
 */
export function parseBlocksFrom(text) {
  const m = /^ {2}blocks from \d+ peers?: ([^;]*)/.exec(text);
  if (!m) return undefined;
  const shares = {};
  for (const part of m[1].split(', ')) {
    const [address, pct] = part.trim().split(' ');
    if (address && pct) shares[address] = Number(pct.replace('%', '')) / 100;
  }
  return shares;
}
