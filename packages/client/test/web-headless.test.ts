// `--headless --web`: the real client program (dist/main.js, built by `pnpm run build`) with no
// stdin, driven only through its web API; SIGTERM stops it cleanly, and a restart resumes the
// remembered session and shares again what it shared, so another member downloads it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startWorld, TestShell, type TestWorld } from './helpers.js';
import { WebClient } from './web-client.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

class Headless {
  out = '';
  err = '';
  readonly exit: Promise<number | null>;
  private constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (this.out += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.err += s));
    this.exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static start(world: TestWorld, args: string[]): Headless {
    return new Headless(spawn(process.execPath, [MAIN, ...args, '127.0.0.1:0', world.infoFile], { stdio: ['ignore', 'pipe', 'pipe'], cwd: world.dir }));
  }

  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.out);
      if (m) return m;
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`${String(pattern)} never appeared.\n--- stdout ---\n${this.out}--- stderr ---\n${this.err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

describe('headless peer', () => {
  it('waits for a web login, stops on SIGTERM, and after a restart resumes its session and shares', async () => {
    await using world = await startWorld();
    const data = randomBytes(900_000);
    const shareDir = path.join(world.dir, 'to-share');
    await mkdir(shareDir);
    await writeFile(path.join(shareDir, 'data.bin'), data);
    const args = ['--data-dir', path.join(world.dir, 'alice'), '--headless', '--web', '127.0.0.1:0', '--web-root', shareDir];

    const first = Headless.start(world, args);
    const url = (await first.waitFor(/web interface at (http:\/\/127\.0\.0\.1:\d+\/)/))[1] as string;
    await first.waitFor(/no remembered session: waiting for a login on the web page/);
    const web = new WebClient(new URL(url));
    web.csrf = (await web.get('/api/session')).json.csrfToken;
    await web.post('/api/accounts', { userId: 'alice', password: 'alice-password' });
    await web.post('/api/accounts', { userId: 'bob', password: 'bob-password' });
    expect((await web.login('alice', 'alice-password')).status).toBe(200);
    await web.post('/api/groups', { groupId: 'lab' });
    // A relative path is in the downloads folder, where there is no data.bin.
    expect((await web.post('/api/groups/lab/shares', { path: 'data.bin' })).json.error.code).toBe('ERR_PATH');
    expect((await web.post('/api/groups/lab/shares', { path: path.join(shareDir, 'data.bin') })).json.name).toBe('data.bin');
    const bob = TestShell.start(world, 'bob');
    bob.send('login bob bob-password', 'join_group lab');
    await bob.waitFor('asked to join lab');
    expect((await web.post('/api/groups/lab/requests/bob/accept')).status).toBe(200);
    await bob.waitFor('you are a member now');

    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(first.out).toContain('stopping: shares and downloads resume at the next start');
    bob.send('list_files lab');
    await bob.waitFor(/data\.bin\s+879 KiB\s+0\s+0\s+no/);

    const second = Headless.start(world, args);
    await second.waitFor(/logged in as alice/);
    await second.waitFor(/sharing again: data\.bin in lab/);
    // A browser arriving after the restart sees nothing until it logs in; as alice it may (her
    // password checked by a fresh tracker login, everything announced again), as bob it may not.
    const url2 = (await second.waitFor(/web interface at (http:\/\/127\.0\.0\.1:\d+\/)/))[1] as string;
    const later = new WebClient(new URL(url2));
    expect((await later.get('/api/groups')).status).toBe(401);
    expect((await later.login('bob', 'bob-password')).json.error.code).toBe('ERR_OTHER_USER');
    expect((await later.login('alice', 'wrong-password')).json.error.code).toBe('ERR_BAD_CREDENTIALS');
    expect((await later.login('alice', 'alice-password')).status).toBe(200);
    expect((await later.get('/api/shares')).json.shares).toMatchObject([{ groupId: 'lab', name: 'data.bin', kind: 'share' }]);
    const dest = path.join(world.dir, 'bob-got');
    bob.send(`download_file lab data.bin "${dest}"`);
    await bob.waitFor('[C] [lab] data.bin: complete, SHA-1 verified');
    const got = await readFile(path.join(dest, 'data.bin'));
    expect(createHash('sha1').update(got).digest('hex')).toBe(createHash('sha1').update(data).digest('hex'));

    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
    expect(second.err).toBe('');
    await bob.end();
    // Two real processes started one after the other, and a download: slow on a loaded machine.
  }, 90_000);
});
