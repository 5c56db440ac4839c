// With every tracker unreachable, a member who logged in before lists the group's files from the
// LAN catalog and downloads one from a LAN peer (docs/lan.md, "Downloading with no tracker"):
// two whole clients in the loopback mode (--lan-peers), the tracker stopped after login.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWorld, TestShell, until, type TestWorld } from './helpers.js';
import { aliceSharesWithBobOnTheLan } from './lan-loopback.js';
import { Tracker } from '@groupshare/tracker';

let world: TestWorld & { tracker: Tracker };
const shells: TestShell[] = [];
let restarted: Tracker | undefined;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  for (const s of shells.splice(0)) await s.end();
  await restarted?.stop();
  restarted = undefined;
  await world[Symbol.asyncDispose]();
});

function client(name: string, args: string[], extra: ConstructorParameters<typeof TestShell>[1] = {}): TestShell {
  const shell = new TestShell([...args, '--data-dir', path.join(world.dir, name), '127.0.0.1:0', world.infoFile], { env: { HOME: world.dir }, ...extra });
  shells.push(shell);
  return shell;
}

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

/**
 * alice shares data.bin in lab, bob (a member) hears her announce it on the LAN, then every
 * tracker is stopped; `bobExtra` goes to bob's client (a shorter request time-out).
 */
async function aliceSharesThenTrackerStops(data: Buffer, bobExtra: ConstructorParameters<typeof TestShell>[1] = {}) {
  const { alice, bob } = await aliceSharesWithBobOnTheLan(world, (name, args) => client(name, args, name === 'bob' ? bobExtra : {}), data);
  // bob hears alice announce the file (his LAN credentials came at login, renewed on joining lab).
  await until('bob hears alice announce data.bin', async () => {
    const since = bob.out.length;
    bob.send('lan_files lab');
    await bob.waitFor(/from the LAN catalog of lab[^\n]*\n(no files announced|name[^\n]*\n(.*\n)*)/);
    await new Promise((r) => setTimeout(r, 100));
    return /^data\.bin +\S+ KiB +alice /m.test(bob.out.slice(since));
  });
  const trackerPort = world.tracker.port;
  await world.tracker.stop(); // every tracker unreachable from here on
  return { alice, bob, trackerPort };
}

/** bob downloads data.bin from alice over the LAN into dl/ and it completes. */
async function bobDownloadsFromLan(bob: TestShell): Promise<void> {
  bob.send(`download_file lab data.bin ${path.join(world.dir, 'dl')}`);
  await bob.waitFor(/\[C\] \[lab\] data\.bin: complete, SHA-1 verified: [^\n]*\n {2}blocks from 1 peer: 127\.0\.0\.1:\d+ 100%/);
}

/** The tracker of `world` again, on its port and with its data. */
async function restartTracker(port: number): Promise<void> {
  restarted = await Tracker.create({ trackerNumber: 1, host: '127.0.0.1', port, dataDir: path.join(world.dir, 'tracker') });
  await restarted.start();
}

/** Until `shell`'s list_files (from a tracker) shows data.bin held by 2 members. */
async function listedWithTwoSeeders(shell: TestShell, timeoutMs: number): Promise<void> {
  await until('list_files answers from the tracker with 2 seeders', async () => {
    const since = shell.out.length;
    shell.send('list_files lab');
    const listed = await until('list_files answers', () => /^data\.bin .*\n/m.exec(shell.out.slice(since)) ?? undefined);
    if (/^data\.bin +684 KiB +2 +0 +yes /.test(listed[0])) return true;
    await new Promise((r) => setTimeout(r, 200));
    return false;
  }, timeoutMs);
}

