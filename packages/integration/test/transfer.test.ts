// Real transfers between real client processes: one tracker process, client shells driven
// through piped stdin on 127.0.0.1 (port 0 each), files of random bytes written to a temp dir
// and checked by SHA-1 (node:crypto) once downloaded. Swarming and seeding after a download,
// resume after kill -9 of a downloader, and logout/login stopping and restarting a share.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { passwordOf, ProcessCluster, sleep } from '@groupshare/tracker/testing';
import { ClientProcess } from '@groupshare/testkit/client-process';
import { Cleanup } from '@groupshare/testkit/scenario';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const MiB = 1024 * 1024;

/** GROUPSHARE_TEST_SEED reproduces a run; otherwise a fresh seed, printed. */
const BASE_SEED = Number(process.env.GROUPSHARE_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`transfer.test.ts: random file seed ${BASE_SEED} (GROUPSHARE_TEST_SEED=${BASE_SEED} reproduces)`);

/** Seeded pseudo-random bytes (xorshift32): fast enough for tens of MiB. */
function randomBytesFromSeed(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length + 3);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  return out.subarray(0, length);
}

function sha1(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

async function sha1OfFile(file: string): Promise<string> {
  return sha1(await readFile(file));
}

/** Writes `size` random bytes as `<root>/src/<name>`; returns the path and its SHA-1. */
async function randomFile(root: string, name: string, size: number, seed: number): Promise<{ file: string; sha1: string }> {
  const data = randomBytesFromSeed(size, seed);
  const dir = path.join(root, 'src');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, data);
  return { file, sha1: sha1(data) };
}

async function newCluster(): Promise<ProcessCluster> {
  const cluster = cleanup.add(await ProcessCluster.create({ size: 1 }));
  await cluster.startAll();
  return cluster;
}

/** Spawns a client shell for `user` with its own data dir under the cluster's temp dir. */
function spawnClient(cluster: ProcessCluster, user: string, dataDir = path.join(cluster.root, `client-${user}`)): ClientProcess {
  return cleanup.add(ClientProcess.spawn({ name: user, trackerInfo: cluster.infoFile(1), dataDir }));
}

async function logIn(client: ClientProcess, user: string): Promise<void> {
  await client.run(`login ${user} ${passwordOf(user)}`, new RegExp(`^logged in as ${user}\\b`));
}

/** A client for a new account, logged in. */
async function newUser(cluster: ProcessCluster, user: string): Promise<ClientProcess> {
  const client = spawnClient(cluster, user);
  await client.run(`create_user ${user} ${passwordOf(user)}`, new RegExp(`^created user ${user}\\b`));
  await logIn(client, user);
  return client;
}

/** `member` asks to join `group`, `owner` accepts. */
async function join(owner: ClientProcess, member: ClientProcess, memberId: string, group: string): Promise<void> {
  await member.run(`join_group ${group}`, new RegExp(`^asked to join ${group}\\b`));
  await owner.run(`accept_request ${group} ${memberId}`, new RegExp(`^${memberId} is now a member of ${group}`));
}

async function share(client: ClientProcess, file: string, group: string): Promise<void> {
  await client.run(`upload_file ${file} ${group}`, new RegExp(`^sharing ${path.basename(file)} in ${group}:`), { timeoutMs: 30_000 });
}

/** Starts `download_file` and waits for the shell to say it is running. */
async function startDownload(client: ClientProcess, group: string, name: string, dir: string): Promise<void> {
  await client.run(`download_file ${group} ${name} ${dir}`, new RegExp(`^downloading ${name} from ${group} into`));
}

function completion(group: string, name: string): RegExp {
  return new RegExp(`^\\[C\\] \\[${group}\\] ${name.replace('.', '\\.')}: complete, SHA-1 verified: (.+)$`);
}

