// Shared files over a real WebSocket: identity, seeders, piece maps, availability, withdrawal.
import { Bitfield, infoHash, ticketPublicKey, verifyTicket } from '@groupshare/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { groupWith, loggedIn, shareFields, startTestTracker, testBytes, type TestTracker } from './helpers.js';

let t: TestTracker;
afterEach(async () => t?.stop());

const DATA = testBytes(100_000, 1); // 7 pieces of 16 KiB, the last one short

describe('sharing', () => {
  it('registers a file under its BitTorrent v1 info-hash and lists it for members', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
    await groupWith('lab', alice, [[bob, 'bob']]);
    const fields = shareFields('lab', 'data.bin', DATA);
    const { file, alreadyShared } = await alice.ok('share_file', fields);
    const expected = infoHash({ name: 'data.bin', length: DATA.length, pieceLength: 16384, pieces: Buffer.from(fields.pieces, 'hex') });
    expect(file).toMatchObject({ name: 'data.bin', infoHash: expected, size: 100_000, sha1: fields.sha1, pieceCount: 7, seeders: 1, available: true, sharedBy: 'alice' });
    expect(alreadyShared).toBe(false);
    expect((await bob.waitForPush('file_shared')).data).toEqual({ groupId: 'lab', name: 'data.bin', infoHash: expected, size: 100_000, sharedBy: 'alice' });
    const listed = (await bob.ok('list_files', { groupId: 'lab' })).files;
    expect(listed.map((f: { name: string; seeders: number }) => [f.name, f.seeders])).toEqual([['data.bin', 1]]);
    const detail = (await bob.ok('get_file', { groupId: 'lab', name: 'data.bin' })).file;
    expect(detail.pieces).toBe(fields.pieces);
    // Sharing the same file again changes nothing.
    expect((await alice.ok('share_file', fields)).alreadyShared).toBe(true);
    expect(await t.services().store.prisma.share.count()).toBe(1);
  });

  it('a second member with the same content becomes another seeder; different content under the name is refused', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
    await groupWith('lab', alice, [[bob, 'bob']]);
    await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));
    const second = await bob.ok('share_file', shareFields('lab', 'data.bin', DATA));
    expect(second.file.seeders).toBe(2);
    const other = testBytes(100_000, 2);
    const reply = await bob.request('share_file', shareFields('lab', 'data.bin', other));
    expect(reply).toMatchObject({ ok: false, error: { code: 'ERR_FILE_NAME_TAKEN' } });
    expect(!reply.ok && reply.error.message).toContain('data.bin');
    // Same content under another name is another file (the name is part of the info-hash).
    await bob.ok('share_file', shareFields('lab', 'copy.bin', DATA));
    expect((await alice.ok('list_files', { groupId: 'lab' })).files.map((f: { name: string }) => f.name)).toEqual(['copy.bin', 'data.bin']);
  });

  it('refuses inconsistent metadata, bad names, non-members and clients without a peer address', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const eve = await loggedIn(t, 'eve', '127.0.0.1:6666');
    await alice.ok('create_group', { groupId: 'lab' });
    const fields = shareFields('lab', 'data.bin', DATA);
    expect(await alice.fails('share_file', { ...fields, size: 200_000 })).toBe('ERR_BAD_FILE_INFO');
    expect(await alice.fails('share_file', { ...fields, pieces: fields.pieces.slice(40) })).toBe('ERR_BAD_FILE_INFO');
    expect(await alice.fails('share_file', { ...fields, pieceLength: 1000 })).toBe('ERR_BAD_MESSAGE');
    for (const name of ['../passwd', 'a/b', 'a\\b', '..', '.', 'x\u001b[2Jy', 'evil\u202etxt.exe', 'n'.repeat(256), ' lead', '']) {
      expect(await alice.fails('share_file', { ...fields, name })).toBe('ERR_BAD_MESSAGE');
    }
    expect(await eve.fails('share_file', fields)).toBe('ERR_NOT_MEMBER');
    const noPeer = await t.connect();
    await noPeer.ok('register', { userId: 'web', password: 'web-password' });
    await noPeer.ok('login', { userId: 'web', password: 'web-password' });
    expect(await noPeer.fails('share_file', fields)).toBe('ERR_NO_PEER_ADDRESS');
    expect(await t.services().store.prisma.sharedFile.count()).toBe(0);
  });

  it('a non-member learns nothing about which files exist', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const eve = await loggedIn(t, 'eve', '127.0.0.1:6666');
    await alice.ok('create_group', { groupId: 'lab' });
    const { file } = await alice.ok('share_file', shareFields('lab', 'secret.bin', DATA));
    const existing = await eve.request('get_file', { groupId: 'lab', name: 'secret.bin' });
    const missing = await eve.request('get_file', { groupId: 'lab', name: 'nothing.bin' });
    expect(existing).toMatchObject({ ok: false, error: { code: 'ERR_NOT_MEMBER' } });
    expect(!existing.ok && existing.error).toEqual(!missing.ok && missing.error);
    expect(await eve.fails('get_peers', { groupId: 'lab', infoHash: file.infoHash })).toBe('ERR_NOT_MEMBER');
    expect(await eve.fails('get_peers', { groupId: 'lab', infoHash: 'f'.repeat(40) })).toBe('ERR_NOT_MEMBER');
    expect(await eve.fails('list_files', { groupId: 'lab' })).toBe('ERR_NOT_MEMBER');
    expect(await eve.fails('stop_share', { groupId: 'lab', name: 'secret.bin' })).toBe('ERR_NOT_MEMBER');
    expect(await eve.fails('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [0] })).toBe('ERR_NOT_MEMBER');
    expect(await alice.fails('get_file', { groupId: 'lab', name: 'nothing.bin' })).toBe('ERR_NO_SUCH_FILE');
  });
});