describe('no tracker reachable: the LAN catalog', () => {
  it("bob lists lab's files from the LAN and downloads alice's file from her, SHA-1 checked", async () => {
    const data = randomBytes(700_000);
    const { bob, trackerPort } = await aliceSharesThenTrackerStops(data);

    let since = bob.out.length;
    bob.send('list_files lab');
    await bob.waitFor(/no tracker reachable: from the LAN catalog of lab[^\n]*\nname[^\n]*\ndata\.bin[^\n]*\n/);
    expect(bob.out.slice(since)).toMatch(/^no tracker reachable: from the LAN catalog of lab \(what members heard on the LAN announce\):\nname +size +held by +info-hash\ndata\.bin +684 KiB +alice +[0-9a-f]{12}…$/m);

    since = bob.out.length;
    bob.send(`download_file lab nothing.bin ${path.join(world.dir, 'dl')}`);
    await bob.waitFor('no member on the LAN announces nothing.bin in lab (lan_files lists what they do)', 'err');

    const dest = path.join(world.dir, 'dl');
    since = bob.out.length;
    bob.send(`download_file lab data.bin ${dest}`);
    await bob.waitFor(/\[C\] \[lab\] data\.bin: complete, SHA-1 verified: [^\n]*\n {2}blocks from 1 peer: 127\.0\.0\.1:\d+ 100%/);
    const out = bob.out.slice(since);
    expect(out).toMatch(/^no tracker reachable: downloading from the LAN catalog of lab \(1 peer announces it\)$/m);
    expect(out).toMatch(/^downloading data\.bin from lab into /m);
    expect(sha1(await readFile(path.join(dest, 'data.bin')))).toBe(sha1(data));

    // The tracker comes back: bob's session resumes, list_files asks it again, and bob, who
    // seeds the file now, is among its seeders.
    await restartTracker(trackerPort);
    await listedWithTwoSeeders(bob, 15_000);
  }, 40_000);

  it('exits at once with no tracker reachable, and shares what it finished offline at its next login', async () => {
    const { alice, bob, trackerPort } = await aliceSharesThenTrackerStops(randomBytes(700_000));
    await bobDownloadsFromLan(bob);
    // The piece reports and the share of data.bin wait in bob's link for a tracker: exit does not.
    const started = Date.now();
    bob.send('exit');
    expect(await bob.exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(3_000);
    // Nor does a logout: the trackers cannot be told, and the user hears so.
    const loggingOut = Date.now();
    alice.send('logout');
    await alice.waitFor('no tracker reachable, so the trackers were not told: the session ends there when it expires', 'err');
    expect(alice.out).toMatch(/^logged out alice$/m);
    expect(Date.now() - loggingOut).toBeLessThan(3_000);

    await restartTracker(trackerPort);
    const again = client('bob', []); // the same data folder: its share library
    again.send('login bob bob-password');
    await again.waitFor('logged in as bob');
    alice.send('login alice alice-password');
    await alice.waitFor(/logged in as alice[^\n]*\n[\s\S]*logged in as alice/);
    await listedWithTwoSeeders(alice, 15_000);
  }, 40_000);

  it('registers a file completed offline as shared as soon as a tracker is back, without a new login', async () => {
    // A short request time-out: the reports bob makes while no tracker answers give up quickly.
    const { alice, bob, trackerPort } = await aliceSharesThenTrackerStops(randomBytes(700_000), { link: { requestTimeoutMs: 1_500 } });
    await bobDownloadsFromLan(bob);
    await new Promise((r) => setTimeout(r, 2_500)); // its share_file and piece reports failed by now
    await restartTracker(trackerPort);
    // bob's link reconnects and resumes the session by itself; alice sees him as a holder.
    await listedWithTwoSeeders(alice, 15_000);
  }, 40_000);

  it('says why it cannot download from the LAN with --no-lan', async () => {
    const carol = client('carol', ['--no-lan']);
    carol.send('create_user carol carol-password', 'login carol carol-password');
    await carol.waitFor('logged in as carol');
    await world.tracker.stop();
    // Once her link knows (a command sent before that waits for its request's time-out).
    await carol.waitFor('lost the connection to tracker 1', 'err');
    carol.send(`download_file lab data.bin ${path.join(world.dir, 'dl')}`);
    await carol.waitFor('no tracker reachable, and LAN discovery is off (--no-lan)', 'err');
  }, 20_000);
});
