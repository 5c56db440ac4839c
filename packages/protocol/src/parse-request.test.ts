import { describe, expect, it } from 'vitest';

import { REQUEST_TYPES, type RequestType } from './messages.js';
import { MAX_PIECES } from './pieces.js';
import { parseRequest, type ParsedRequest } from './parse-request.js';

const HEX40 = '0123456789abcdef0123456789abcdef01234567';
const TOKEN = 'A'.repeat(40) + '_-9';

/** One valid request per type (without `id`/`type`). Every RequestType needs one. */
const VALID: Record<RequestType, Record<string, unknown>> = {
  ping: {},
  register: { userId: 'alice', password: 'correct horse' },
  login: { userId: 'alice', password: 'x', peerAddress: '10.0.0.2:6881' },
  resume: { token: TOKEN },
  logout: {},
  create_group: { groupId: 'team' },
  list_groups: {},
  join_group: { groupId: 'team' },
  leave_group: { groupId: 'team' },
  list_requests: { groupId: 'team' },
  accept_request: { groupId: 'team', userId: 'bob' },
  reject_request: { groupId: 'team', userId: 'bob' },
  list_members: { groupId: 'team' },
  share_file: { groupId: 'team', name: 'a.txt', size: 1000, sha1: HEX40, pieceLength: 262144, pieces: HEX40 },
  share_files: { groupId: 'team', files: [{ name: 'a.txt', size: 1000, sha1: HEX40, pieceLength: 262144, pieces: HEX40 }] },
  list_files: { groupId: 'team' },
  get_file: { groupId: 'team', name: 'a.txt' },
  file_info: { groupId: 'team', name: 'a.txt' },
  get_peers: { groupId: 'team', infoHash: HEX40 },
  update_pieces: { groupId: 'team', infoHash: HEX40, have: [0, 1, 2] },
  stop_share: { groupId: 'team', name: 'a.txt' },
  lan_credentials: { memberKey: Buffer.alloc(32, 9).toString('base64') },
};

function parse(message: unknown): ParsedRequest {
  return parseRequest(typeof message === 'string' ? message : JSON.stringify(message));
}