it('two members download a 20 MiB file at once; with the uploader killed, a third gets it from them', async () => {
  const started = Date.now();
  const cluster = await newCluster();
  const { file, sha1: want } = await randomFile(cluster.root, 'big.bin', 20 * MiB, BASE_SEED + 1);

  const [a, b, c, d] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((u) => newUser(cluster, u)));
  await a!.run('create_group lab', /^created group lab\b/);
  for (const [client, id] of [[b!, 'bob'], [c!, 'carol'], [d!, 'dave']] as const) await join(a!, client, id, 'lab');
  await share(a!, file, 'lab');

  const bDir = path.join(cluster.root, 'dl-bob');
  const cDir = path.join(cluster.root, 'dl-carol');
  const sinceB = b!.mark();
  const sinceC = c!.mark();
  await Promise.all([startDownload(b!, 'lab', 'big.bin', bDir), startDownload(c!, 'lab', 'big.bin', cDir)]);
  const [doneB, doneC] = await Promise.all([
    b!.waitFor(completion('lab', 'big.bin'), { since: sinceB, timeoutMs: 30_000 }),
    c!.waitFor(completion('lab', 'big.bin'), { since: sinceC, timeoutMs: 30_000 }),
  ]);
  expect(doneB[1]).toBe(path.join(bDir, 'big.bin'));
  expect(doneC[1]).toBe(path.join(cDir, 'big.bin'));
  expect(await sha1OfFile(path.join(bDir, 'big.bin'))).toBe(want);
  expect(await sha1OfFile(path.join(cDir, 'big.bin'))).toBe(want);
  console.log(`test 1: bob and carol complete ${Date.now() - started} ms after start`);
  // Each got blocks from more than one peer (the sharer and the other downloader): the engine's
  // per-peer counters, as the shell prints them under the completion line.
  const [fromB, fromC] = await Promise.all([
    b!.waitFor(/^ {2}blocks from (\d+) peers?: (.*)$/, { since: sinceB }),
    c!.waitFor(/^ {2}blocks from (\d+) peers?: (.*)$/, { since: sinceC }),
  ]);
  console.log(`test 1: bob's blocks from ${fromB[2]}; carol's from ${fromC[2]}`);
  expect(Number(fromB[1])).toBeGreaterThanOrEqual(2);
  expect(Number(fromC[1])).toBeGreaterThanOrEqual(2);

  // The uploader crashes; bob and carol stay logged in (stdin open) and serve what they have.
  await a!.kill('SIGKILL');
  const dDir = path.join(cluster.root, 'dl-dave');
  const sinceD = d!.mark();
  await startDownload(d!, 'lab', 'big.bin', dDir);
  const doneD = await d!.waitFor(completion('lab', 'big.bin'), { since: sinceD, timeoutMs: 30_000 });
  expect(doneD[1]).toBe(path.join(dDir, 'big.bin'));
  expect(await sha1OfFile(path.join(dDir, 'big.bin'))).toBe(want);
  expect([b!.running, c!.running]).toEqual([true, true]);
  console.log(`test 1: dave complete from bob and carol ${Date.now() - started} ms after start`);
});

it('a downloader killed with SIGKILL mid-download resumes from disk after a restart on the same data dir', async () => {
  const started = Date.now();
  const cluster = await newCluster();
  const { file, sha1: want } = await randomFile(cluster.root, 'huge.bin', 40 * MiB, BASE_SEED + 2);
  const [a, b] = await Promise.all(['alice', 'bob'].map((u) => newUser(cluster, u)));
  await a!.run('create_group lab', /^created group lab\b/);
  await join(a!, b!, 'bob', 'lab');
  await share(a!, file, 'lab');

  const dir = path.join(cluster.root, 'dl-bob');
  await startDownload(b!, 'lab', 'huge.bin', dir);
  // Poll show_downloads until some progress shows, then crash the downloader at once.
  let pct = 0;
  const deadline = Date.now() + 15_000;
  while (pct < 5) {
    if (Date.now() > deadline) throw new Error(`no download progress within 15 s\n${b!.describe()}`);
    const m = await b!.run('show_downloads', /^\[([DCF])\] \[lab\] huge\.bin {2}(\d+)%/);
    if (m[1] !== 'D') throw new Error(`download ended before it could be interrupted: ${m[0]}\n${b!.describe()}`);
    pct = Number(m[2]);
    if (pct < 5) await sleep(20);
  }
  await b!.kill('SIGKILL');
  console.log(`test 2: bob killed at ${pct}% (${Date.now() - started} ms after start)`);
  expect(existsSync(path.join(dir, 'huge.bin'))).toBe(false);
  // What a restart resumes from: the partial file and its state, in the destination directory.
  const left = await readdir(dir);
  console.log(`test 2: left in the destination dir after the kill: ${left.join(', ')}`);
  expect(left.length).toBeGreaterThan(0);

  // The restarted client remembers the download (its data directory) and resumes it at login.
  const b2 = spawnClient(cluster, 'bob', path.join(cluster.root, 'client-bob'));
  const since = b2.mark();
  await logIn(b2, 'bob');
  const resumed = await b2.waitFor(/^resuming the download of huge\.bin from lab \((\d+) of (\d+) pieces already here\)/, { since, timeoutMs: 15_000 });
  // Every piece show_downloads counted before the kill was kept (journaled before it counted),
  // so none of them is fetched again.
  const kept = Number(resumed[1]);
  const total = Number(resumed[2]);
  console.log(`test 2: ${kept} of ${total} pieces kept after the kill at ${pct}%`);
  expect(kept).toBeGreaterThanOrEqual(Math.ceil((pct * total) / 100));
  // Asking again does not start a second download over the same partial file.
  await b2.run(`download_file lab huge.bin ${dir}`, /^already downloading huge\.bin from lab/);
  const resumedAt = await b2.run('show_downloads', /^\[[DC]\] \[lab\] huge\.bin {2}(\d+)%/);
  console.log(`test 2: after the restart show_downloads says ${resumedAt[0]}`);
  const done = await b2.waitFor(completion('lab', 'huge.bin'), { since, timeoutMs: 30_000 });
  expect(done[1]).toBe(path.join(dir, 'huge.bin'));
  expect(await sha1OfFile(path.join(dir, 'huge.bin'))).toBe(want);
  console.log(`test 2: resumed download complete ${Date.now() - started} ms after start`);
});

