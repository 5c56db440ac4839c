// Malformed and hostile messages get an error reply (or, past the size limit, a closed socket);
// the connection stays usable and nothing in the tracker changes.
import { MAX_MESSAGE_BYTES } from '@groupshare/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { loggedIn, startTestTracker, type TestTracker } from './helpers.js';

let t: TestTracker;
afterEach(async () => t?.stop());

describe('malformed messages', () => {
  it('each gets a clear error and the connection keeps working', async () => {
    t = await startTestTracker();
    const c = await loggedIn(t, 'alice');
    const cases: Array<[string, string, RegExp]> = [
      ['{not json', 'ERR_BAD_MESSAGE', /not valid JSON/],
      ['[1,2,3]', 'ERR_BAD_MESSAGE', /JSON object/],
      ['"text"', 'ERR_BAD_MESSAGE', /JSON object/],
      ['null', 'ERR_BAD_MESSAGE', /JSON object/],
      ['{"type":"ping"}', 'ERR_BAD_MESSAGE', /id/],
      ['{"id":-1,"type":"ping"}', 'ERR_BAD_MESSAGE', /id/],
      ['{"id":1.5,"type":"ping"}', 'ERR_BAD_MESSAGE', /id/],
    ];
    for (const [text, code, message] of cases) {
      const reply = await c.sendText(text);
      expect(reply, text).toMatchObject({ ok: false, id: null, error: { code } });
      expect(!reply.ok && reply.error.message, text).toMatch(message);
    }
    const unknown = await c.sendRaw({ id: 41, type: 'drop_tables' });
    expect(unknown).toMatchObject({ id: 41, ok: false, error: { code: 'ERR_UNKNOWN_TYPE' } });
    const proto = await c.sendRaw({ id: 42, type: '__proto__' });
    expect(proto).toMatchObject({ id: 42, ok: false, error: { code: 'ERR_UNKNOWN_TYPE' } });
    const wrongField = await c.sendRaw({ id: 43, type: 'create_group', groupId: 7 });
    expect(wrongField).toMatchObject({ id: 43, ok: false, error: { code: 'ERR_BAD_MESSAGE' } });
    expect(!wrongField.ok && wrongField.error.message).toMatch(/create_group: groupId/);
    const binary = await c.sendText(Buffer.from([0, 1, 2, 255]), true);
    expect(binary).toMatchObject({ ok: false, error: { code: 'ERR_BAD_MESSAGE' } });

    let deep = '1';
    for (let i = 0; i < 10_000; i++) deep = `{"a":${deep}}`;
    // Refused by a byte scan before it is parsed (so without its id): no request nests that deep.
    const nested = await c.sendText(`{"id":44,"type":"create_group","groupId":${deep}}`);
    expect(nested).toMatchObject({ id: null, ok: false, error: { code: 'ERR_BAD_MESSAGE', message: expect.stringMatching(/nested deeper/) } });

    // Still logged in and working after all of that.
    expect(await c.ok('create_group', { groupId: 'still-here' })).toEqual({ groupId: 'still-here' });
    expect((await t.tracker.status()).groups).toBe(1);
  });

  it('a frame over the size limit closes the socket with 1009, and the tracker keeps serving others', async () => {
    t = await startTestTracker();
    const big = await t.connect();
    const other = await loggedIn(t, 'bob');
    big.socket.send(`{"id":1,"type":"ping","pad":"${'x'.repeat(MAX_MESSAGE_BYTES)}"}`);
    expect(await big.waitForClose(10_000)).toBe(1009);
    expect(await other.ok('ping')).toHaveProperty('now');
  });

  it('a share_file for a 64 GiB file (the largest piece list) fits within the limit', async () => {
    t = await startTestTracker();
    const alice = await loggedIn(t, 'alice');
    await alice.ok('create_group', { groupId: 'big' });
    const size = 64 * 2 ** 30;
    const pieceLength = 256 * 1024;
    const pieces = 'ab'.repeat(20 * (size / pieceLength));
    const { file } = await alice.ok('share_file', { groupId: 'big', name: 'disk.img', size, sha1: 'c'.repeat(40), pieceLength, pieces });
    expect(file).toMatchObject({ size, pieceCount: 262_144, seeders: 1 });
  });
});