/** The error of a refused message, failing the test if it was accepted. */
function refused(message: unknown): { id: number | null; code: string; message: string } {
  const result = parse(message);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.request)}`);
  return { id: result.id, code: result.error.code, message: result.error.message };
}

/** The request of an accepted message, failing the test if it was refused. */
function accepted(message: unknown): Record<string, unknown> {
  const result = parse(message);
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.request as Record<string, unknown>;
}

// Framing: anything that is not a JSON object with a usable id is refused with id null.
describe('parseRequest: message shape and id', () => {
  it('refuses text that is not JSON', () => {
    for (const text of ['', 'ping', '{id:1}', '{"id":1,', "{'id':1}"]) {
      expect(refused(text), text).toEqual({ id: null, code: 'ERR_BAD_MESSAGE', message: 'message is not valid JSON' });
    }
  });

  it('refuses JSON that is not an object', () => {
    for (const text of ['[]', '[{"id":1,"type":"ping"}]', '42', 'null', '"ping"', 'true']) {
      expect(refused(text), text).toEqual({ id: null, code: 'ERR_BAD_MESSAGE', message: 'message must be a JSON object' });
    }
  });

  it('refuses a missing, negative, fractional, string or unsafe id', () => {
    for (const id of [undefined, -1, 1.5, '1', null, Number.MAX_SAFE_INTEGER + 1, true]) {
      expect(refused({ id, type: 'ping' }), String(id)).toEqual({
        id: null,
        code: 'ERR_BAD_MESSAGE',
        message: 'id must be a non-negative integer',
      });
    }
    expect(accepted({ id: 0, type: 'ping' })).toEqual({ id: 0, type: 'ping' });
    expect(accepted({ id: Number.MAX_SAFE_INTEGER, type: 'ping' }).id).toBe(Number.MAX_SAFE_INTEGER);
  });
});

// Only the request types in RequestSchemas dispatch; anything else keeps its id for the reply.
describe('parseRequest: type', () => {
  it('refuses an unknown type with ERR_UNKNOWN_TYPE, keeping the id', () => {
    expect(refused({ id: 7, type: 'delete_everything' })).toEqual({
      id: 7,
      code: 'ERR_UNKNOWN_TYPE',
      message: 'unknown message type "delete_everything"',
    });
    expect(refused({ id: 8 })).toMatchObject({ id: 8, code: 'ERR_UNKNOWN_TYPE', message: 'unknown message type undefined' });
    expect(refused({ id: 9, type: 3 })).toMatchObject({ id: 9, code: 'ERR_UNKNOWN_TYPE', message: 'unknown message type number' });
    expect(refused({ id: 10, type: 'PING' })).toMatchObject({ id: 10, code: 'ERR_UNKNOWN_TYPE' });
  });

  it('does not treat Object.prototype members as types', () => {
    for (const type of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(refused({ id: 3, type }), type).toMatchObject({ id: 3, code: 'ERR_UNKNOWN_TYPE' });
    }
  });

  it('quotes at most 40 characters of an unknown type', () => {
    const { message } = refused({ id: 1, type: 'x'.repeat(10_000) });
    expect(message).toBe(`unknown message type "${'x'.repeat(40)}"`);
  });

  it('escapes control and bidi characters in an unknown type it quotes', () => {
    const { message } = refused({ id: 1, type: 'evil\u202etxt.exe\u2066\u001b[2J\u0085' });
    expect(message).toBe('unknown message type "evil\\u202etxt.exe\\u2066\\u001b[2J\\u0085"');
    expect(message).not.toMatch(/[\u0000-\u001f\u0085\u202e\u2066]/);
  });

  it('ignores a "__proto__" key and does not pollute prototypes', () => {
    const request = accepted('{"id":1,"type":"ping","__proto__":{"polluted":true}}');
    expect(request).toEqual({ id: 1, type: 'ping' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

// Every request type has a valid example that parses, so a new type cannot ship untested.
describe('parseRequest: every request type', () => {
  it('has an example for each type in REQUEST_TYPES and none for unknown types', () => {
    expect(Object.keys(VALID).sort()).toEqual([...REQUEST_TYPES].sort());
  });

  it.each(REQUEST_TYPES)('accepts a valid %s', (type) => {
    const example = VALID[type];
    expect(example, `add a valid example for "${type}" to VALID`).toBeDefined();
    const request = accepted({ id: 42, type, ...example });
    expect(request).toEqual({ id: 42, type, ...example });
  });

  it('drops fields a request type does not define', () => {
    expect(accepted({ id: 1, type: 'create_group', groupId: 'g', admin: true })).toEqual({ id: 1, type: 'create_group', groupId: 'g' });
  });
});

// Refusals say which field is wrong (type: path: reason) and keep the request id.
describe('parseRequest: field validation', () => {
  const share = { id: 5, type: 'share_file', ...VALID.share_file };

  it('names the field path in the message', () => {
    expect(refused({ ...share, size: -1 })).toMatchObject({ id: 5, code: 'ERR_BAD_MESSAGE' });
    expect(refused({ ...share, size: -1 }).message).toMatch(/^share_file: size: /);
    expect(refused({ ...share, size: 1.5 }).message).toMatch(/^share_file: size: /);
    expect(refused({ ...share, pieceLength: 1000 }).message).toBe('share_file: pieceLength: is not a valid piece length');
    expect(refused({ ...share, sha1: 'abc' }).message).toBe('share_file: sha1: must be 40 hex digits');
    expect(refused({ ...share, name: 'a/b' }).message).toBe('share_file: name: file name may not contain "/" or "\\"');
    expect(refused({ id: 6, type: 'create_group', groupId: '../x' }).message).toMatch(/^create_group: groupId: group id may only use/);
    expect(refused({ id: 6, type: 'create_group' }).message).toMatch(/^create_group: groupId: /);
    expect(refused({ id: 6, type: 'update_pieces', ...VALID.update_pieces, have: [0, -1] }).message).toMatch(/^update_pieces: have\.1: /);
  });

  it('lists at most three problems', () => {
    const { message } = refused({ id: 1, type: 'share_file' });
    expect(message.split('; ')).toHaveLength(3);
  });

  it('lower-cases user and group ids', () => {
    expect(accepted({ id: 1, type: 'login', userId: 'ALICE', password: 'pw' }).userId).toBe('alice');
    expect(accepted({ id: 1, type: 'accept_request', groupId: 'MyTeam', userId: 'Bob' })).toEqual({
      id: 1,
      type: 'accept_request',
      groupId: 'myteam',
      userId: 'bob',
    });
  });

  it('share_file: pieces must be whole 40-hex digests and are lower-cased, as is sha1', () => {
    const upper = HEX40.toUpperCase();
    const request = accepted({ ...share, sha1: upper, pieces: upper + HEX40 });
    expect(request.sha1).toBe(HEX40);
    expect(request.pieces).toBe(HEX40 + HEX40);
    for (const pieces of [HEX40 + 'a', HEX40.slice(1), 'g'.repeat(40), HEX40 + ' ']) {
      expect(refused({ ...share, pieces }).message, pieces).toBe('share_file: pieces: must be concatenated 40-hex-digit SHA-1 digests');
    }
  });

  it('share_file: accepts the largest piece list (MAX_PIECES digests, 10 MiB) and refuses one more', () => {
    const full = HEX40.toUpperCase().repeat(MAX_PIECES);
    const request = parse({ ...share, size: MAX_PIECES * 262144, pieces: full });
    expect(request.ok).toBe(true);
    expect(request.ok && (request.request as { pieces: string }).pieces).toBe(HEX40.repeat(MAX_PIECES));
    expect(refused({ ...share, pieces: full + HEX40 }).message).toMatch(/^share_file: pieces: /);
  });

  it('update_pieces needs exactly one of have and bitfield', () => {
    const base = { id: 2, type: 'update_pieces', groupId: 'team', infoHash: HEX40 };
    expect(accepted({ ...base, have: [3] }).have).toEqual([3]);
    expect(accepted({ ...base, bitfield: 'gA==' }).bitfield).toBe('gA==');
    const both = refused({ ...base, have: [3], bitfield: 'gA==' });
    expect(both).toEqual({ id: 2, code: 'ERR_BAD_MESSAGE', message: 'update_pieces: give exactly one of "have" and "bitfield"' });
    expect(refused(base).message).toBe('update_pieces: give exactly one of "have" and "bitfield"');
    expect(refused({ ...base, bitfield: 'not base64!' }).message).toBe('update_pieces: bitfield: is not base64');
  });

  it('returns a result, without throwing, for a value nested 10,000 deep', () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const deepArray = '['.repeat(10_000) + ']'.repeat(10_000);
    expect(parseRequest(`{"id":1,"type":"ping","x":${deep}}`)).toEqual({ ok: true, request: { id: 1, type: 'ping' } });
    const asGroup = parseRequest(`{"id":2,"type":"create_group","groupId":${deep}}`);
    expect(asGroup.ok).toBe(false);
    expect(!asGroup.ok && asGroup.error.message).toMatch(/^create_group: groupId: /);
    const asHave = parseRequest(`{"id":3,"type":"update_pieces","groupId":"g","infoHash":"${HEX40}","have":${deepArray}}`);
    expect(!asHave.ok && asHave.error.message).toMatch(/^update_pieces: have\.0: /);
  });

  it('validates peerAddress as host:port', () => {
    const login = { id: 4, type: 'login', userId: 'alice', password: 'pw' };
    expect(accepted({ ...login, peerAddress: '1.2.3.4:6881' }).peerAddress).toBe('1.2.3.4:6881');
    expect(accepted({ ...login, peerAddress: '[::1]:6881' }).peerAddress).toBe('[::1]:6881');
    expect(accepted({ ...login, peerAddress: 'peer.example:6881' }).peerAddress).toBe('peer.example:6881');
    expect(accepted(login).peerAddress).toBeUndefined();
    expect(refused({ ...login, peerAddress: 'host' }).message).toBe('login: peerAddress: "host" is not host:port');
    expect(refused({ ...login, peerAddress: 'host:70000' }).message).toBe(
      'login: peerAddress: "host:70000": port must be a decimal number from 1 to 65535',
    );
    expect(refused({ ...login, peerAddress: '::1:6881' }).message).toMatch(/^login: peerAddress: .*must be in brackets/);
    expect(refused({ id: 4, type: 'resume', token: TOKEN, peerAddress: 'h:0' }).message).toMatch(/^resume: peerAddress: /);
  });
});

// A refused password is never echoed back (or into logs) in the error message.
describe('parseRequest: password secrecy', () => {
  it('does not echo a too-long, too-short or NUL-containing password', () => {
    const long = 'Tr0ub4dor&3-' + 'x'.repeat(288); // 300 bytes
    const cases: Array<[string, string]> = [
      ['register', long],
      ['register', 'hunter2'],
      ['register', 'secret-pass\u0000word'],
      ['register', 'ü'.repeat(150)], // 150 characters, 300 bytes
      ['login', long],
    ];
    for (const [type, password] of cases) {
      const error = refused({ id: 1, type, userId: 'alice', password });
      expect(error.code).toBe('ERR_BAD_MESSAGE');
      expect(error.message).toMatch(new RegExp(`^${type}: password: `));
      expect(error.message).not.toContain(password);
      expect(error.message).not.toContain(password.slice(0, 6));
    }
  });
});
