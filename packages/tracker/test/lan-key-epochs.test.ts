// LAN key epochs: a membership that ends (leave_group, the console's remove_user) moves the
// group's LAN key to a new epoch on every tracker of the cluster, and the members are told.
import { deriveGroupKey, deriveTicketSeed, ticketPublicKey, verifyMemberCertificate } from '@groupshare/protocol';
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Tracker } from '../src/index.js';
import type { WsClient } from '../src/testing/index.js';
import { SECRET, startCluster, type TestCluster } from './cluster-helpers.js';
import { startTestConsole } from './console-helpers.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

function memberKey(): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('base64');
}

type Creds = { groups: Array<{ groupId: string; epoch: number; groupKey: string; certificate: string }> };
const lab = async (c: WsClient) => ((await c.ok('lan_credentials', { memberKey: memberKey() })) as Creds).groups.find((g) => g.groupId === 'lab');

async function user(cluster: TestCluster, n: number, userId: string): Promise<WsClient> {
  const c = await cluster.connect(n);
  await c.ok('register', { userId, password: `${userId}-secret-pw` });
  await cluster.converged();
  await c.ok('login', { userId, password: `${userId}-secret-pw`, peerAddress: `127.0.0.1:${6000 + n}` });
  return c;
}

describe('LAN key epochs across a cluster', () => {
  it('rise on leave_group and on remove_user, identically on both trackers, with a new key each time', async () => {
    cluster = await startCluster(2);
    const [t1, t2] = cluster.trackers as [Tracker, Tracker];
    const alice = await user(cluster, 1, 'alice');
    const bob = await user(cluster, 2, 'bob');
    const carol = await user(cluster, 1, 'carol');
    const dan = await user(cluster, 2, 'dan');
    await alice.ok('create_group', { groupId: 'lab' });
    await cluster.converged();
    for (const c of [bob, carol, dan]) await c.ok('join_group', { groupId: 'lab' });
    await cluster.converged();
    for (const u of ['bob', 'carol', 'dan']) await alice.ok('accept_request', { groupId: 'lab', userId: u });
    await cluster.converged();

    const before = await lab(bob);
    expect(before).toMatchObject({ epoch: 0, groupKey: deriveGroupKey(deriveTicketSeed(SECRET), 'lab').toString('base64') });
    expect((await lab(alice))?.groupKey).toBe(before?.groupKey);

    // carol leaves on tracker 1: bob, on tracker 2, is told and gets the epoch-1 key there.
    await carol.ok('leave_group', { groupId: 'lab' });
    expect((await bob.waitForPush('lan_key_changed')).data).toEqual({ groupId: 'lab', epoch: 1 });
    expect((await carol.waitForPush('lan_key_changed')).data).toEqual({ groupId: 'lab', epoch: 1 });
    await cluster.converged();
    const one = await lab(bob);
    expect(one?.epoch).toBe(1);
    expect(one?.groupKey).not.toBe(before?.groupKey);
    expect(await lab(alice)).toMatchObject({ epoch: 1, groupKey: one?.groupKey });
    expect(await lab(carol)).toBeUndefined();
    const cert = verifyMemberCertificate(one?.certificate, ticketPublicKey(t2.services.tickets.publicKey), Date.now());
    expect(cert).toMatchObject({ ok: true, payload: { u: 'bob', g: 'lab', e: 1 } });

    // The operator removes dan on tracker 2: epoch 2, told to alice on tracker 1.
    expect(await startTestConsole(t2).run('remove_user dan --yes')).toMatch(/^removed user dan/);
    expect((await alice.waitForPush('lan_key_changed', (d) => d.epoch === 2)).data).toEqual({ groupId: 'lab', epoch: 2 });
    await cluster.converged();
    const two = await lab(alice);
    expect(two?.epoch).toBe(2);
    expect(two?.groupKey).not.toBe(one?.groupKey);
    expect(await lab(bob)).toMatchObject({ epoch: 2, groupKey: two?.groupKey });
    for (const t of [t1, t2]) expect(await t.services.queries.keyEpochs(['lab'])).toEqual(new Map([['lab', 2]]));
  });

  it('never starts over: a group deleted and created again under its id keeps counting', async () => {
    cluster = await startCluster(2);
    const ann = await user(cluster, 1, 'ann');
    await ann.ok('create_group', { groupId: 'lab' });
    expect(await lab(ann)).toMatchObject({ epoch: 0 });
    await ann.ok('leave_group', { groupId: 'lab' }); // the last member: the group is deleted
    await cluster.converged();
    const bob = await user(cluster, 2, 'bob');
    await bob.ok('create_group', { groupId: 'lab' });
    // ann held the epoch-0 key of the old lab: the new lab's key is another.
    expect(await lab(bob)).toMatchObject({ epoch: 1 });
  });
});
