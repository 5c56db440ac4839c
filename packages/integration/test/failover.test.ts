// The client side meets the real trackers: the engine's TrackerLink is logged in on tracker 1,
// sharing a file; tracker 1 is killed with SIGKILL. The link must be on tracker 2 within 2 s,
// on the same session (a resume, no new login), with its share back online there, and still
// receive pushes.
import { TrackerLink, type TrackerLinkEvents } from '@groupshare/engine';
import type { Push } from '@groupshare/protocol';
import type { EventEmitter } from 'node:events';
import { afterEach, expect, it } from 'vitest';
import { eventually, passwordOf, ProcessCluster, signUp } from '@groupshare/tracker/testing';
import { Cleanup, fileFixture, testBytes } from '@groupshare/testkit/scenario';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Resolves with the first `event` whose payload matches, and when it came. */
function nextEvent<K extends 'connected' | 'failover'>(
  link: TrackerLink,
  event: K,
  match: (info: TrackerLinkEvents[K][0]) => boolean = () => true,
): Promise<{ info: TrackerLinkEvents[K][0]; at: number }> {
  // Untyped view: TypeScript cannot match a listener to a generic event name.
  const emitter: EventEmitter = link;
  return new Promise((resolve) => {
    const listener = (info: TrackerLinkEvents[K][0]) => {
      if (!match(info)) return;
      emitter.off(event, listener);
      resolve({ info, at: Date.now() });
    };
    emitter.on(event, listener);
  });
}

it('kill -9 of the tracker a client uses: it resumes on the next tracker within 2 s, share and pushes intact', async () => {
  const cluster = cleanup.add(await ProcessCluster.create({ size: 2 }));
  await cluster.startAll();

  const peerAddress = '127.0.0.1:6881';
  const link = new TrackerLink({
    trackers: cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
    peerAddress,
  });
  cleanup.defer(() => link.stop());
  const pushes: Push[] = [];
  const events: string[] = [];
  link.on('push', (push) => pushes.push(push));
  link.on('sessionLost', ({ reason }) => events.push(`sessionLost: ${reason}`));
  link.on('sessionResumed', ({ tracker }) => events.push(`sessionResumed on ${tracker}`));
  link.on('error', (err) => events.push(`error: ${String(err)}`));
  const firstConnected = nextEvent(link, 'connected');
  link.start();
  expect((await firstConnected).info.tracker).toBe(1); // tracker 1 is tried first

  // alice, through the link: account, group "lab", a shared file.
  await link.request('register', { userId: 'alice', password: passwordOf('alice') });
  const login = await link.request('login', { userId: 'alice', password: passwordOf('alice') });
  expect(login.peerAddress).toBe(peerAddress);
  await link.request('create_group', { groupId: 'lab' });
  const notes = fileFixture('lab', 'notes.bin', testBytes(50_000, 1));
  expect((await link.request('share_file', notes.share)).file.infoHash).toBe(notes.infoHash);
  // bob, a member, on tracker 2.
  const bob = await cluster.connect(2);
  await eventually('alice replicated to tracker 2', async () => (await cluster.status(2)).users === 1);
  await signUp(bob, 'bob', '127.0.0.1:6882');
  await eventually('lab replicated to tracker 2', async () => (await bob.ok('list_groups')).groups.length === 1);
  await bob.ok('join_group', { groupId: 'lab' });
  await eventually('alice told of the request', () => pushes.some((p) => p.push === 'join_requested'));
  await link.request('accept_request', { groupId: 'lab', userId: 'bob' });
  // Everything, alice's session included, has reached tracker 2 before the crash.
  await cluster.waitConverged([1, 2]);
  const token = link.session?.token;
  expect(token).toBeDefined();

  const onTwo = nextEvent(link, 'connected', (ref) => ref.tracker === 2);
  const failover = nextEvent(link, 'failover');
  const killedAt = Date.now();
  await cluster.kill(1, 'SIGKILL');
  const connected = await onTwo;
  const failoverMs = connected.at - killedAt;
  console.log(`failover: tracker 2 connected and the session resumed ${failoverMs} ms after kill -9 of tracker 1`);
  expect(failoverMs).toBeLessThan(2_000);
  expect((await failover).info).toMatchObject({ from: { tracker: 1 }, to: { tracker: 2 } });
  // Same session, resumed rather than logged in again.
  expect(events).toEqual(['sessionResumed on 2']);
  expect(link.session).toMatchObject({ userId: 'alice', token, peerAddress });
  expect(link.connectedTracker?.tracker).toBe(2);

  // alice's share is online on tracker 2: her resume announced the same peer address.
  const { files } = await link.request('list_files', { groupId: 'lab' });
  expect(files.map(({ name, infoHash, seeders, available }) => ({ name, infoHash, seeders, available }))).toEqual([
    { name: 'notes.bin', infoHash: notes.infoHash, seeders: 1, available: true },
  ]);
  const { peers } = await bob.ok('get_peers', { groupId: 'lab', infoHash: notes.infoHash });
  expect(peers.map(({ userId, address, complete }) => ({ userId, address, complete }))).toEqual([{ userId: 'alice', address: peerAddress, complete: true }]);

  // Pushes reach alice on her new tracker: bob shares a file there.
  const more = fileFixture('lab', 'more.bin', testBytes(20_000, 2));
  await bob.ok('share_file', more.share);
  await eventually('alice told of bob\'s file', () =>
    pushes.some((p) => p.push === 'file_shared' && p.data.name === 'more.bin' && p.data.sharedBy === 'bob' && p.data.infoHash === more.infoHash),
  );
});
