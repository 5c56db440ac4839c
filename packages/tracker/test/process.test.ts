/**
 * The real tracker process (`dist/main.js`, and the root `./tracker` script) on 127.0.0.1:
 * persistence across restarts, the stdin console, signals, /health, configuration errors, the
 * log file, and durability of a write acknowledged just before `quit`.
 */
import { infoHash } from '@groupshare/protocol';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ProcessSandbox,
  assertBuilt,
  closeServer,
  freePort,
  getJson,
  listenOn,
  sleep,
  type TrackerProcess,
} from './process-helpers.js';

const sandbox = new ProcessSandbox();

beforeAll(() => {
  assertBuilt();
});

afterEach(async () => {
  await sandbox.cleanup();
});

const sha1 = (data: Buffer): string => createHash('sha1').update(data).digest('hex');

/** A small file as a client would describe it to share_file: real SHA-1s of real bytes. */
function fileInfo(name: string, content: Buffer, pieceLength = 262_144) {
  const pieces: string[] = [];
  for (let off = 0; off < content.length; off += pieceLength) pieces.push(sha1(content.subarray(off, off + pieceLength)));
  const piecesHex = pieces.join('');
  return {
    share: { name, size: content.length, sha1: sha1(content), pieceLength, pieces: piecesHex },
    infoHash: infoHash({ name, length: content.length, pieceLength, pieces: Buffer.from(piecesHex, 'hex') }),
    pieceCount: pieces.length,
  };
}

/** Writes `quit` and expects a clean exit (code 0) within a few seconds. */
async function quit(proc: TrackerProcess): Promise<void> {
  proc.command('quit');
  const exit = await proc.waitForExit(5_000);
  expect(exit, proc.describe()).toEqual({ code: 0, signal: null });
}

describe('tracker process: persistence across a restart', () => {
  it('keeps accounts, groups, members and files after quit and restart', async () => {
    const c = await sandbox.cluster();
    // First run through the root ./tracker script, second run through node dist/main.js.
    const first = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir, viaScript: true });

    const alice = await sandbox.connect(c.url);
    const bob = await sandbox.connect(c.url);
    await alice.ok('register', { userId: 'alice', password: 'alice-password-1' });
    await bob.ok('register', { userId: 'bob', password: 'bob-password-1' });
    await alice.ok('login', { userId: 'alice', password: 'alice-password-1', peerAddress: '127.0.0.1:6881' });
    await bob.ok('login', { userId: 'bob', password: 'bob-password-1' });
    await alice.ok('create_group', { groupId: 'lab' });
    expect(await bob.ok('join_group', { groupId: 'lab' })).toEqual({ groupId: 'lab', status: 'requested' });
    await alice.ok('accept_request', { groupId: 'lab', userId: 'bob' });
    const file = fileInfo('notes.txt', Buffer.from('hello world!'));
    expect(file.pieceCount).toBe(1);
    const shared = await alice.ok('share_file', { groupId: 'lab', ...file.share });
    expect(shared.file).toMatchObject({ name: 'notes.txt', infoHash: file.infoHash, size: 12, seeders: 1 });
    alice.close();
    bob.close();

    await quit(first);

    const second = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });
    expect(second.running).toBe(true);

    const bob2 = await sandbox.connect(c.url);
    expect(await bob2.ok('login', { userId: 'bob', password: 'bob-password-1' })).toMatchObject({ userId: 'bob' });
    const { groups } = await bob2.ok('list_groups');
    expect(groups).toContainEqual({ groupId: 'lab', owner: 'alice', memberCount: 2, membership: 'member' });
    const { members } = await bob2.ok('list_members', { groupId: 'lab' });
    expect(members.map((m: { userId: string; owner: boolean }) => [m.userId, m.owner]).sort()).toEqual([
      ['alice', true],
      ['bob', false],
    ]);
    // Alice has not reconnected yet, so nobody is seeding the file right now.
    const before = await bob2.ok('list_files', { groupId: 'lab' });
    expect(before.files).toHaveLength(1);
    expect(before.files[0]).toMatchObject({ name: 'notes.txt', infoHash: file.infoHash, size: 12, seeders: 0, available: false });

    const alice2 = await sandbox.connect(c.url);
    await alice2.ok('login', { userId: 'alice', password: 'alice-password-1', peerAddress: '127.0.0.1:6881' });
    // Logged in, but not offering it until her client says again that it serves the file.
    expect((await alice2.ok('list_files', { groupId: 'lab' })).files[0]).toMatchObject({ seeders: 0, available: false });
    expect(await alice2.ok('share_file', { groupId: 'lab', ...file.share })).toMatchObject({ alreadyShared: false });
    const after = await alice2.ok('list_files', { groupId: 'lab' });
    expect(after.files).toHaveLength(1);
    expect(after.files[0]).toMatchObject({
      name: 'notes.txt',
      infoHash: file.infoHash,
      size: 12,
      sha1: file.share.sha1,
      pieceLength: 262_144,
      pieceCount: 1,
      sharedBy: 'alice',
      seeders: 1,
      available: true,
    });

    // A wrong password is still refused: the stored hash, not "anything goes", came back.
    const mallory = await sandbox.connect(c.url);
    expect(await mallory.fails('login', { userId: 'bob', password: 'not-bobs-password' })).toBe('ERR_BAD_CREDENTIALS');

    await quit(second);
  });
});

