// Groups over a real WebSocket: ownership, join requests, leaving, and who may do what.
import { afterEach, describe, expect, it } from 'vitest';
import { loggedIn, startTestTracker, type TestTracker } from './helpers.js';

let t: TestTracker;
afterEach(async () => t?.stop());

const members = async (c: Awaited<ReturnType<typeof loggedIn>>, groupId: string) =>
  (await c.ok('list_members', { groupId })).members.map((m: { userId: string; owner: boolean }) => (m.owner ? `${m.userId}*` : m.userId));

describe('groups', () => {
  it('create, request, accept: the member list and the pushes a user sees', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice');
    const bob = await loggedIn(t, 'bob');
    expect(await alice.ok('create_group', { groupId: 'Lab' })).toEqual({ groupId: 'lab' });
    expect(await bob.fails('create_group', { groupId: 'lab' })).toBe('ERR_GROUP_EXISTS');

    expect(await bob.ok('list_groups')).toEqual({ groups: [{ groupId: 'lab', owner: 'alice', memberCount: 1, membership: 'none' }] });
    expect(await bob.ok('join_group', { groupId: 'lab' })).toEqual({ groupId: 'lab', status: 'requested' });
    expect(await bob.fails('join_group', { groupId: 'lab' })).toBe('ERR_ALREADY_REQUESTED');
    expect(await bob.fails('join_group', { groupId: 'nope' })).toBe('ERR_NO_SUCH_GROUP');
    expect((await alice.waitForPush('join_requested')).data).toEqual({ groupId: 'lab', userId: 'bob' });
    expect((await bob.ok('list_groups')).groups[0]!.membership).toBe('requested');

    const requests = (await alice.ok('list_requests', { groupId: 'lab' })).requests;
    expect(requests.map((r: { userId: string }) => r.userId)).toEqual(['bob']);
    expect(await bob.fails('list_requests', { groupId: 'lab' })).toBe('ERR_NOT_GROUP_OWNER');
    expect(await bob.fails('accept_request', { groupId: 'lab', userId: 'bob' })).toBe('ERR_NOT_GROUP_OWNER');
    expect(await bob.fails('list_members', { groupId: 'lab' })).toBe('ERR_NOT_MEMBER');

    await alice.ok('accept_request', { groupId: 'lab', userId: 'bob' });
    expect((await bob.waitForPush('request_accepted')).data).toEqual({ groupId: 'lab' });
    expect(await alice.fails('accept_request', { groupId: 'lab', userId: 'bob' })).toBe('ERR_NO_SUCH_REQUEST');
    expect(await members(bob, 'lab')).toEqual(['alice*', 'bob']);
    expect(await bob.fails('join_group', { groupId: 'lab' })).toBe('ERR_ALREADY_MEMBER');
    expect((await alice.ok('list_groups')).groups).toEqual([{ groupId: 'lab', owner: 'alice', memberCount: 2, membership: 'owner' }]);
    expect((await bob.ok('list_groups')).groups[0]!.membership).toBe('member');
    expect((await alice.ok('list_requests', { groupId: 'lab' })).requests).toEqual([]);
  });

  it('reject: the requester is told and stays outside, and may ask again', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice');
    const carl = await loggedIn(t, 'carl');
    await alice.ok('create_group', { groupId: 'lab' });
    await carl.ok('join_group', { groupId: 'lab' });
    await alice.ok('reject_request', { groupId: 'lab', userId: 'carl' });
    expect((await carl.waitForPush('request_rejected')).data).toEqual({ groupId: 'lab' });
    expect(await members(alice, 'lab')).toEqual(['alice*']);
    expect(await carl.ok('join_group', { groupId: 'lab' })).toMatchObject({ status: 'requested' });
  });

  it('owner leaving hands the group to the longest-standing member; the last one out deletes it', async () => {
    t = await startTestTracker();
    const [alice, bob, carl] = [await loggedIn(t, 'alice'), await loggedIn(t, 'bob'), await loggedIn(t, 'carl')];
    await alice.ok('create_group', { groupId: 'lab' });
    for (const [c, id] of [[bob, 'bob'], [carl, 'carl']] as const) {
      await c.ok('join_group', { groupId: 'lab' });
      await alice.ok('accept_request', { groupId: 'lab', userId: id });
    }
    expect(await alice.ok('leave_group', { groupId: 'lab' })).toEqual({ groupId: 'lab', groupDeleted: false, newOwner: 'bob' });
    expect((await carl.waitForPush('owner_changed')).data).toEqual({ groupId: 'lab', ownerId: 'bob' });
    expect(await members(carl, 'lab')).toEqual(['bob*', 'carl']);
    expect(await alice.fails('leave_group', { groupId: 'lab' })).toBe('ERR_NOT_MEMBER');
    expect(await carl.ok('leave_group', { groupId: 'lab' })).toEqual({ groupId: 'lab', groupDeleted: false, newOwner: null });
    expect(await bob.ok('leave_group', { groupId: 'lab' })).toEqual({ groupId: 'lab', groupDeleted: true, newOwner: null });
    expect((await alice.ok('list_groups')).groups).toEqual([]);
    // The id is free again.
    await carl.ok('create_group', { groupId: 'lab' });
  });

  it('pending requests die with their group', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice');
    const dan = await loggedIn(t, 'dan');
    await alice.ok('create_group', { groupId: 'tmp' });
    await dan.ok('join_group', { groupId: 'tmp' });
    await alice.ok('leave_group', { groupId: 'tmp' });
    expect(await t.services().store.prisma.joinRequest.count()).toBe(0);
    expect(await dan.fails('join_group', { groupId: 'tmp' })).toBe('ERR_NO_SUCH_GROUP');
  });
});
