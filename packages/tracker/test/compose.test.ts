// docker-compose.yml and the Dockerfile (issue 18). No container engine here, so: Debian's
// `docker-compose config` validates the file, and the exact command lines the tracker services
// run (the image's entrypoint, from /app which mirrors the repository, with the service's
// command) run outside a container against each other, with the container paths (config
// mount, data volume, compose secret) mapped to temporary files. The healthcheck's command runs
// as it is too.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseComposeConfig, type ComposeValue } from './compose-config.js';
import { PageSession } from './compose-page.js';
import { TrackerProcess, WsClient } from '../src/testing/index.js';
import { ProcessSandbox, REPO_ROOT, assertBuilt, freePort } from './process-helpers.js';

const sandbox = new ProcessSandbox();
const procs: TrackerProcess[] = [];

beforeAll(() => {
  assertBuilt();
});

afterEach(async () => {
  for (const p of procs.splice(0)) if (p.running) await p.kill();
  await sandbox.cleanup();
});

type Service = { [key: string]: ComposeValue };

function composeConfig(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('docker-compose', ['-f', 'docker-compose.yml', ...args, 'config'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (run.error) throw new Error(`docker-compose cannot run (${run.error.message}): \`pnpm run setup\` installs it (scripts/ensure-test-tools.mjs)`);
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function services(): Record<string, Service> {
  const run = composeConfig();
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return parseComposeConfig(run.stdout).services as Record<string, Service>;
}

/** The Dockerfile's ENTRYPOINT, which the tracker services keep. */
async function imageEntrypoint(): Promise<string[]> {
  const text = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const line = text.split('\n').filter((l) => l.startsWith('ENTRYPOINT ')).at(-1);
  return JSON.parse(line!.slice('ENTRYPOINT '.length)) as string[];
}

async function get(url: string): Promise<number> {
  return (await fetch(url)).status;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('docker-compose.yml', () => {
  it('is valid for docker-compose: two trackers with their own volumes, the secret, healthchecks, restart; demo peers only in the demo profile', () => {
    const all = services();
    expect(Object.keys(all).sort()).toEqual(['peer1', 'peer2', 'tracker1', 'tracker2']);
    // `up` starts the services without a profile; `--profile demo up` adds the peers.
    const trackers = Object.entries(all).filter(([, s]) => s.profiles === undefined);
    expect(trackers.map(([name]) => name).sort()).toEqual(['tracker1', 'tracker2']);
    const volumes = new Set<string>();
    for (const [name, s] of trackers) {
      expect(s.restart, name).toBe('unless-stopped');
      expect(s.secrets, name).toEqual([{ source: 'cluster_secret' }]);
      expect((s.healthcheck as Service).test, name).toEqual(['CMD', 'node', 'packages/tracker/dist/healthcheck.js', '/etc/groupshare/tracker_info.txt', name.slice(-1)]);
      const data = (s.volumes as string[]).find((v) => v.endsWith(':/var/lib/groupshare:rw') || v.endsWith(':/var/lib/groupshare'));
      expect(data, name).toBeDefined();
      volumes.add(data!.split(':')[0]!);
    }
    expect(volumes.size).toBe(2);
    for (const peer of ['peer1', 'peer2']) {
      expect(all[peer]!.profiles, peer).toEqual(['demo']);
      expect(all[peer]!.entrypoint, peer).toEqual(['./client']);
      expect(all[peer]!.command, peer).toEqual(expect.arrayContaining(['--headless', '--web']));
    }
  });

  it("tracker services' command lines, run outside a container, replicate to each other and pass their healthchecks", async () => {
    const config = services();
    const entrypoint = await imageEntrypoint();
    expect(entrypoint).toEqual(['./tracker']);
    const ports = [await freePort(), await freePort()];
    const etc = await sandbox.tempDir('groupshare-etc-');
    const secrets = await sandbox.tempDir('groupshare-secrets-');
    // The compose file lists the trackers by their container names; here they are on loopback.
    const info = path.join(etc, 'tracker_info.txt');
    await writeFile(info, ports.map((p) => `127.0.0.1:${p}`).join('\n'));
    await writeFile(path.join(secrets, 'cluster_secret'), 'compose-test-secret-0123456789abcdef\n', { mode: 0o600 });
    await chmod(path.join(secrets, 'cluster_secret'), 0o600);
    const dataDirs = [await sandbox.tempDir('groupshare-vol1-'), await sandbox.tempDir('groupshare-vol2-')];
    const mapped = (arg: string, n: number) =>
      arg === '/etc/groupshare/tracker_info.txt' ? info : arg === '/var/lib/groupshare' ? path.join(dataDirs[n - 1]!, 'data') : arg.startsWith('/run/secrets/') ? path.join(secrets, arg.slice('/run/secrets/'.length)) : arg;
    const run = (argv: string[], n: number) => spawn(argv[0]!, argv.slice(1).map((a) => mapped(a, n)), { cwd: REPO_ROOT, env: { PATH: process.env.PATH }, stdio: 'pipe' });

    for (const n of [1, 2]) {
      const command = config[`tracker${n}`]!.command as string[];
      expect(command).toContain('/run/secrets/cluster_secret');
      const proc = new TrackerProcess(n, run([...entrypoint, ...command], n));
      procs.push(proc);
    }
    for (const proc of procs) await proc.waitReady();
    const base = (n: number) => `http://127.0.0.1:${ports[n - 1]}`;
    expect(await get(`${base(1)}/health`)).toBe(200);
    expect(await get(`${base(2)}/health`)).toBe(200);

    const alice = await WsClient.connect(`ws://127.0.0.1:${ports[0]}/ws`);
    await alice.ok('register', { userId: 'alice', password: 'alice-password-1' });
    alice.close();
    const bob = await WsClient.connect(`ws://127.0.0.1:${ports[1]}/ws`);
    await until(async () => (await bob.request('login', { userId: 'alice', password: 'alice-password-1', peerAddress: '127.0.0.1:6881' })).ok, 'alice to reach tracker 2');
    bob.close();
    await until(async () => (await get(`${base(1)}/ready`)) === 200 && (await get(`${base(2)}/ready`)) === 200, 'both trackers ready');

    // The healthcheck's command line, exactly as the container runs it.
    const check = async (n: number) => {
      const child = run(((config[`tracker${n}`]!.healthcheck as Service).test as string[]).slice(1), n);
      const checker = new TrackerProcess(n, child);
      return (await checker.exited).code;
    };
    expect(await check(1)).toBe(0);
    expect(await check(2)).toBe(0);

    // `docker compose stop tracker2` sends SIGTERM: a clean exit; tracker 1 stays healthy, not ready.
    procs[1]!.child.kill('SIGTERM');
    expect((await procs[1]!.waitForExit(15_000)).code).toBe(0);
    expect(await check(1)).toBe(0);
    expect(await check(2)).toBe(1);
    expect(await get(`${base(1)}/ready`)).toBe(503);
  }, 60_000);

  it('the demo profile\'s headless peers, run by their command lines, share a file and download it through their pages', async () => {
    const config = services();
    const ports = [await freePort(), await freePort()];
    const etc = await sandbox.tempDir('groupshare-etc-');
    const info = path.join(etc, 'tracker_info.txt');
    await writeFile(info, ports.map((p) => `127.0.0.1:${p}`).join('\n'));
    const secret = path.join(etc, 'cluster.secret');
    await writeFile(secret, 'compose-test-secret-0123456789abcdef\n', { mode: 0o600 });
    for (const n of [1, 2]) {
      const command = (config[`tracker${n}`]!.command as string[]).map((a) => (a === '/etc/groupshare/tracker_info.txt' ? info : a === '/run/secrets/cluster_secret' ? secret : a));
      const dataDir = path.join(await sandbox.tempDir('groupshare-vol-'), 'data');
      const proc = new TrackerProcess(n, spawn('./tracker', command.map((a) => (a === '/var/lib/groupshare' ? dataDir : a)), { cwd: REPO_ROOT, env: { PATH: process.env.PATH }, stdio: 'pipe' }));
      procs.push(proc);
    }
    for (const proc of procs) await proc.waitReady();

    const pages: PageSession[] = [];
    const volumes: string[] = [];
    for (const peer of ['peer1', 'peer2']) {
      const s = config[peer]!;
      const volume = await sandbox.tempDir('groupshare-peer-');
      volumes.push(volume);
      // A container has its ports to itself; here each `0.0.0.0:<port>` is a free loopback port.
      const mapped = new Map<string, string>();
      for (const a of s.command as string[]) if (/^0\.0\.0\.0:\d+$/.test(a)) mapped.set(a, `127.0.0.1:${await freePort()}`);
      const args = (s.command as string[]).map((a) => (a === '/etc/groupshare/tracker_info.txt' ? info : a === '/var/lib/groupshare' ? volume : (mapped.get(a) ?? a)));
      // `--no-lan` added: the host's own interfaces are not the compose network, and tests keep to 127.0.0.1.
      const child = spawn((s.entrypoint as string[])[0]!, [...args, '--no-lan'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH }, stdio: 'pipe' });
      // Not a tracker, but the same wrapper: output captured, exit recorded, killed at the end.
      const proc = new TrackerProcess(0, child);
      procs.push(proc);
      const web = mapped.get((s.command as string[])[(s.command as string[]).indexOf('--web') + 1]!)!;
      await proc.waitForStdout(/headless; web interface at http:\/\//, 20_000);
      pages.push(new PageSession(`http://${web}/`));
    }
    const [ann, ben] = pages as [PageSession, PageSession];
    await ann.call('GET', '/api/session');
    await ann.call('POST', '/api/accounts', { userId: 'ann', password: 'ann-password-1' });
    await ann.call('POST', '/api/accounts', { userId: 'ben', password: 'ben-password-1' });
    await ann.call('POST', '/api/session/login', { userId: 'ann', password: 'ann-password-1' });
    await ben.call('GET', '/api/session');
    await ben.call('POST', '/api/session/login', { userId: 'ben', password: 'ben-password-1' });
    await ann.call('POST', '/api/groups', { groupId: 'demo' });
    const data = randomBytes(300_000);
    await ann.call('POST', '/api/groups/demo/uploads?folder=uploads&name=demo.bin', data);
    await ben.call('POST', '/api/groups/demo/join');
    await ann.call('POST', '/api/groups/demo/requests/ben/accept');
    await ben.call('POST', '/api/downloads', { groupId: 'demo', name: 'demo.bin' });
    await until(async () => (await ben.call('GET', '/api/downloads')).downloads.some((d: { state: string }) => d.state === 'completed'), 'the download to complete');
    const downloads = (await ben.call('GET', '/api/roots')).downloadsDir as string;
    const name = (await readdir(downloads, { recursive: true })).find((f) => f.endsWith('demo.bin'))!;
    const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
    expect(sha1(await readFile(path.join(downloads, name)))).toBe(sha1(data));
    // SIGTERM, as `docker compose stop` sends: the peers stop cleanly.
    for (const proc of procs.slice(2)) proc.child.kill('SIGTERM');
    for (const proc of procs.slice(2)) expect((await proc.waitForExit(15_000)).code).toBe(0);
  }, 90_000);
});
