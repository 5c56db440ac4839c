// Clients of one host that hear each other on the LAN in the loopback mode (--lan-peers, docs/lan.md):
// the set-up the LAN tests of the shell share.
import dgram from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { TestShell, TestWorld } from './helpers.js';

/** A UDP port free on 127.0.0.1 now. */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The loopback-mode flags of `count` clients: each has its own UDP port and sends to the others'. */
export async function loopbackLanArgs(count: number): Promise<string[][]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freeUdpPort());
  return ports.map((port, i) => ['--lan-port', String(port), '--lan-peers', ports.filter((_, j) => j !== i).map((p) => `127.0.0.1:${p}`).join(',')]);
}

/**
 * alice (owner of lab) and bob (accepted into it) in the loopback mode, alice sharing
 * `<world.dir>/data.bin` holding `data`. `client(name, args)` starts a shell of the test's own.
 */
export async function aliceSharesWithBobOnTheLan(
  world: TestWorld,
  client: (name: string, args: string[]) => TestShell,
  data: Buffer,
): Promise<{ alice: TestShell; bob: TestShell }> {
  const [aliceLan, bobLan] = (await loopbackLanArgs(2)) as [string[], string[]];
  await writeFile(path.join(world.dir, 'data.bin'), data);
  const alice = client('alice', aliceLan);
  const bob = client('bob', bobLan);
  alice.send('create_user alice alice-password', 'create_user bob bob-password', 'login alice alice-password', 'create_group lab');
  await alice.waitFor('created group lab');
  bob.send('login bob bob-password', 'join_group lab');
  await alice.waitFor('bob asked to join lab');
  alice.send('accept_request lab bob');
  await bob.waitFor('you are a member now');
  alice.send('upload_file ~/data.bin lab');
  await alice.waitFor('sharing data.bin in lab');
  return { alice, bob };
}