describe('tracker process: console on stdin', () => {
  it('answers help, status and unknown commands, and prints status before quitting', async () => {
    const c = await sandbox.cluster();
    const proc = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });

    const alice = await sandbox.connect(c.url);
    const bob = await sandbox.connect(c.url);
    await alice.ok('register', { userId: 'alice', password: 'alice-password-1' });
    await bob.ok('register', { userId: 'bob', password: 'bob-password-1' });
    await alice.ok('login', { userId: 'alice', password: 'alice-password-1', peerAddress: '127.0.0.1:6881' });
    await alice.ok('create_group', { groupId: 'lab' });
    await alice.ok('share_file', { groupId: 'lab', ...fileInfo('a.bin', Buffer.from('some bytes')).share });

    let mark = proc.stdout.length;
    proc.command('help');
    const help = (await proc.waitForStdout(/commands:[\s\S]*quit.*\n/, 5_000, mark))[0];
    expect(help).toMatch(/^\s+status\b/m);
    expect(help).toMatch(/^\s+help\b/m);
    expect(help).toMatch(/^\s+quit\b/m);

    mark = proc.stdout.length;
    proc.command('frobnicate');
    const unknown = (await proc.waitForStdout(/unknown command.*\n/, 5_000, mark))[0];
    expect(unknown).toContain('frobnicate');
    expect(unknown).toMatch(/help/);
    // The tracker is still up and serving.
    expect(proc.running).toBe(true);
    expect((await getJson(c.healthUrl)).body).toMatchObject({ status: 'ok' });
    expect(await alice.ok('ping')).toHaveProperty('now');

    mark = proc.stdout.length;
    proc.command('status');
    const status = (await proc.waitForStdout(/users: .*\n/, 5_000, mark))[0];
    expect(status).toMatch(/users: 2\b/);
    expect(status).toMatch(/groups: 1\b/);
    expect(status).toMatch(/files: 1\b/);
    expect(proc.stdout.slice(mark)).toMatch(/clients: 2 connected, 1 logged in/);
    expect(proc.stdout.slice(mark)).toContain(`127.0.0.1:${c.port}`);

    // `status` and `quit` in one write: the status is printed before the process stops.
    alice.close();
    bob.close();
    mark = proc.stdout.length;
    proc.child.stdin!.write('status\nquit\n');
    const exit = await proc.waitForExit(5_000);
    expect(exit).toEqual({ code: 0, signal: null });
    const tail = proc.stdout.slice(mark);
    expect(tail).toMatch(/users: 2 +groups: 1 +files: 1/);
    expect(tail.indexOf('users: 2')).toBeLessThan(tail.indexOf('"event":"tracker_stopped"'));
  });
});

