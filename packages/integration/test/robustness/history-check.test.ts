// The history checker itself must fail on a broken cluster, or the scenarios prove nothing: an
// acknowledged write that no tracker holds is reported LOST, and a write that nobody recorded
// is reported UNEXPLAINED, each with its key and tracker.
import { afterEach, expect, it } from 'vitest';
import { passwordOf, ProcessCluster } from '@groupshare/tracker/testing';
import { checkHistory, History } from '@groupshare/testkit/history';
import { Cleanup } from '@groupshare/testkit/scenario';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

it('checkHistory reports a lost acknowledged write and a write nobody made, per tracker', async () => {
  const cluster = cleanup.add(await ProcessCluster.create({ size: 2 }));
  await cluster.startAll();
  const history = new History();
  const owner = await cluster.connect(1);
  await history.must({ kind: 'user', userId: 'owner' }, 1, () => owner.request('register', { userId: 'owner', password: passwordOf('owner') }));
  const { token } = await owner.ok('login', { userId: 'owner', password: passwordOf('owner') });
  await history.must({ kind: 'group', groupId: 'real', owner: 'owner' }, 1, () => owner.request('create_group', { groupId: 'real' }));
  const other = await cluster.connect(2);
  await cluster.waitConverged([1, 2]);
  await other.ok('resume', { token });
  const readers = (n: number) => [n === 1 ? owner : other];

  // Sound so far.
  const ok = await checkHistory(history, { cluster, trackers: [1, 2], readers, convergeTimeoutMs: 5_000 });
  expect(ok.conflicts).toEqual([]);

  // An "acknowledged" write that never happened, and a real one that was never recorded.
  await history.record({ kind: 'group', groupId: 'ghost', owner: 'owner' }, 2, async () => ({ ok: true }));
  await owner.ok('create_group', { groupId: 'stray' });
  const failure = await checkHistory(history, { cluster, trackers: [1, 2], readers, convergeTimeoutMs: 5_000 }).then(
    () => 'passed',
    (err: Error) => err.message,
  );
  expect(failure).toMatch(/tracker 1: group:ghost \(acked by tracker 2 .*\): LOST/);
  expect(failure).toMatch(/tracker 2: group:ghost .*: LOST/);
  expect(failure).toMatch(/tracker 1: group:stray \(owner=owner\) UNEXPLAINED/);
});
