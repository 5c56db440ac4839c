// LAN discovery across hosts: two peers in separate network namespaces joined by a bridge (the
// LAN, real multicast on veth interfaces) and reaching the tracker over a second bridge (the
// "WAN"), from which the tracker sees alice at an address bob cannot reach. bob finds alice by
// her multicast announces; then the tracker is killed, and with no tracker reachable bob lists
// the group's files from the LAN catalog and downloads alice's file from her LAN address (its
// metadata from her, admitted by his member certificate). Needs root (ip netns), as CI runs.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { freePort, passwordOf, trackerMainJs } from '@groupshare/tracker/testing';
import { ClientProcess } from '@groupshare/testkit/client-process';
import { Cleanup, testBytes } from '@groupshare/testkit/scenario';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

/** Two namespaces a and b on a LAN bridge (10.77.k.0/24) and a WAN bridge (10.88.k.0/24, the tracker at .1). */
function network(): { lan: (n: 'a' | 'b') => string; wan: (n: 'a' | 'b' | 'root') => string; ns: (n: 'a' | 'b') => string } {
  const id = randomBytes(2).toString('hex');
  const k = 16 + (parseInt(id, 16) % 200);
  const host = { a: 2, b: 3 } as const;
  const ns = (n: 'a' | 'b'): string => `gs${id}${n}`;
  cleanup.defer(() => {
    for (const n of ['a', 'b'] as const) execFileSync('ip', ['netns', 'del', ns(n)], { stdio: 'ignore' });
    for (const br of [`gs${id}lan`, `gs${id}wan`]) execFileSync('ip', ['link', 'del', br], { stdio: 'ignore' });
  });
  ip('link', 'add', `gs${id}lan`, 'type', 'bridge', 'mcast_snooping', '0');
  ip('link', 'set', `gs${id}lan`, 'up');
  ip('link', 'add', `gs${id}wan`, 'type', 'bridge');
  ip('addr', 'add', `10.88.${k}.1/24`, 'dev', `gs${id}wan`);
  ip('link', 'set', `gs${id}wan`, 'up');
  for (const n of ['a', 'b'] as const) {
    ip('netns', 'add', ns(n));
    const x = (...args: string[]): string => ip('-n', ns(n), ...args);
    x('link', 'set', 'lo', 'up');
    for (const [side, bridge, net] of [['l', `gs${id}lan`, '77'], ['w', `gs${id}wan`, '88']] as const) {
      const inside = side === 'l' ? 'lan0' : 'wan0';
      ip('link', 'add', `gs${id}${n}${side}`, 'type', 'veth', 'peer', 'name', inside, 'netns', ns(n));
      ip('link', 'set', `gs${id}${n}${side}`, 'master', bridge, 'up');
      x('addr', 'add', `10.${net}.${k}.${host[n]}/24`, 'dev', inside);
      x('link', 'set', inside, 'up', 'multicast', 'on');
    }
  }
  // bob cannot reach alice's WAN address, the one the tracker hands out for her.
  ip('-n', ns('b'), 'route', 'add', 'unreachable', `10.88.${k}.${host.a}/32`);
  return { ns, lan: (n) => `10.77.${k}.${host[n]}`, wan: (n) => `10.88.${k}.${n === 'root' ? 1 : host[n]}` };
}

