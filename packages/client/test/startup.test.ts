/**
 * `./client <ip>:<port> <tracker_info>`: start-up problems end with status 2 and one clear
 * line on stderr, before any prompt; --help and --version end with 0.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPiped } from './helpers.js';

let dir: string;
let infoFile: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'groupshare-startup-'));
  infoFile = path.join(dir, 'tracker_info.txt');
  // Nobody listens here; start-up does not need a tracker to answer.
  await writeFile(infoFile, '127.0.0.1:9\n');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('start-up', () => {
  it('refuses a malformed <ip>:<port> with status 2', async () => {
    for (const bad of ['localhost', '1.2.3.4:99999', '::1:7000', '']) {
      const { status, err } = await runPiped([bad, infoFile], []);
      expect(status, bad).toBe(2);
      expect(err, bad).toMatch(/^client: <ip:port>: .*\(expected e\.g\. 0\.0\.0\.0:6881\)\n$/);
    }
  });

  it('says "address already in use" when the port is taken, with status 2', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const { status, err } = await runPiped([`127.0.0.1:${port}`, infoFile], []);
      expect(status).toBe(2);
      expect(err).toBe(`client: cannot listen on 127.0.0.1:${port}: address already in use (is another client or program listening there?)\n`);
    } finally {
      blocker.close();
    }
  });

  it('refuses a missing or malformed tracker_info with status 2', async () => {
    const missing = await runPiped(['127.0.0.1:0', path.join(dir, 'nope.txt')], []);
    expect(missing.status).toBe(2);
    expect(missing.err).toMatch(/^client: cannot read .*nope\.txt: ENOENT\n$/);

    await writeFile(infoFile, '# trackers\n127.0.0.1:7000\nnot an address\n');
    const malformed = await runPiped(['127.0.0.1:0', infoFile], []);
    expect(malformed.status).toBe(2);
    expect(malformed.err).toBe(`client: ${infoFile}: line 3: "not an address" is not host:port or host port\n`);
  });

  it('refuses missing arguments with status 2 and answers --help and --version with 0', async () => {
    const missing = await runPiped([], []);
    expect(missing.status).toBe(2);
    expect(missing.err).toMatch(/missing required argument 'ip:port'/);

    const help = await runPiped(['--help'], []);
    expect(help.status).toBe(0);
    expect(help.out).toMatch(/^Usage: client \[options\] <ip:port> <tracker_info>/);
    expect(help.out).toContain('exits with status 1 if any command failed, else 0');

    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const version = await runPiped(['--version'], []);
    expect(version).toEqual({ status: 0, out: `${pkg.version}\n`, err: '' });
  });

  it('creates --data-dir, and exits 0 at the end of input when nothing failed', async () => {
    const dataDir = path.join(dir, 'nested', 'data');
    const { status, out } = await runPiped(['--data-dir', dataDir, '127.0.0.1:0', infoFile], ['help exit']);
    expect(status).toBe(0);
    expect(out).toMatch(/^usage: exit\n/);
    expect(existsSync(dataDir)).toBe(true);
  });
});
