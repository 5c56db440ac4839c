// Every file a member holds stays shared across logout and restart, with real tracker and
// client processes: alice shares, bob downloads it, bob logs out and in again (or is killed
// with SIGKILL and restarted), alice stops sharing, and carol still gets the whole file, from
// bob alone. A copy bob changed on disk while logged out is not served, and carol is told so
// instead of waiting at 0 % for ever.
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { passwordOf } from '@groupshare/tracker/testing';
import type { ClientProcess } from '@groupshare/testkit/client-process';
import { Cleanup, fileFixture } from '@groupshare/testkit/scenario';
import { afterEach, describe, expect, it } from 'vitest';
import { completion, GROUP, KiB, MiB, peerSwarm, sha1, type PeerSwarm } from './robustness/peer-swarm.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const SIZE = 3 * MiB;

/** alice shares data.bin and bob downloads it to completion; returns the stage and both shells. */
async function bobHoldsACopy(seed: number): Promise<{ swarm: PeerSwarm; alice: ClientProcess; bob: ClientProcess; bobCopy: string }> {
  const swarm = await peerSwarm(cleanup, { seed, size: SIZE });
  const alice = await swarm.member('alice');
  await swarm.upload(alice);
  const bob = await swarm.member('bob');
  const { dir, since } = await swarm.download(bob, 'bob');
  const done = await bob.waitFor(completion(swarm.name), { since, timeoutMs: 30_000 });
  expect(done[1]).toBe(path.join(dir, swarm.name));
  return { swarm, alice, bob, bobCopy: path.join(dir, swarm.name) };
}

/** The peer address a shell logged in with (`logged in as bob (peer address 127.0.0.1:40123)`). */
async function peerAddressOf(client: ClientProcess, user: string): Promise<string> {
  const m = await client.waitFor(new RegExp(`^logged in as ${user} \\(peer address (\\S+)\\)`));
  return m[1] as string;
}

/** alice stops sharing; then carol joins and downloads; every block must come from `from`. */
async function carolGetsItFrom(swarm: PeerSwarm, alice: ClientProcess, from: string): Promise<void> {
  await alice.run(`stop_share ${GROUP} ${swarm.name}`, /^stopped sharing data\.bin in lab; others still share it/);
  const carol = await swarm.member('carol');
  await carol.run(`list_files ${GROUP}`, /^data\.bin\s+3 MiB\s+1\s+0\s+yes\b/);
  const { dir, since } = await swarm.download(carol, 'carol');
  await carol.waitFor(completion(swarm.name), { since, timeoutMs: 30_000 });
  const sources = await carol.blockSources(since);
  expect([...sources.percent.keys()]).toEqual([from]);
  expect(sha1(await readFile(path.join(dir, swarm.name)))).toBe(sha1(swarm.data));
}

