// Hostile names against real client processes (issue 6): whatever another member (or a hostile
// tracker) named a group, user or file is printed escaped and visible, never acted on by the
// terminal, never handed to a shell, and a download lands directly in the download directory
// under the name the user typed, or is refused with a clear error.
import { passwordOf, ProcessCluster } from '@groupshare/tracker/testing';
import { ClientProcess } from '@groupshare/testkit/client-process';
import { Cleanup, testBytes } from '@groupshare/testkit/scenario';
import { readdir, readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** `value` as one argument on the shell's line: double-quoted, `"` and `\` escaped (docs/client.md). */
function arg(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Every file under `dir`, as paths relative to it. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** Shell metacharacters a careless client would run: each would create a file named PWNED. */
const SHELL_NAMES = ['$(touch PWNED)', '`touch PWNED`', 'a; touch PWNED', 'a | touch PWNED', 'a && touch PWNED', `it's "quoted" > PWNED`, 'CON', '.hidden'];

it('names full of shell metacharacters are listed and downloaded as plain text: never run, files land under their own name', async () => {
  const cluster = cleanup.add(await ProcessCluster.create({ size: 1 }));
  await cluster.startAll();
  const src = path.join(cluster.root, 'src');
  const dl = path.join(cluster.root, 'dl');
  await mkdir(src);
  for (const [i, name] of SHELL_NAMES.entries()) await writeFile(path.join(src, name), testBytes(20_000 + i, i));
  const spawn = (name: string) => cleanup.add(ClientProcess.spawn({ name, trackerInfo: cluster.infoFile(1), dataDir: path.join(cluster.root, `client-${name}`) }));
  const alice = spawn('alice');
  const bob = spawn('bob');
  await alice.run(`create_user alice ${passwordOf('alice')}`, /^created user alice\b/);
  await alice.run(`login alice ${passwordOf('alice')}`, /^logged in as alice\b/);
  await alice.run('create_group lab', /^created group lab\b/);
  for (const name of SHELL_NAMES) await alice.run(`upload_file ${arg(path.join(src, name))} lab`, /^sharing .* in lab:/);
  await bob.run(`create_user bob ${passwordOf('bob')}`, /^created user bob\b/);
  await bob.run(`login bob ${passwordOf('bob')}`, /^logged in as bob\b/);
  await bob.run('join_group lab', /^asked to join lab/);
  await alice.run('accept_request lab bob', /^bob is now a member of lab/);

  const listed = bob.mark();
  await bob.run('list_files lab', /^name\s+size/);
  await bob.waitFor(/^\.hidden\s/, { since: listed });
  for (const name of SHELL_NAMES) expect(bob.stdout.slice(listed.stdout)).toContain(`\n${name} `);
  for (const name of SHELL_NAMES) bob.write(`download_file lab ${arg(name)} ${arg(dl)}`);
  for (const name of SHELL_NAMES) await bob.waitFor(new RegExp(`^\\[C\\] \\[lab\\] ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: complete`), { timeoutMs: 30_000 });
  const shown = bob.mark();
  bob.write('show_downloads');
  await bob.waitFor(/^\[C\] \[lab\] \.hidden\s+100%/, { since: shown });

  // Each file is directly in dl under exactly its shared name, with its bytes; no shell ran.
  expect((await tree(dl)).sort()).toEqual([...SHELL_NAMES].sort());
  for (const [i, name] of SHELL_NAMES.entries()) expect((await readFile(path.join(dl, name))).equals(testBytes(20_000 + i, i))).toBe(true);
  expect((await tree(cluster.root)).filter((f) => path.basename(f) === 'PWNED')).toEqual([]);
  expect(bob.stderr).toBe('');
});

/** Terminal-active and invisible characters a hostile tracker or member could put in a name. */
const ESC = '\u001b';
const HOSTILE = {
  title: `${ESC}]0;owned\u0007`, // OSC: retitles the terminal window
  clear: `${ESC}[2J${ESC}[H`, // clears the screen
  forged: 'x\r\nlogged in as root', // a fake line
  bidi: 'evil\u202etxt.exe', // reads as "evilexe.txt"
  zeroWidth: 'a\u200bb',
  c1: 'c\u009b31m', // a one-byte CSI on some terminals
  bell: 'd\u0007\u0008\u007f',
};
const H = Object.values(HOSTILE).join('|');
/** What may appear raw in the output: printable text, newlines, nothing else below U+0020. */
// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/u;

/**
 * A tracker that answers every request with hostile strings wherever the protocol has a string,
 * and pushes hostile events after login: what a compromised tracker could send.
 */
async function hostileTracker(): Promise<{ address: string; close: () => Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws' });
  await new Promise((resolve) => server.once('listening', resolve));
  const now = new Date().toISOString();
  const file = { name: H, infoHash: 'ab'.repeat(20), size: 1, sha1: 'cd'.repeat(20), pieceLength: 16384, pieceCount: 1, sharedBy: H, sharedAt: now, seeders: 1, partialPeers: 0, available: true };
  const results: Record<string, (req: Record<string, unknown>) => unknown> = {
    login: (req) => ({ userId: req.userId, token: 'A'.repeat(43), expiresAt: now, peerAddress: H, notices: [{ kind: 'x', subject: H, at: now, message: H }], ticketKey: Buffer.alloc(32, 7).toString('base64') }),
    list_groups: () => ({ groups: [{ groupId: H, owner: H, memberCount: 3, membership: 'member' }] }),
    list_requests: () => ({ requests: [{ userId: H, requestedAt: now }] }),
    list_members: () => ({ members: [{ userId: H, joinedAt: now, owner: true }] }),
    list_files: () => ({ files: [file] }),
    join_group: () => ({ groupId: H, status: 'requested' }),
  };
  server.on('connection', (socket: WebSocket) => {
    socket.on('message', (data) => {
      const req = JSON.parse(String(data)) as Record<string, unknown>;
      const result = results[String(req.type)];
      if (result) socket.send(JSON.stringify({ id: req.id, ok: true, result: result(req) }));
      else socket.send(JSON.stringify({ id: req.id, ok: false, error: { code: 'ERR_NO_SUCH_FILE', message: H } }));
      if (req.type === 'login') {
        for (const push of [
          { push: 'join_requested', data: { groupId: H, userId: H } },
          { push: 'file_shared', data: { groupId: H, name: H, infoHash: 'ab'.repeat(20), size: 1, sharedBy: H } },
          { push: 'owner_changed', data: { groupId: H, ownerId: H } },
        ]) socket.send(JSON.stringify(push));
      }
    });
  });
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

it('a hostile tracker\'s escapes, control and bidi characters are printed escaped in every listing, push and error', async () => {
  const tracker = await hostileTracker();
  cleanup.defer(tracker.close);
  const root = path.join(process.env.TMPDIR ?? '/tmp', `groupshare-hostile-${process.pid}-${Date.now()}`);
  await mkdir(root, { recursive: true });
  cleanup.defer(async () => (await import('node:fs/promises')).rm(root, { recursive: true, force: true }));
  const info = path.join(root, 'tracker_info.txt');
  await writeFile(info, `${tracker.address}\n`);
  const dl = path.join(root, 'dl');
  const eve = cleanup.add(ClientProcess.spawn({ name: 'eve', trackerInfo: info, dataDir: path.join(root, 'client') }));

  await eve.run('login eve eve-password', /^logged in as eve\b/);
  await eve.run('list_groups', /^group\s+owner/);
  await eve.run('list_requests lab', /^user\s+requested/);
  await eve.run('list_members lab', /^user\s+role/);
  await eve.run('list_files lab', /^name\s+size/);
  await eve.run('join_group lab', /^asked to join/);
  // The tracker refuses get_file with a hostile message: the shell says what it means in its
  // own words, and no download is left behind.
  await eve.run(`download_file lab notes.txt ${arg(dl)}`, /^download_file: that group has no such file/, { stream: 'stderr' });
  await eve.run('show_downloads', /^no downloads in this session/);
  // Names a hostile listing offers that would leave the download directory: refused before any
  // request, with the rule, and nothing is written anywhere.
  for (const name of ['../../x', '/etc/passwd', '.', '..', 'x/', 'a\\b']) {
    await eve.run(`download_file lab ${arg(name)} ${arg(dl)}`, /^download_file: ".*" is not a valid file name: it (may not|is)/, { stream: 'stderr' });
  }
  eve.end();
  await eve.waitForExit();

  const output = eve.stdout + eve.stderr;
  // Nothing terminal-active reached the terminal raw...
  const raw = RAW_UNSAFE.exec(output);
  expect(raw, raw ? `raw U+${raw[0].codePointAt(0)!.toString(16)} in: ${JSON.stringify(output.slice(Math.max(0, raw.index - 80), raw.index + 40))}` : '').toBeNull();
  expect(output).not.toContain('\r');
  expect(output).not.toMatch(/^logged in as root/m); // the forged line stays inside its own
  // ...and each is visible as an escape, in listings, pushes, notices, errors and show_downloads.
  const visible = '\\x1b]0;owned\\x07|\\x1b[2J\\x1b[H|x\\x0d\\x0alogged in as root|evil\\u202etxt.exe|a\\u200bb|c\\x9b31m|d\\x07\\x08\\x7f';
  const lines = output.split('\n');
  const withVisible = (pattern: RegExp) => lines.filter((l) => pattern.test(l) && l.includes(visible));
  expect(withVisible(/^logged in as eve \(peer address /)).toHaveLength(1);
  expect(withVisible(/^notice: /)).toHaveLength(1);
  expect(withVisible(/\s3\s+member$/)).toHaveLength(1); // list_groups
  expect(withVisible(/x7f\s+\d{4}-\d\d-\d\d \d\d:\d\d$/)).toHaveLength(1); // list_requests: name, then the time
  expect(withVisible(/\sowner\s+\d{4}-/)).toHaveLength(1); // list_members
  expect(withVisible(/\s1 B\s+1\s+0\s+yes\s+abababababab$/)).toHaveLength(1); // list_files
  expect(withVisible(/ asked to join .* accept_request /)).toHaveLength(1); // pushes
  expect(withVisible(/ shared .* \(1 B\) in /)).toHaveLength(1);
  expect(withVisible(/^the owner of .* is its owner now/)).toHaveLength(1);
  expect(lines.filter((l) => l.includes(visible)).length).toBeGreaterThanOrEqual(10);
  expect(await tree(root).then((files) => files.filter((f) => !f.startsWith('client/')))).toEqual(['tracker_info.txt']);
});