describe('tracker process: signals and stdin', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s stops it cleanly with exit code 0 and frees the port', async (signal) => {
    const c = await sandbox.cluster();
    const proc = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });
    const client = await sandbox.connect(c.url);
    await client.ok('register', { userId: 'carol', password: 'carol-password-1' });

    proc.child.kill(signal);
    const exit = await proc.waitForExit(5_000);
    expect(exit, proc.describe()).toEqual({ code: 0, signal: null });
    expect(proc.stdout).toContain(`"reason":"${signal}"`);
    expect(proc.stdout).toContain('"event":"tracker_stopped"');
    // The connected client was disconnected, and the port can be taken again.
    await client.waitForClose(2_000);
    const server = await listenOn(c.port);
    await closeServer(server);
  });

  it('keeps running when stdin is closed, and stops on SIGTERM afterwards', async () => {
    const c = await sandbox.cluster();
    const proc = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });

    proc.child.stdin!.end();
    await sleep(1_000);
    expect(proc.running, proc.describe()).toBe(true);
    const health = await getJson(c.healthUrl);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', tracker: 1 });
    const client = await sandbox.connect(c.url);
    expect(await client.ok('ping')).toHaveProperty('now');

    proc.child.kill('SIGTERM');
    expect(await proc.waitForExit(5_000)).toEqual({ code: 0, signal: null });
  });
});

describe('tracker process: GET /health', () => {
  it('answers 200 with status ok and the tracker number', async () => {
    const c = await sandbox.cluster();
    const proc = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });
    const res = await fetch(c.healthUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { status: string; tracker: number; uptimeS: unknown };
    expect(body).toMatchObject({ status: 'ok', tracker: 1 });
    expect(typeof body.uptimeS).toBe('number');
    await quit(proc);
  });

  it('reports the tracker number from the command line (line 2 of tracker_info.txt)', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const infoFile = await sandbox.trackerInfo([`127.0.0.1:${p1}`, `127.0.0.1:${p2}`]);
    const dataDir = path.join(await sandbox.tempDir(), 'tracker-2');
    const proc = await sandbox.start({ infoFile, dataDir, n: 2 });
    const health = await getJson(`http://127.0.0.1:${p2}/health`);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', tracker: 2 } });
    await quit(proc);
  });
});