describe('a completed download stays shared', () => {
  it('after logout and login in the same shell', async () => {
    const { swarm, alice, bob } = await bobHoldsACopy(1301);
    const address = await peerAddressOf(bob, 'bob');
    await bob.run('logout', /^logged out bob/);
    const since = bob.mark();
    await bob.run(`login bob ${passwordOf('bob')}`, /^logged in as bob\b/);
    await bob.waitFor(/^sharing again: data\.bin in lab$/, { since });
    await carolGetsItFrom(swarm, alice, address);
  });

  it('after the client was killed with SIGKILL and started again', async () => {
    const { swarm, alice, bob } = await bobHoldsACopy(1302);
    await bob.kill('SIGKILL');
    const { client, since } = await swarm.restart('bob');
    await client.waitFor(/^sharing again: data\.bin in lab$/, { since });
    await carolGetsItFrom(swarm, alice, await peerAddressOf(client, 'bob'));
  });

  it('is not served once changed on disk, and a downloader is told instead of waiting at 0 %', async () => {
    const { swarm, alice, bob, bobCopy } = await bobHoldsACopy(1303);
    await bob.run('logout', /^logged out bob/);
    // Alice stops sharing: bob (logged out) is the only holder left, so the file stays listed.
    await alice.run(`stop_share ${GROUP} ${swarm.name}`, /^stopped sharing data\.bin in lab; others still share it/);
    const carol = await swarm.member('carol', ['--stall-after', '2']);
    await carol.run(`list_files ${GROUP}`, /^data\.bin\s+3 MiB\s+0\s+0\s+no\b/);
    const { since } = await swarm.download(carol, 'carol');
    const stalled = await carol.waitFor(/^\[F\] \[lab\] data\.bin: no online member has (\d+) of its pieces; waiting/, { stream: 'stderr', since, timeoutMs: 15_000 });
    expect(Number(stalled[1])).toBe(Math.ceil(SIZE / (await swarm.owner.ok('get_file', { groupId: GROUP, name: swarm.name })).file.pieceLength));
    await carol.run('show_downloads', /^\[F\] \[lab\] data\.bin {2}0% {2}no online member has \d+ of its pieces \(waiting; resumes when one comes online\)$/);

    // Bob's copy changes while he is away; at login his client finds out and does not serve it.
    await appendFile(bobCopy, 'edited');
    const mark = bob.mark();
    await bob.run(`login bob ${passwordOf('bob')}`, /^logged in as bob\b/);
    await bob.waitFor(/^not sharing data\.bin in lab any more: /, { stream: 'stderr', since: mark });
    // Nobody holds it now: the file is withdrawn, and carol's download ends with that reason.
    await carol.waitFor(/^download of data\.bin from lab failed: nobody shares it any more/, { stream: 'stderr', since, timeoutMs: 30_000 });
    expect((await swarm.owner.ok('list_files', { groupId: GROUP })).files).toEqual([]);
  });

  it('a waiting download resumes by itself when a holder logs in', async () => {
    const { swarm, alice, bob } = await bobHoldsACopy(1304);
    const bobAddress = await peerAddressOf(bob, 'bob');
    await bob.run('logout', /^logged out bob/);
    await alice.run('logout', /^logged out alice/);
    const carol = await swarm.member('carol', ['--stall-after', '2']);
    const { dir, since } = await swarm.download(carol, 'carol');
    await carol.waitFor(/^\[F\] \[lab\] data\.bin: no online member has \d+ of its pieces; waiting/, { stream: 'stderr', since, timeoutMs: 15_000 });
    await bob.run(`login bob ${passwordOf('bob')}`, /^logged in as bob\b/);
    await carol.waitFor(/^\[D\] \[lab\] data\.bin: resumed/, { since, timeoutMs: 20_000 });
    await carol.waitFor(completion(swarm.name), { since, timeoutMs: 30_000 });
    expect([...(await carol.blockSources(since)).percent.keys()]).toEqual([bobAddress]);
    expect(sha1(await readFile(path.join(dir, swarm.name)))).toBe(sha1(swarm.data));
  });

  it('a partial download resumes at login and serves its verified pieces again', async () => {
    const swarm = await peerSwarm(cleanup, { seed: 1305, size: SIZE });
    // The only source is a slow scripted seed, so bob is part-way through when he logs out.
    const fixture = fileFixture(GROUP, swarm.name, swarm.data, 64 * KiB);
    await swarm.scripted('seed', { kind: 'honest', blocksPerSecond: 40 }, fixture);
    const bob = await swarm.member('bob');
    await swarm.download(bob, 'bob');
    await bob.waitForProgress(GROUP, swarm.name, 25, { timeoutMs: 30_000, intervalMs: 200 });
    await bob.run('logout', /^logged out bob/);
    const held = (await swarm.owner.ok('file_info', { groupId: GROUP, name: swarm.name })).holders.find((h: { userId: string }) => h.userId === 'bob');
    expect(held).toMatchObject({ online: false });
    const since = bob.mark();
    await bob.run(`login bob ${passwordOf('bob')}`, /^logged in as bob\b/);
    const resumed = await bob.waitFor(/^resuming the download of data\.bin from lab \((\d+) of (\d+) pieces already here\)/, { since });
    expect(Number(resumed[1])).toBeGreaterThanOrEqual(held?.pieces ?? Infinity);
    // The trackers offer bob again, with what he holds now.
    await expect
      .poll(async () => (await swarm.owner.ok('file_info', { groupId: GROUP, name: swarm.name })).holders.find((h: { userId: string }) => h.userId === 'bob'), { timeout: 10_000 })
      .toMatchObject({ online: true });
    // carol fetches from bob's verified pieces as well as from the slow seed.
    const bobAddress = await peerAddressOf(bob, 'bob');
    const carol = await swarm.member('carol');
    const { dir, since: carolSince } = await swarm.download(carol, 'carol');
    await carol.waitFor(completion(swarm.name), { since: carolSince, timeoutMs: 60_000 });
    expect((await carol.blockSources(carolSince)).percent.get(bobAddress) ?? 0).toBeGreaterThan(0);
    expect(sha1(await readFile(path.join(dir, swarm.name)))).toBe(sha1(swarm.data));
  });
});