it('with the tracker killed after login, a member in another namespace lists the files from the LAN and downloads from alice', async () => {
  const net = network();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gs-lan-netns-'));
  cleanup.defer(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const info = path.join(dir, 'tracker_info.txt');
  await writeFile(info, `${net.wan('root')}:${port}\n`);
  const tracker = spawn(process.execPath, [trackerMainJs(), info, '1', '--data-dir', path.join(dir, 'tracker')], { stdio: ['pipe', 'ignore', 'ignore'] });
  cleanup.defer(() => void tracker.kill('SIGKILL'));
  for (let i = 0; ; i++) {
    const up = await fetch(`http://${net.wan('root')}:${port}/health`).then((r) => r.ok, () => false);
    if (up) break;
    if (i > 300) throw new Error('the tracker did not start');
    await new Promise((r) => setTimeout(r, 100));
  }

  const data = testBytes(8 * 1024 * 1024, 17);
  await writeFile(path.join(dir, 'data.bin'), data);
  const client = (name: 'alice' | 'bob', n: 'a' | 'b'): ClientProcess =>
    cleanup.add(ClientProcess.spawn({ name, trackerInfo: info, dataDir: path.join(dir, `client-${name}`), address: '0.0.0.0:0', netns: net.ns(n), args: ['--lan-interface', 'lan0'] }));
  const alice = client('alice', 'a');
  const bob = client('bob', 'b');
  const ports: string[] = [];
  for (const [c, u] of [[alice, 'alice'], [bob, 'bob']] as const) {
    await c.run(`create_user ${u} ${passwordOf(u)}`, /^created user/, { timeoutMs: 30_000 });
    // The tracker sees each at its WAN address, with the port its peer server listens on.
    ports.push((await c.run(`login ${u} ${passwordOf(u)}`, /^logged in as \w+ \(peer address [\d.]+:(\d+)\)/, { timeoutMs: 30_000 }))[1] as string);
  }
  const alicePort = ports[0] as string;
  await alice.run('create_group lab', /^created group lab\b/);
  await bob.run('join_group lab', /^asked to join lab\b/);
  await alice.run('accept_request lab bob', /^bob is now a member of lab/);
  await alice.run(`upload_file ${path.join(dir, 'data.bin')} lab`, /^sharing data\.bin in lab:/, { timeoutMs: 60_000 });

  // bob hears alice on the LAN: her LAN address, her user id from her certificate, one file.
  const heard = new RegExp(`^${net.lan('a').replace(/\./g, '\\.')}:${alicePort} +alice +1 +lab +\\d+s ago$`);
  for (let i = 0; ; i++) {
    const since = bob.mark();
    bob.write('lan_peers');
    const line = await bob.waitFor(/^(no members heard|address +user)/, { since });
    if (line[1] !== 'no members heard') {
      const found = bob.stdout.slice(since.stdout).split('\n').some((l) => heard.test(l));
      if (found) break;
    }
    if (i > 50) throw new Error(`bob never heard alice on the LAN\n${bob.stdout}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  // Every tracker unreachable from here on: bob works from the LAN catalog, as the shell says.
  const killed = bob.mark();
  tracker.kill('SIGKILL');
  await bob.waitFor(/^lost the connection to tracker 1 /, { stream: 'stderr', since: killed, timeoutMs: 10_000 });
  const listed = bob.mark();
  await bob.run('list_files lab', /^no tracker reachable: from the LAN catalog of lab \(/, { timeoutMs: 10_000 });
  await bob.waitFor(/^data\.bin +8 MiB +alice +[0-9a-f]{12}…$/, { since: listed });
  const dest = path.join(dir, 'dl-bob');
  const since = bob.mark();
  await bob.run(`download_file lab data.bin ${dest}`, /^no tracker reachable: downloading from the LAN catalog of lab \(1 peer announces it\)$/, { timeoutMs: 30_000 });
  await bob.waitFor(/^downloading data\.bin from lab into/, { since });
  await bob.waitFor(/^\[C\] \[lab\] data\.bin: complete, SHA-1 verified: /, { since, timeoutMs: 60_000 });
  const sources = await bob.waitFor(/^ {2}blocks from (\d+) peers?: (.*)$/, { since });
  expect(sources[2]).toBe(`${net.lan('a')}:${alicePort} 100%`);
  expect(createHash('sha1').update(await readFile(path.join(dest, 'data.bin'))).digest('hex')).toBe(createHash('sha1').update(data).digest('hex'));

  // With the tracker gone, bob still lists alice from the LAN, and the group's files from the LAN catalog.
  const after = bob.mark();
  bob.write('lan_peers');
  await bob.waitFor(heard, { since: after });
  await bob.run('lan_files lab', /^from the LAN catalog of lab \(/);
  await bob.waitFor(/^data\.bin +8 MiB +alice +[0-9a-f]{12}…$/, { since: after });
}, 240_000);
