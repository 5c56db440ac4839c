// `./tracker … --admin host:port` as an operator runs it (the built dist/): the admin page starts
// on loopback and says where its token is; another address needs --admin-allow-remote.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProcessSandbox, assertBuilt, freePort } from './process-helpers.js';

const sandbox = new ProcessSandbox();
beforeAll(() => assertBuilt());
afterEach(async () => sandbox.cleanup());

describe('tracker process: --admin', () => {
  it('serves the admin API on loopback and names the token file (0600) it made', async () => {
    const c = await sandbox.cluster();
    const port = await freePort();
    const proc = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir, args: ['--admin', `127.0.0.1:${port}`] });
    const tokenFile = path.join(c.dataDir, 'admin-token');
    const line = (await proc.waitForStdout(/^\{.*"event":"admin_started".*$/m))[0];
    expect(JSON.parse(line).msg).toBe(
      `admin page on http://127.0.0.1:${port}/: log in with the token in ${tokenFile} (made now, mode 0600) or the password set with set_admin_password`,
    );
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(proc.stdout).not.toContain(token);
    const url = `http://127.0.0.1:${port}/api/cluster`;
    expect((await fetch(url)).status).toBe(401);
    const reply = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toMatchObject({ self: 1, trackers: [{ tracker: 1, up: true, sync: 'alone' }] });
  });

  it('refuses an address that is not loopback without --admin-allow-remote, and warns with it', async () => {
    const c = await sandbox.cluster();
    const refused = await sandbox.spawn({ infoFile: c.infoFile, dataDir: c.dataDir, args: ['--admin', '0.0.0.0:0'] });
    expect(await refused.waitForExit(10_000)).toEqual({ code: 2, signal: null });
    expect(refused.stderr).toBe(
      'tracker: --admin 0.0.0.0 is not a loopback address: the admin page would be reachable from the network; add --admin-allow-remote if that is meant\n',
    );
    const allowed = await sandbox.start({ infoFile: c.infoFile, dataDir: c.dataDir, args: ['--admin', '0.0.0.0:0', '--admin-allow-remote'] });
    await allowed.waitForStdout(/"event":"admin_remote".*the admin page listens on 0\.0\.0\.0, not loopback/);
  });
});
