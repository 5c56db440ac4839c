// What the trackers advertise is what a peer said it serves since its last login: a login or a
// logout at a peer address pauses that peer's shares until its client announces them again, on
// every tracker of the cluster. file_info shows every holder, online or not.
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from './cluster-helpers.js';
import type { WsClient } from '../src/testing/index.js';
import { groupWith, labSharing, loggedIn, shareFields, startTestTracker, testBytes, type TestTracker } from './helpers.js';

let t: TestTracker | undefined;
let cluster: TestCluster | undefined;
afterEach(async () => {
  await t?.stop();
  await cluster?.stop();
  t = undefined;
  cluster = undefined;
});

const DATA = testBytes(100_000, 7); // 7 pieces of 16 KiB

async function holders(client: WsClient): Promise<Array<[string, boolean, number]>> {
  const { holders: list } = await client.ok('file_info', { groupId: 'lab', name: 'data.bin' });
  return list.map((h: { userId: string; online: boolean; pieces: number }) => [h.userId, h.online, h.pieces]);
}

describe('serving follows the login', () => {
  it('a logout pauses the peer\'s shares; after logging in again they are offered only once announced', async () => {
    t = await startTestTracker();
    const { alice, members, file } = await labSharing(t, DATA, ['bob', 'carol']);
    const [bob, carol] = [members.bob!, members.carol!];
    await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [] }); // a download registers first
    await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [0, 1, 2, 3] });
    expect(await holders(carol)).toEqual([
      ['alice', true, 7],
      ['bob', true, 4],
    ]);

    // Bob logs out: still a holder, no longer offered (get_peers and list_files agree).
    await bob.ok('logout');
    expect(await holders(carol)).toEqual([
      ['alice', true, 7],
      ['bob', false, 4],
    ]);
    const peers = (await carol.ok('get_peers', { groupId: 'lab', infoHash: file.infoHash })).peers;
    expect(peers.map((p: { userId: string }) => p.userId)).toEqual(['alice']);

    // Bob logs in again at the same address: not offered on the strength of his old map...
    await bob.ok('login', { userId: 'bob', password: 'bob-secret-pw', peerAddress: '127.0.0.1:6002' });
    expect((await carol.ok('list_files', { groupId: 'lab' })).files[0]).toMatchObject({ seeders: 1, partialPeers: 0 });
    expect(await holders(carol)).toContainEqual(['bob', false, 4]);
    // ...and what he announces now replaces it (his client may have lost pieces meanwhile).
    await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [5] });
    expect(await holders(carol)).toContainEqual(['bob', true, 1]);
    expect((await carol.ok('list_files', { groupId: 'lab' })).files[0]).toMatchObject({ seeders: 1, partialPeers: 1 });

    // Alice's logout and login pause her seed until she shares the file again.
    await alice.ok('logout');
    await alice.ok('login', { userId: 'alice', password: 'alice-secret-pw', peerAddress: '127.0.0.1:6001' });
    expect((await carol.ok('list_files', { groupId: 'lab' })).files[0]).toMatchObject({ seeders: 0, available: false });
    expect((await alice.ok('share_file', shareFields('lab', 'data.bin', DATA))).alreadyShared).toBe(false);
    expect((await carol.ok('list_files', { groupId: 'lab' })).files[0]).toMatchObject({ seeders: 1, available: true });
  });

  it('tells downloaders when a holder comes online again, and nobody else', async () => {
    t = await startTestTracker();
    const { alice, members, file } = await labSharing(t, DATA, ['bob', 'carol']);
    const [bob, carol] = [members.bob!, members.carol!];
    await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [] }); // a download registers first
    await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [0] }); // bob downloads
    await alice.ok('logout');
    await alice.ok('login', { userId: 'alice', password: 'alice-secret-pw', peerAddress: '127.0.0.1:6001' });
    await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));
    const push = await bob.waitForPush('holder_online');
    expect(push.data).toEqual({ groupId: 'lab', infoHash: file.infoHash, userId: 'alice' });
    // Carol downloads nothing; alice does not tell herself.
    await carol.ok('ping');
    expect(carol.pushes.some((p) => p.push === 'holder_online')).toBe(false);
    expect(alice.pushes.some((p) => p.push === 'holder_online')).toBe(false);
    // Reports from a peer that is serving already are not news.
    const before = bob.pushes.length;
    await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));
    await bob.ok('ping');
    expect(bob.pushes.length).toBe(before);
  });

  it('a file whose last holder stops is withdrawn, even while members with nothing yet wait for it', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
    await groupWith('lab', alice, [[bob, 'bob']]);
    const { file } = await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));
    await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [] }); // started, nothing yet
    expect(await alice.ok('stop_share', { groupId: 'lab', name: 'data.bin' })).toEqual({ withdrawn: true });
    expect((await bob.waitForPush('file_withdrawn')).data).toMatchObject({ groupId: 'lab', name: 'data.bin' });
    expect(await bob.fails('get_peers', { groupId: 'lab', infoHash: file.infoHash })).toBe('ERR_NO_SUCH_FILE');
    // One piece is enough to keep it: a partial holder can still serve part of it.
    await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));
    await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [] }); // the withdrawal dropped bob's registration
    await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [3] });
    expect(await alice.ok('stop_share', { groupId: 'lab', name: 'data.bin' })).toEqual({ withdrawn: false });
    expect(await holders(bob)).toEqual([['bob', true, 1]]);
  });

  it('file_info answers members only, for files that exist', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const eve = await loggedIn(t, 'eve', '127.0.0.1:6009');
    await alice.ok('create_group', { groupId: 'lab' });
    await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));
    const info = await alice.ok('file_info', { groupId: 'lab', name: 'data.bin' });
    expect(info.file).toMatchObject({ name: 'data.bin', size: 100_000, pieceCount: 7, seeders: 1 });
    expect(await alice.fails('file_info', { groupId: 'lab', name: 'nothing.bin' })).toBe('ERR_NO_SUCH_FILE');
    expect(await eve.fails('file_info', { groupId: 'lab', name: 'data.bin' })).toBe('ERR_NOT_MEMBER');
  });

  it('a pause made on one tracker holds on the others', async () => {
    cluster = await startCluster(2);
    const a1 = await cluster.connect(1);
    await a1.ok('register', { userId: 'alice', password: 'alice-secret-pw' });
    await a1.ok('login', { userId: 'alice', password: 'alice-secret-pw', peerAddress: '127.0.0.1:6001' });
    await a1.ok('create_group', { groupId: 'lab' });
    await a1.ok('share_file', shareFields('lab', 'data.bin', DATA));
    await cluster.converged();
    // Alice logs in again through tracker 2 (a restarted client) and has not announced yet.
    const a2 = await cluster.connect(2);
    await a2.ok('login', { userId: 'alice', password: 'alice-secret-pw', peerAddress: '127.0.0.1:6001' });
    await cluster.converged();
    expect((await a1.ok('list_files', { groupId: 'lab' })).files[0]).toMatchObject({ seeders: 0 });
    expect((await a2.ok('list_files', { groupId: 'lab' })).files[0]).toMatchObject({ seeders: 0 });
    await a2.ok('share_file', shareFields('lab', 'data.bin', DATA));
    await cluster.converged();
    expect((await a1.ok('list_files', { groupId: 'lab' })).files[0]).toMatchObject({ seeders: 1 });
  });
});