describe('tracker process: bad configuration', () => {
  async function runToExit(opts: Parameters<ProcessSandbox['spawn']>[0]) {
    const proc = await sandbox.spawn(opts);
    const exit = await proc.waitForExit(10_000);
    return { exit, stderr: proc.stderr, proc };
  }

  it('refuses a malformed line and names its line number (exit 2)', async () => {
    const dir = await sandbox.tempDir();
    const infoFile = path.join(dir, 'tracker_info.txt');
    const port = await freePort();
    // Line 4 is the bad one; the comment and blank lines still count as lines.
    await writeFile(infoFile, `# trackers\n\n127.0.0.1:${port}\n127.0.0.1:notaport\n`);
    const { exit, stderr } = await runToExit({ infoFile, dataDir: path.join(dir, 'data') });
    expect(exit).toEqual({ code: 2, signal: null });
    expect(stderr).toMatch(/line 4\b/);
    expect(stderr).toContain('notaport');
    expect(stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
  });

  it('refuses a tracker number past the end of the file (exit 2, "out of range")', async () => {
    const infoFile = await sandbox.trackerInfo([`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`]);
    const { exit, stderr } = await runToExit({ infoFile, n: 3, dataDir: path.join(await sandbox.tempDir(), 'd') });
    expect(exit).toEqual({ code: 2, signal: null });
    expect(stderr).toContain('out of range');
    expect(stderr).toMatch(/lists 2 trackers/);
  });

  it('refuses a missing tracker_info.txt with a clear message (exit 2)', async () => {
    const dir = await sandbox.tempDir();
    const infoFile = path.join(dir, 'no-such-tracker_info.txt');
    const { exit, stderr } = await runToExit({ infoFile, dataDir: path.join(dir, 'data'), viaScript: true });
    expect(exit).toEqual({ code: 2, signal: null });
    expect(stderr).toContain('cannot read');
    expect(stderr).toContain(infoFile);
    expect(stderr).toContain('ENOENT');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('says the port is already in use when it is (non-zero exit)', async () => {
    const c = await sandbox.cluster();
    await sandbox.occupy(c.port);
    const { exit, stderr } = await runToExit({ infoFile: c.infoFile, dataDir: c.dataDir });
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(stderr).toContain('already in use');
    expect(stderr).toContain(`127.0.0.1:${c.port}`);
  });
});

describe('tracker process: bad configuration found after parsing', () => {
  // Both of these once ended in a raw stack trace and exit 1 (mkdirSync in createTrackerLogger
  // and pino's level check ran outside main()'s error handling); main.ts now reports them.
  it('an unusable --data-dir gives a one-line message and exit 2, not a stack trace', async () => {
    const c = await sandbox.cluster();
    const blocker = path.join(await sandbox.tempDir(), 'a-file');
    await writeFile(blocker, 'not a directory');
    const proc = await sandbox.spawn({ infoFile: c.infoFile, dataDir: path.join(blocker, 'data') });
    const exit = await proc.waitForExit(10_000);
    expect(proc.stderr).not.toMatch(/^\s+at /m);
    expect(proc.stderr).toMatch(/^tracker: .*a-file/m);
    expect(exit).toEqual({ code: 2, signal: null });
  });

  it('an unknown --log-level is refused with a clear message, not a stack trace', async () => {
    const c = await sandbox.cluster();
    const proc = await sandbox.spawn({ infoFile: c.infoFile, dataDir: c.dataDir, args: ['--log-level', 'loud'] });
    const exit = await proc.waitForExit(10_000);
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(proc.stderr).not.toMatch(/^\s+at /m);
    expect(proc.stderr).toMatch(/log-level/);
    expect(proc.stderr).toContain('loud');
  });
});

describe('tracker process: log file', () => {
  it('logs login and login_failed as JSON lines without passwords or session tokens', async () => {
    const c = await sandbox.cluster();
    const proc = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });
    const password = 'Correct-Horse-Battery-7431';
    const wrongPassword = 'Wrong-Staple-Guess-9902';

    const alice = await sandbox.connect(c.url);
    await alice.ok('register', { userId: 'alice', password });
    const { token } = await alice.ok('login', { userId: 'alice', password, peerAddress: '127.0.0.1:6881' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const eve = await sandbox.connect(c.url);
    expect(await eve.fails('login', { userId: 'alice', password: wrongPassword })).toBe('ERR_BAD_CREDENTIALS');
    // A resume carries the token itself; it must not be logged either.
    const other = await sandbox.connect(c.url);
    await other.ok('resume', { token });

    await quit(proc);

    const log = await readFile(path.join(c.dataDir, 'tracker.log'), 'utf8');
    const lines = log.split('\n').filter((l) => l !== '');
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.find((e) => e.event === 'login')).toMatchObject({ userId: 'alice', peerAddress: '127.0.0.1:6881' });
    expect(entries.find((e) => e.event === 'login_failed')).toMatchObject({ userId: 'alice' });
    for (const secret of [password, wrongPassword, token]) {
      expect(log.includes(secret), `tracker.log contains ${secret}`).toBe(false);
      expect(proc.stdout.includes(secret), `stdout contains ${secret}`).toBe(false);
    }
  });
});

describe('tracker process: durability at exit', () => {
  it('keeps a registration acknowledged just before quit', async () => {
    const c = await sandbox.cluster();
    const first = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });
    const client = await sandbox.connect(c.url);
    await client.ok('register', { userId: 'dora', password: 'dora-password-1' });
    first.command('quit'); // right after the reply, no pause
    expect(await first.waitForExit(5_000)).toEqual({ code: 0, signal: null });

    await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });
    const again = await sandbox.connect(c.url);
    expect(await again.ok('login', { userId: 'dora', password: 'dora-password-1' })).toMatchObject({ userId: 'dora' });
  });
});
