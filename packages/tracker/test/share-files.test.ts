// share_files: many share_files of one group in one request, each item checked on its own, and
// replicated like share_file.
import { MAX_SHARE_BATCH } from '@groupshare/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { groupWith, loggedIn, shareFields, startTestTracker, testBytes, type TestTracker } from './helpers.js';
import { eventually, startCluster, type TestCluster } from './cluster-helpers.js';

let t: TestTracker | undefined;
let cluster: TestCluster | undefined;
afterEach(async () => {
  await t?.stop();
  await cluster?.stop();
  t = undefined;
  cluster = undefined;
});

/** share_file's fields without the group, as share_files' items are. */
function item(name: string, seed: number, size = 20_000) {
  const { groupId: _g, ...fields } = shareFields('lab', name, testBytes(size, seed));
  return fields;
}

describe('share_files', () => {
  it('shares every good item and answers each bad one with its own error, in order', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
    await groupWith('lab', alice, [[bob, 'bob']]);
    await alice.ok('share_file', shareFields('lab', 'taken.bin', testBytes(1000, 9)));
    const good = item('a.bin', 1);
    const { results } = await alice.ok('share_files', {
      groupId: 'lab',
      files: [
        good,
        { ...item('bad-info.bin', 2), size: 40_000 }, // pieces for 20,000 bytes
        item('taken.bin', 3), // another content under a name the group has
        { ...item('x.bin', 4), name: '../escape' },
        'not a file',
        item('b.bin', 5),
        item('a.bin', 6), // a.bin again, other content, in the same batch
      ],
    });
    expect(results.map((r: { infoHash?: string; error?: { code: string } }) => (r.infoHash ? 'shared' : r.error?.code))).toEqual([
      'shared',
      'ERR_BAD_FILE_INFO',
      'ERR_FILE_NAME_TAKEN',
      'ERR_BAD_MESSAGE',
      'ERR_BAD_MESSAGE',
      'shared',
      'ERR_FILE_NAME_TAKEN',
    ]);
    const listed = (await bob.ok('list_files', { groupId: 'lab' })).files;
    expect(listed.map((f: { name: string }) => f.name)).toEqual(['a.bin', 'b.bin', 'taken.bin']);
    expect(results[0]).toEqual({ infoHash: listed[0]?.infoHash, alreadyShared: false });
    expect(listed[0]).toMatchObject({ sha1: good.sha1, sharedBy: 'alice', seeders: 1 });
    // Pushed to the members as share_file's are, and idempotent as share_file is.
    for (const name of ['a.bin', 'b.bin']) expect((await bob.waitForPush('file_shared', (d) => d.name === name)).data.sharedBy).toBe('alice');
    const again = await alice.ok('share_files', { groupId: 'lab', files: [good] });
    expect(again.results[0]).toMatchObject({ alreadyShared: true });
    expect(await t.services().store.prisma.share.count()).toBe(3);
  });

  it('refuses a whole request from a non-member, an empty one and one over the batch limit', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
    const eve = await loggedIn(t, 'eve', '127.0.0.1:6666');
    await alice.ok('create_group', { groupId: 'lab' });
    expect(await eve.fails('share_files', { groupId: 'lab', files: [item('a.bin', 1)] })).toBe('ERR_NOT_MEMBER');
    expect(await alice.fails('share_files', { groupId: 'lab', files: [] })).toBe('ERR_BAD_MESSAGE');
    const tooMany = Array.from({ length: MAX_SHARE_BATCH + 1 }, (_, i) => ({ name: `f${i}`, size: 0, sha1: '0'.repeat(40), pieceLength: 16384, pieces: '' }));
    expect(await alice.fails('share_files', { groupId: 'lab', files: tooMany })).toBe('ERR_BAD_MESSAGE');
    expect(await t.services().store.prisma.sharedFile.count()).toBe(0);
  });

  it('replicates: a batch shared on tracker 1 is listed, with its seeder online, on tracker 2', async () => {
    cluster = await startCluster(2);
    const alice = await cluster.connect(1);
    await alice.ok('register', { userId: 'alice', password: 'alice-password' });
    await alice.ok('login', { userId: 'alice', password: 'alice-password', peerAddress: '127.0.0.1:6001' });
    await alice.ok('create_group', { groupId: 'lab' });
    const files = Array.from({ length: 50 }, (_, i) => item(`f${String(i).padStart(2, '0')}.bin`, 100 + i, 1000));
    const { results } = await alice.ok('share_files', { groupId: 'lab', files });
    expect(results.every((r) => 'alreadyShared' in r && !r.alreadyShared)).toBe(true);
    await cluster.converged();
    const reader = await cluster.connect(2);
    await reader.ok('login', { userId: 'alice', password: 'alice-password', peerAddress: '127.0.0.1:6001' });
    await eventually(async () => (await reader.ok('list_files', { groupId: 'lab' })).files.length === 50);
    const listed = (await reader.ok('list_files', { groupId: 'lab' })).files;
    expect(listed.map((f: { name: string }) => f.name)).toEqual(files.map((f) => f.name));
    expect(listed.every((f: { sharedBy: string }) => f.sharedBy === 'alice')).toBe(true);
  });
});
