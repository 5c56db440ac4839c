// Reads outside a mutation see only committed state: a client never observes half of a
// transaction, nor one that is rolled back.
import { afterEach, expect, it } from 'vitest';
import { loggedIn, startTestTracker, type TestTracker } from './helpers.js';

let t: TestTracker;
afterEach(async () => t?.stop());

it('a group created in a transaction that later fails is never listed', async () => {
  t = await startTestTracker();
  const alice = await loggedIn(t, 'alice');
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let committedInside!: () => void;
  const inside = new Promise<void>((resolve) => (committedInside = resolve));
  const { createdHlc: account } = await t.services().store.prisma.user.findUniqueOrThrow({ where: { id: 'alice' } });
  const mutation = t.services().store.mutate(async (w) => {
    await w.commit({ kind: 'group_created', account, groupId: 'phantom', ownerId: 'alice' });
    committedInside();
    await held; // the transaction stays open, with the group written but not committed
    throw new Error('abort after writing');
  });
  await inside;
  expect((await alice.ok('list_groups')).groups).toEqual([]);
  expect(await alice.fails('list_members', { groupId: 'phantom' })).toBe('ERR_NO_SUCH_GROUP');
  release();
  await expect(mutation).rejects.toThrow('abort after writing');
  expect((await alice.ok('list_groups')).groups).toEqual([]);
  // The op log rolled back with the state: nothing is left to replicate.
  expect(await t.services().store.prisma.opLog.count({ where: { op: { contains: 'phantom' } } })).toBe(0);
  // And the sequence number was not consumed.
  await alice.ok('create_group', { groupId: 'real' });
  const seqs = (await t.services().store.prisma.opLog.findMany({ orderBy: { seq: 'asc' } })).map((o) => o.seq);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
});
