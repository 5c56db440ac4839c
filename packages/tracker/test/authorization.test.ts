// Every request type's authorization, table-driven so a new request type must be listed here.
import { REQUEST_TYPES, type RequestType } from '@groupshare/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WsClient } from '../src/testing/index.js';
import { loggedIn, shareFields, startTestTracker, testBytes, type TestTracker } from './helpers.js';

const DATA = testBytes(40_000, 9);
const FILE = shareFields('lab', 'f.bin', DATA);
let infoHash = '';

/** A valid example of every request about group `lab` (or any group, for the first ones). */
function example(type: RequestType): Record<string, unknown> {
  const examples: Record<RequestType, Record<string, unknown>> = {
    ping: {},
    register: { userId: 'newcomer', password: 'newcomer-password' },
    login: { userId: 'alice', password: 'alice-secret-pw' },
    resume: { token: 'A'.repeat(43) },
    logout: {},
    create_group: { groupId: 'another' },
    list_groups: {},
    join_group: { groupId: 'lab' },
    leave_group: { groupId: 'lab' },
    list_requests: { groupId: 'lab' },
    accept_request: { groupId: 'lab', userId: 'bob' },
    reject_request: { groupId: 'lab', userId: 'bob' },
    list_members: { groupId: 'lab' },
    share_file: FILE,
    share_files: { groupId: 'lab', files: [FILE] },
    list_files: { groupId: 'lab' },
    get_file: { groupId: 'lab', name: 'f.bin' },
    file_info: { groupId: 'lab', name: 'f.bin' },
    get_peers: { groupId: 'lab', infoHash },
    update_pieces: { groupId: 'lab', infoHash, have: [0] },
    stop_share: { groupId: 'lab', name: 'f.bin' },
    lan_credentials: { memberKey: `${'A'.repeat(43)}=` },
  };
  return examples[type];
}

/** What a logged-in user who is not a member of `lab` gets for each request. */
const OUTSIDER: Record<RequestType, string> = {
  ping: 'ok',
  register: 'ok',
  login: 'ERR_ALREADY_LOGGED_IN',
  resume: 'ERR_ALREADY_LOGGED_IN',
  logout: 'ok',
  create_group: 'ok',
  list_groups: 'ok',
  join_group: 'ok', // asking to join is what outsiders do
  leave_group: 'ERR_NOT_MEMBER',
  list_requests: 'ERR_NOT_GROUP_OWNER',
  accept_request: 'ERR_NOT_GROUP_OWNER',
  reject_request: 'ERR_NOT_GROUP_OWNER',
  list_members: 'ERR_NOT_MEMBER',
  share_file: 'ERR_NOT_MEMBER',
  share_files: 'ERR_NOT_MEMBER',
  list_files: 'ERR_NOT_MEMBER',
  get_file: 'ERR_NOT_MEMBER',
  file_info: 'ERR_NOT_MEMBER',
  get_peers: 'ERR_NOT_MEMBER',
  update_pieces: 'ERR_NOT_MEMBER',
  stop_share: 'ERR_NOT_MEMBER',
  lan_credentials: 'ok', // answers only the caller's own groups (lan-credentials.test.ts)
};

/** What a member who does not own `lab` gets for the owner's requests. */
const MEMBER_NOT_OWNER: Partial<Record<RequestType, string>> = {
  list_requests: 'ERR_NOT_GROUP_OWNER',
  accept_request: 'ERR_NOT_GROUP_OWNER',
  reject_request: 'ERR_NOT_GROUP_OWNER',
};

let t: TestTracker;
let alice: WsClient;
let bob: WsClient;

beforeAll(async () => {
  t = await startTestTracker();
  alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
  bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
  await alice.ok('create_group', { groupId: 'lab' });
  await bob.ok('join_group', { groupId: 'lab' });
  await alice.ok('accept_request', { groupId: 'lab', userId: 'bob' });
  infoHash = (await alice.ok('share_file', FILE)).file.infoHash;
});
afterAll(async () => t?.stop());

describe('authorization of every request type', () => {
  it('before login, only ping, register, login and resume are answered', async () => {
    const anon = await t.connect();
    const open = new Set<RequestType>(['ping', 'register', 'login', 'resume']);
    for (const type of REQUEST_TYPES.filter((ty) => !open.has(ty))) {
      expect(await anon.fails(type, example(type) as never), type).toBe('ERR_NOT_LOGGED_IN');
    }
  });

  it('a logged-in outsider gets the documented refusal, and nothing about lab changes', async () => {
    expect(Object.keys(OUTSIDER).sort()).toEqual([...REQUEST_TYPES].sort());
    const before = JSON.stringify([await alice.ok('list_members', { groupId: 'lab' }), await alice.ok('list_files', { groupId: 'lab' })]);
    for (const type of REQUEST_TYPES) {
      if (type === 'logout') continue; // would end the session the rest of the loop needs
      const eve = await loggedIn(t, `eve-${type.replace('_', '-')}`, '127.0.0.1:6666');
      const reply = await eve.request(type, example(type) as never);
      expect(reply.ok ? 'ok' : reply.error.code, type).toBe(OUTSIDER[type]);
      eve.close();
    }
    const after = JSON.stringify([await alice.ok('list_members', { groupId: 'lab' }), await alice.ok('list_files', { groupId: 'lab' })]);
    expect(after).toBe(before);
  });

  it('a member who is not the owner cannot manage requests', async () => {
    for (const [type, code] of Object.entries(MEMBER_NOT_OWNER)) {
      expect(await bob.fails(type as RequestType, example(type as RequestType) as never), type).toBe(code);
    }
  });

  it('requests about a group that does not exist say so', async () => {
    for (const type of ['join_group', 'leave_group', 'list_requests', 'accept_request', 'reject_request', 'list_members', 'share_file', 'list_files', 'get_file', 'file_info', 'get_peers', 'update_pieces', 'stop_share'] as const) {
      const fields = { ...example(type), groupId: 'no-such-group' };
      expect(await bob.fails(type, fields as never), type).toBe('ERR_NO_SUCH_GROUP');
    }
  });
});
