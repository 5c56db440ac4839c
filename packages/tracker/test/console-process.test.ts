// The operator console of the real tracker process (the built dist/), commands piped to its
// stdin as a service manager or a script would: accounts made there, registration closed there.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProcessSandbox, assertBuilt } from './process-helpers.js';

const sandbox = new ProcessSandbox();
beforeAll(() => assertBuilt());
afterEach(async () => sandbox.cleanup());

describe('tracker process: accounts on the console', () => {
  it('add_user --password-file makes an account a client logs in with; registration closed refuses register', async () => {
    const c = await sandbox.cluster();
    const proc = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir });
    const file = path.join(await sandbox.tempDir(), 'bob-password.txt');
    await writeFile(file, 'correct horse battery staple\n', { mode: 0o600 });

    let mark = proc.stdout.length;
    proc.command(`add_user bob --password-file ${file}`);
    await proc.waitForStdout(/^added user bob$/m, 10_000, mark);
    const bob = await sandbox.connect(c.url);
    expect(await bob.fails('login', { userId: 'bob', password: 'not the password' })).toBe('ERR_BAD_CREDENTIALS');
    await bob.ok('login', { userId: 'bob', password: 'correct horse battery staple' });

    mark = proc.stdout.length;
    proc.command('list_users');
    expect((await proc.waitForStdout(/^bob .*$/m, 5_000, mark))[0]).toMatch(/^bob +\S+ \S+ +\S+ \S+ +- +yes$/);

    mark = proc.stdout.length;
    proc.command('registration closed');
    await proc.waitForStdout(/^registration is now closed on every tracker of the cluster$/m, 5_000, mark);
    const stranger = await sandbox.connect(c.url);
    const refused = await stranger.request('register', { userId: 'eve', password: 'eve-password-1' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'ERR_REGISTRATION_CLOSED' } });

    proc.command('quit');
    expect(await proc.waitForExit(5_000)).toEqual({ code: 0, signal: null });
    // The password reached neither the console nor the log.
    const log = await readFile(path.join(c.dataDir, 'tracker.log'), 'utf8');
    expect(log).toContain('"event":"user_added"');
    expect(log).toContain('"event":"registration_set"');
    for (const text of [log, proc.stdout, proc.stderr]) expect(text).not.toContain('battery');
  });
});