describe('peers and piece maps', () => {
  it('downloaders report pieces in batches; peers and availability follow who is online', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
    const carol = await loggedIn(t, 'carol', '0.0.0.0:6003'); // wildcard: the tracker fills in the address it sees
    await groupWith('lab', alice, [[bob, 'bob'], [carol, 'carol']]);
    const { file } = await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));

    // Pieces are taken only from a member that shares or downloads the file: a download registers first.
    expect(await bob.fails('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [0, 1, 2] })).toBe('ERR_NOT_SHARING');
    expect(await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [] })).toEqual({ count: 0, complete: false });
    expect(await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [0, 1, 2] })).toEqual({ count: 3, complete: false });
    expect(await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [2, 3] })).toEqual({ count: 4, complete: false });
    expect(await bob.fails('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [7] })).toBe('ERR_BAD_MESSAGE');
    const bits = new Bitfield(7);
    bits.set(6);
    await carol.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [] });
    expect(await carol.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, bitfield: bits.toBase64() })).toEqual({ count: 1, complete: false });
    expect(await carol.fails('update_pieces', { groupId: 'lab', infoHash: file.infoHash, bitfield: Buffer.from([0xff]).toString('base64') })).toBe('ERR_BAD_MESSAGE');

    const peers = (await carol.ok('get_peers', { groupId: 'lab', infoHash: file.infoHash })).peers;
    const byUser = Object.fromEntries(peers.map((p) => [p.userId, p]));
    expect(Object.keys(byUser).sort()).toEqual(['alice', 'bob']); // not carol herself
    expect(byUser.alice).toMatchObject({ address: '127.0.0.1:6001', complete: true });
    expect(Bitfield.fromBase64(byUser.bob!.bitfield, 7).indices()).toEqual([0, 1, 2, 3]);
    const carolPeer = (await alice.ok('get_peers', { groupId: 'lab', infoHash: file.infoHash })).peers.find((p) => p.userId === 'carol');
    expect(carolPeer!.address).toBe('127.0.0.1:6003');

    // Alice logs out: her share goes offline, and pieces 4 and 5 are on no online peer.
    await alice.ok('logout');
    let listed = (await bob.ok('list_files', { groupId: 'lab' })).files[0];
    expect(listed).toMatchObject({ seeders: 0, partialPeers: 2, available: false });
    await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [4, 5] });
    listed = (await bob.ok('list_files', { groupId: 'lab' })).files[0];
    expect(listed).toMatchObject({ seeders: 0, partialPeers: 2, available: true });
    await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [6] });
    listed = (await carol.ok('list_files', { groupId: 'lab' })).files[0];
    expect(listed).toMatchObject({ seeders: 1, partialPeers: 1, available: true });

    // Alice logs in again from the same peer address: her share is offered again once her client
    // says it still serves the file, not on the strength of her old share.
    await alice.ok('login', { userId: 'alice', password: 'alice-secret-pw', peerAddress: '127.0.0.1:6001' });
    listed = (await carol.ok('list_files', { groupId: 'lab' })).files[0];
    expect(listed).toMatchObject({ seeders: 1, partialPeers: 1 });
    await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));
    listed = (await carol.ok('list_files', { groupId: 'lab' })).files[0];
    expect(listed).toMatchObject({ seeders: 2, partialPeers: 1 });
    // A dropped connection takes the peer offline too.
    bob.close();
    await new Promise((r) => setTimeout(r, 100));
    listed = (await carol.ok('list_files', { groupId: 'lab' })).files[0];
    expect(listed).toMatchObject({ seeders: 1, partialPeers: 1 });
  });

  it('a downloader with no pieces is listed by get_peers but not counted as a holder; an empty file is available only while someone shares it', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
    await groupWith('lab', alice, [[bob, 'bob']]);
    const { file } = await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));
    expect(await bob.ok('update_pieces', { groupId: 'lab', infoHash: file.infoHash, have: [] })).toEqual({ count: 0, complete: false });
    const { peers } = await alice.ok('get_peers', { groupId: 'lab', infoHash: file.infoHash });
    expect(peers).toEqual([{ userId: 'bob', address: '127.0.0.1:6002', bitfield: expect.any(String), complete: false }]);
    expect(Buffer.from(peers[0]!.bitfield, 'base64').every((b: number) => b === 0)).toBe(true);
    expect((await alice.ok('list_files', { groupId: 'lab' })).files[0]).toMatchObject({ seeders: 1, partialPeers: 0, available: true });

    const empty = await alice.ok('share_file', shareFields('lab', 'empty.txt', Buffer.alloc(0)));
    expect(empty.file).toMatchObject({ size: 0, pieceCount: 0, seeders: 1, available: true });
    await alice.ok('logout');
    const listed = (await bob.ok('list_files', { groupId: 'lab' })).files.find((f: { name: string }) => f.name === 'empty.txt');
    expect(listed).toMatchObject({ seeders: 0, available: false });
  });

  it('get_peers hands out a short-lived ticket for that file that verifies with the key from login', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const bob = await t.connect();
    await bob.ok('register', { userId: 'bob', password: 'bob-secret-pw' });
    const { ticketKey } = await bob.ok('login', { userId: 'bob', password: 'bob-secret-pw', peerAddress: '127.0.0.1:6002' });
    await groupWith('lab', alice, [[bob, 'bob']]);
    const { file } = await alice.ok('share_file', shareFields('lab', 'data.bin', DATA));
    const { ticket, ticketExpiresAt } = await bob.ok('get_peers', { groupId: 'lab', infoHash: file.infoHash });
    const key = ticketPublicKey(ticketKey);
    const check = verifyTicket(ticket, key, { groupId: 'lab', infoHash: file.infoHash, nowMs: Date.now() });
    expect(check).toMatchObject({ ok: true, payload: { u: 'bob', g: 'lab', h: file.infoHash } });
    expect(Date.parse(ticketExpiresAt) - Date.now()).toBeLessThanOrEqual(10 * 60 * 1000);
    expect(verifyTicket(ticket, key, { groupId: 'lab', infoHash: file.infoHash, nowMs: Date.parse(ticketExpiresAt) + 1 }).ok).toBe(false);
    // The key survives a restart (a lone tracker keeps it in its data directory).
    await t.tracker.stop();
    const again = await startTestTracker({ dataDir: t.dataDir });
    const c = await again.connect();
    expect((await c.ok('login', { userId: 'bob', password: 'bob-secret-pw' })).ticketKey).toBe(ticketKey);
    await again.stop();
  });

  it('stop_share withdraws a file when its last peer stops; leaving a group stops your shares there', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
    await groupWith('lab', alice, [[bob, 'bob']]);
    await alice.ok('share_file', shareFields('lab', 'a.bin', DATA));
    await bob.ok('share_file', shareFields('lab', 'a.bin', DATA));
    await bob.ok('share_file', shareFields('lab', 'b.bin', testBytes(5_000, 3)));
    expect(await alice.ok('stop_share', { groupId: 'lab', name: 'a.bin' })).toEqual({ withdrawn: false });
    expect(await alice.fails('stop_share', { groupId: 'lab', name: 'a.bin' })).toBe('ERR_NO_SUCH_FILE');
    expect(await alice.fails('stop_share', { groupId: 'lab', name: 'zzz.bin' })).toBe('ERR_NO_SUCH_FILE');
    expect((await alice.ok('list_files', { groupId: 'lab' })).files.map((f: { name: string }) => f.name)).toEqual(['a.bin', 'b.bin']);

    await bob.ok('leave_group', { groupId: 'lab' });
    const withdrawn = await alice.waitForPush('file_withdrawn', (d) => d.name === 'b.bin');
    expect(withdrawn.data.groupId).toBe('lab');
    await alice.waitForPush('file_withdrawn', (d) => d.name === 'a.bin');
    expect((await alice.ok('list_files', { groupId: 'lab' })).files).toEqual([]);
  });
});
