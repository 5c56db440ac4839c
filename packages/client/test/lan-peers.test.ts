// lan_peers: members heard on the LAN, with two whole clients in the loopback mode (--lan-peers).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWorld, TestShell, type TestWorld } from './helpers.js';
import { aliceSharesWithBobOnTheLan, loopbackLanArgs } from './lan-loopback.js';

let marks = 0;
/** What `shell` prints for `command`: its output up to that of a `lan_files` of a unique name sent after it (commands run in order). */
async function run(shell: TestShell, command: string): Promise<string> {
  const before = shell.out.length;
  const mark = `from the LAN catalog of mark-${++marks} `;
  shell.send(command, `lan_files mark-${marks}`);
  await shell.waitFor(mark);
  return shell.out.slice(before, shell.out.indexOf(mark, before));
}

/** Runs `command` until its output matches `pattern` (the LAN is heard within a second or two). */
async function untilListed(shell: TestShell, command: string, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (let out = await run(shell, command); !pattern.test(out); out = await run(shell, command)) {
    if (Date.now() > deadline) throw new Error(`${command} never listed ${String(pattern)}:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let world: TestWorld;
const shells: TestShell[] = [];
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  for (const s of shells.splice(0)) await s.end();
  await world[Symbol.asyncDispose]();
});

function client(name: string, args: string[]): TestShell {
  const shell = new TestShell([...args, '--data-dir', path.join(world.dir, name), '127.0.0.1:0', world.infoFile], { env: { HOME: world.dir } });
  shells.push(shell);
  return shell;
}

describe('lan_peers and lan_files', () => {
  it("lists the group's members heard on the LAN: address, user, files, last seen", async () => {
    const { bob } = await aliceSharesWithBobOnTheLan(world, client, Buffer.alloc(100_000, 7));
    const deadline = Date.now() + 5_000;
    let out = '';
    while (!/ alice +1 +lab +\d+s ago/.test(out)) {
      if (Date.now() > deadline) throw new Error(`alice never appeared in lan_peers:\n${bob.out}\n${bob.err}`);
      const before = bob.out.length;
      bob.send('lan_peers');
      await bob.waitFor(/(address +user|no members heard)[^\n]*\n(.*\n)*/);
      await new Promise((r) => setTimeout(r, 200));
      out = bob.out.slice(before);
    }
    expect(out).toMatch(/^address +user +files +groups +last seen$/m);
    expect(out).toMatch(/^127\.0\.0\.1:\d+ +alice +1 +lab +\d+s ago$/m);
    // The same announces make the group's LAN catalog.
    const since = bob.out.length;
    bob.send('lan_files lab');
    await bob.waitFor(/from the LAN catalog of lab[^]*\ndata\.bin +\S+ KiB/);
    expect(bob.out.slice(since)).toMatch(/^from the LAN catalog of lab \(what members heard on the LAN announce; no tracker asked\):\nname +size +held by +info-hash\ndata\.bin +98 KiB +alice +[0-9a-f]{12}…$/m);
  }, 30_000);

  it("after carol leaves lab, her lan_files and lan_peers no longer see the group's announces; alice still hears bob's new file", async () => {
    const lan = await loopbackLanArgs(3);
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name, i) => client(name, lan[i] as string[])) as [TestShell, TestShell, TestShell];
    await writeFile(path.join(world.dir, 'one.bin'), Buffer.alloc(10_000, 1));
    await writeFile(path.join(world.dir, 'two.bin'), Buffer.alloc(20_000, 2));
    alice.send('create_user alice alice-password', 'create_user bob bob-password', 'create_user carol carol-password', 'login alice alice-password', 'create_group lab');
    await alice.waitFor('created group lab');
    bob.send('login bob bob-password', 'join_group lab');
    await alice.waitFor('bob asked to join lab');
    carol.send('login carol carol-password', 'join_group lab');
    await alice.waitFor('carol asked to join lab');
    alice.send('accept_request lab bob', 'accept_request lab carol');
    await bob.waitFor('you are a member now');
    await carol.waitFor('you are a member now');
    alice.send('upload_file ~/one.bin lab');
    await alice.waitFor('sharing one.bin in lab');
    // Until she leaves, carol hears the group like any member.
    await untilListed(carol, 'lan_files lab', /^one\.bin +\S+ KiB +alice /m);

    carol.send('leave_group lab');
    await carol.waitFor('left lab');
    bob.send('upload_file ~/two.bin lab');
    await bob.waitFor('sharing two.bin in lab');
    // alice (who took the group's new key on the trackers' push) hears bob's new file...
    await untilListed(alice, 'lan_files lab', /^two\.bin +\S+ KiB +bob /m);
    // ...and carol, who got the same datagrams, hears nothing of the group.
    expect(await run(carol, 'lan_files lab')).toMatch(/^from the LAN catalog of lab .*\nno files announced$/m);
    expect(await run(carol, 'lan_peers')).toMatch(/^no members heard on the LAN yet/m);
    expect(await run(alice, 'lan_peers')).toMatch(/^address +user +files +groups +last seen\n127\.0\.0\.1:\d+ +bob +1 +lab +\d+s ago\n$/);
  }, 30_000);

  it('says LAN discovery is off with --no-lan', async () => {
    const alice = client('alice', ['--no-lan']);
    alice.send('create_user alice alice-password', 'login alice alice-password', 'lan_peers');
    await alice.waitFor('LAN discovery is off (--no-lan)', 'err');
  });
});