it('logout stops serving a share; the next login shares it again and a waiting download completes', async () => {
  const started = Date.now();
  const cluster = await newCluster();
  const { file, sha1: want } = await randomFile(cluster.root, 'notes.bin', 1 * MiB, BASE_SEED + 3);
  const [a, b] = await Promise.all(['alice', 'bob'].map((u) => newUser(cluster, u)));
  await a!.run('create_group lab', /^created group lab\b/);
  await join(a!, b!, 'bob', 'lab');
  await share(a!, file, 'lab');
  await b!.run('list_files lab', /^notes\.bin\s+\S+ \S+\s+1\s+\d+\s+yes\b/);

  await a!.run('logout', /^logged out alice\b/);
  // The tracker no longer counts alice: nobody online has the file.
  await b!.run('list_files lab', /^notes\.bin\s+\S+ \S+\s+0\s+0\s+no\b/);

  const dir = path.join(cluster.root, 'dl-bob');
  const since = b!.mark();
  await startDownload(b!, 'lab', 'notes.bin', dir);
  await sleep(3_000);
  expect(b!.stdout.slice(since.stdout)).not.toMatch(completion('lab', 'notes.bin'));
  expect(existsSync(path.join(dir, 'notes.bin'))).toBe(false);
  const waiting = await b!.run('show_downloads', /^\[[DCF]\] \[lab\] notes\.bin .*$/);
  expect(waiting[0]).toMatch(/^\[D\] \[lab\] notes\.bin {2}0%/);

  await a!.run('login alice alice-password', /^sharing again: notes\.bin in lab\b/);
  // The running download asks the tracker for peers every 10 s.
  const done = await b!.waitFor(completion('lab', 'notes.bin'), { since, timeoutMs: 25_000 });
  expect(done[1]).toBe(path.join(dir, 'notes.bin'));
  expect(await sha1OfFile(path.join(dir, 'notes.bin'))).toBe(want);
  console.log(`test 3: complete ${Date.now() - started} ms after start`);
});

it('a peer serving corrupted data is dropped and the download still completes correctly from the others', async () => {
  const started = Date.now();
  const cluster = await newCluster();
  const size = 8 * MiB;
  const { file, sha1: want } = await randomFile(cluster.root, 'rot.bin', size, BASE_SEED + 4);
  const mtime = 1_700_000_000; // whole seconds, so it can be put back exactly after the rot
  await utimes(file, mtime, mtime);
  const [a, b, c] = await Promise.all(['alice', 'bob', 'carol'].map((u) => newUser(cluster, u)));
  await a!.run('create_group lab', /^created group lab\b/);
  await join(a!, b!, 'bob', 'lab');
  await join(a!, c!, 'carol', 'lab');
  await share(a!, file, 'lab');
  const bDir = path.join(cluster.root, 'dl-bob');
  const sinceB = b!.mark();
  await startDownload(b!, 'lab', 'rot.bin', bDir);
  await b!.waitFor(completion('lab', 'rot.bin'), { since: sinceB, timeoutMs: 30_000 });

  // Bit rot on alice's disk while she is logged out (her client caches pieces it read, so it
  // would go on serving the good bytes it had): one byte flipped in every 64 KiB, size and mtime
  // as they were, so her client cannot tell at login and serves the bad bytes. Bob (seeding a
  // verified copy) serves good ones.
  await a!.run('logout', /^logged out alice\b/);
  const handle = await open(file, 'r+');
  for (let at = 1000; at < size; at += 64 * 1024) {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x5a;
    await handle.write(byte, 0, 1, at);
  }
  await handle.close();
  await utimes(file, mtime, mtime);
  await a!.run('login alice alice-password', /^sharing again: rot\.bin in lab\b/);

  const cDir = path.join(cluster.root, 'dl-carol');
  const sinceC = c!.mark();
  await startDownload(c!, 'lab', 'rot.bin', cDir);
  await c!.waitFor(completion('lab', 'rot.bin'), { since: sinceC, timeoutMs: 30_000 });
  expect(await sha1OfFile(path.join(cDir, 'rot.bin'))).toBe(want);
  const sources = await c!.waitFor(/^ {2}blocks from .*$/, { since: sinceC });
  console.log(`test 4: carol's ${sources[0].trim()} (${Date.now() - started} ms after start)`);
  // The one peer dropped is alice: bob, the only other downloader, fetched from her alone.
  const bobSources = await b!.waitFor(/^ {2}blocks from 1 peer: (\S+) 100%$/, { since: sinceB });
  expect(sources[0]).toMatch(new RegExp(`; dropped for bad data: ${bobSources[1]!.replaceAll('.', '\\.')}$`));
});

