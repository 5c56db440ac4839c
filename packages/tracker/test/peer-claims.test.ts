/**
 * What a member can make the tracker tell others about itself: the address others dial (its
 * own, never one it names), and which pieces it holds (only of files it shares or downloads,
 * and it can take claims back).
 */
import { Bitfield } from '@groupshare/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WsClient } from '../src/testing/index.js';
import { groupWith, loggedIn, shareFields, startTestTracker, testBytes, type TestTracker } from './helpers.js';

let t: TestTracker;
afterEach(async () => t?.stop());

const DATA = testBytes(100_000, 3); // 7 pieces of 16 KiB

function bitfield(count: number, indices: number[]): string {
  const bits = new Bitfield(count);
  for (const i of indices) bits.set(i);
  return bits.toBase64();
}

describe('advertised peer address', () => {
  it('a login announcing 10.9.9.9:22 is advertised at the address it comes from, with its port', async () => {
    t = await startTestTracker();
    const mallory = await t.connect();
    await mallory.ok('register', { userId: 'mallory', password: 'mallory-secret-pw' });
    const login = await mallory.ok('login', { userId: 'mallory', password: 'mallory-secret-pw', peerAddress: '10.9.9.9:22' });
    expect(login.peerAddress).toBe('127.0.0.1:22');
    const bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
    await groupWith('lab', mallory, [[bob, 'bob']]);
    const { file } = await mallory.ok('share_file', shareFields('lab', 'data.bin', DATA));
    const peers = (await bob.ok('get_peers', { groupId: 'lab', infoHash: file.infoHash })).peers;
    expect(peers.map((p: { address: string }) => p.address)).toEqual(['127.0.0.1:22']);

    // The same on resume, on a new connection.
    const again = await t.connect();
    expect((await again.ok('resume', { token: login.token, peerAddress: 'peer.example:23' })).peerAddress).toBe('127.0.0.1:23');
  });

  it('takes the address from X-Forwarded-For only when the connection comes from a trusted proxy', async () => {
    t = await startTestTracker({ trustProxy: ['127.0.0.1/32'] });
    const proxied = await WsClient.connect(t.url, { headers: { 'X-Forwarded-For': '198.51.100.7' } });
    await proxied.ok('register', { userId: 'ann', password: 'ann-secret-pw-1' });
    const login = await proxied.ok('login', { userId: 'ann', password: 'ann-secret-pw-1', peerAddress: '0.0.0.0:6881' });
    expect(login.peerAddress).toBe('198.51.100.7:6881');
    proxied.close();

    const untrusting = await startTestTracker();
    try {
      const forged = await WsClient.connect(untrusting.url, { headers: { 'X-Forwarded-For': '198.51.100.7' } });
      await forged.ok('register', { userId: 'eve', password: 'eve-secret-pw-1' });
      expect((await forged.ok('login', { userId: 'eve', password: 'eve-secret-pw-1', peerAddress: '0.0.0.0:6881' })).peerAddress).toBe('127.0.0.1:6881');
      forged.close();
    } finally {
      await untrusting.stop();
    }
  });
});

describe('piece claims', () => {
  it('a member that neither shares nor downloads a file cannot claim its pieces', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const eve = await loggedIn(t, 'eve', '127.0.0.1:6666');
    const bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
    await groupWith('lab', alice, [[eve, 'eve'], [bob, 'bob']]);
    const { file } = await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));
    const reply = await eve.request('update_pieces', { groupId: 'lab', infoHash: file.infoHash, bitfield: bitfield(7, [0, 1, 2, 3, 4, 5, 6]) });
    expect(reply).toMatchObject({ ok: false, error: { code: 'ERR_NOT_SHARING' } });
    expect(await eve.fails('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [0] })).toBe('ERR_NOT_SHARING');
    // Nobody is told eve holds anything.
    const peers = (await bob.ok('get_peers', { groupId: 'lab', infoHash: file.infoHash })).peers;
    expect(peers.map((p: { userId: string }) => p.userId)).toEqual(['alice']);
    const { holders } = await bob.ok('file_info', { groupId: 'lab', name: 'data.bin' });
    expect(holders.map((h: { userId: string }) => h.userId)).toEqual(['alice']);
  });

  it('a member withdraws pieces with a whole bitfield and replace: true; a seed that does so is no longer one', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
    const carol = await loggedIn(t, 'carol', '127.0.0.1:6003');
    await groupWith('lab', alice, [[bob, 'bob'], [carol, 'carol']]);
    const { file } = await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));
    const key = { groupId: 'lab', infoHash: file.infoHash };
    await bob.ok('update_pieces', { ...key, have: [] });
    await bob.ok('update_pieces', { ...key, have: [0, 1, 2, 3] });
    // Without replace a smaller bitfield adds nothing and removes nothing.
    expect(await bob.ok('update_pieces', { ...key, bitfield: bitfield(7, [0]) })).toEqual({ count: 4, complete: false });
    expect(await bob.ok('update_pieces', { ...key, bitfield: bitfield(7, [0, 5]), replace: true })).toEqual({ count: 2, complete: false });
    const bobPeer = (await carol.ok('get_peers', key)).peers.find((p) => p.userId === 'bob');
    expect(Bitfield.fromBase64(bobPeer!.bitfield, 7).indices()).toEqual([0, 5]);

    expect(await alice.ok('update_pieces', { ...key, bitfield: bitfield(7, [1, 2, 3, 4, 5, 6]), replace: true })).toEqual({ count: 6, complete: false });
    expect((await carol.ok('list_files', { groupId: 'lab' })).files[0]).toMatchObject({ seeders: 0, partialPeers: 2, available: true });
    expect(await bob.fails('update_pieces', { ...key, have: [1], replace: true })).toBe('ERR_BAD_MESSAGE');
  });
});