it('a file shared in two groups is served to a member of either, though one info-hash names it in both', async () => {
  const cluster = await newCluster();
  const { file, sha1: want } = await randomFile(cluster.root, 'shared.bin', 2 * MiB, BASE_SEED + 5);
  const [a, b, c] = await Promise.all(['alice', 'bob', 'carol'].map((u) => newUser(cluster, u)));
  await a!.run('create_group alpha', /^created group alpha\b/);
  await a!.run('create_group beta', /^created group beta\b/);
  await join(a!, b!, 'bob', 'alpha');
  await join(a!, c!, 'carol', 'beta');
  // Shared in alpha first: before the fix, an incoming connection for this info-hash was admitted
  // only with a ticket for alpha, so carol (beta only) was refused.
  await share(a!, file, 'alpha');
  await share(a!, file, 'beta');
  for (const [client, group, who] of [[b!, 'alpha', 'bob'], [c!, 'beta', 'carol']] as const) {
    const dir = path.join(cluster.root, `dl-${who}`);
    const since = client.mark();
    await startDownload(client, group, 'shared.bin', dir);
    const done = await client.waitFor(completion(group, 'shared.bin'), { since, timeoutMs: 20_000 });
    expect(done[1]).toBe(path.join(dir, 'shared.bin'));
    expect(await sha1OfFile(path.join(dir, 'shared.bin'))).toBe(want);
  }
});

it('cancel_download in the middle of a transfer: stopped, forgotten, and only its own hidden files deleted', async () => {
  const cluster = await newCluster();
  const { file } = await randomFile(cluster.root, 'movie.bin', 128 * MiB, BASE_SEED + 6);
  const [a, b] = await Promise.all(['alice', 'bob'].map((u) => newUser(cluster, u)));
  await a!.run('create_group lab', /^created group lab\b/);
  await join(a!, b!, 'bob', 'lab');
  await share(a!, file, 'lab');
  const dir = path.join(cluster.root, 'dl-bob');
  await mkdir(dir);
  await writeFile(path.join(dir, 'mine.txt'), 'the user’s own file');

  await startDownload(b!, 'lab', 'movie.bin', dir);
  await b!.waitForProgress('lab', 'movie.bin', 5);
  a!.signal('SIGSTOP'); // the sharer freezes: the download holds still where it is
  try {
    const at = await b!.run('show_downloads', /^\[D\] \[lab\] movie\.bin {2}(\d+)% {2}.*$/);
    console.log(`test 6: with the sharer frozen, show_downloads says ${at[0]}`);
    expect(Number(at[1])).toBeLessThan(100);
    expect(at[0]).toMatch(/ {2}\d+(\.\d)? MiB\/128 MiB {2}down \S+ \S+ {2}up 0 B\/s {2}ETA \S+ {2}1 peer$/);
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['.movie.bin.groupshare-journal', '.movie.bin.groupshare-part', 'mine.txt']));
    await b!.run('cancel_download lab movie.bin --delete', /^cancelled the download of movie\.bin from lab; deleted the \d+(\.\d)? MiB downloaded into /);
    expect(await readdir(dir)).toEqual(['mine.txt']);
    await b!.run('show_downloads', /^no downloads in this session$/);
  } finally {
    a!.signal('SIGCONT');
  }
  b!.end();
  expect((await b!.waitForExit()).code).toBe(0);
  const log = await readFile(path.join(cluster.root, 'client-bob', 'client.log'), 'utf8');
  console.log(`test 6: bob's client.log:\n${log.trim()}`);
  expect(log).toMatch(/ download-start group=lab file=movie\.bin dest=\S+ how=new size=134217728 present=0\/\d+ sha1=[0-9a-f]{40}\n/);
  expect(log).toMatch(/ download-end group=lab file=movie\.bin result=cancelled seconds=[\d.]+ bytes=\d+ peers=1 sha1=not-checked\n/);
  expect(log).toMatch(/ download-cancelled group=lab file=movie\.bin dest=\S+ partial=\d+ deleted=true\n/);
});
