import { describe, expect, it } from 'vitest';
import { parseFrame, parseResult } from './frames.js';

describe('parseFrame', () => {
  it('reads replies and pushes', () => {
    expect(parseFrame('{"id":3,"ok":true,"result":{"groupId":"lab"}}')).toEqual({ kind: 'success', id: 3, result: { groupId: 'lab' } });
    expect(parseFrame('{"id":4,"ok":false,"error":{"code":"ERR_BUSY","message":"later","retryAfterMs":1000}}')).toEqual({
      kind: 'failure',
      id: 4,
      error: { code: 'ERR_BUSY', message: 'later', retryAfterMs: 1000 },
    });
    expect(parseFrame('{"id":null,"ok":false,"error":{"code":"ERR_BAD_MESSAGE","message":"not JSON"}}')).toMatchObject({ kind: 'failure', id: null });
    expect(parseFrame('{"push":"request_accepted","data":{"groupId":"lab"}}')).toEqual({
      kind: 'push',
      push: { push: 'request_accepted', data: { groupId: 'lab' } },
    });
  });

  it('turns anything else into invalid or badReply, never an exception', () => {
    const kinds = [null, '', 'nope', '42', '[]', 'null', '{}', '{"id":-1,"ok":true,"result":1}', '{"push":"x","data":{}}', '{"push":"request_accepted","data":{}}', '{"id":1,"ok":"yes"}'].map(
      (t) => parseFrame(t).kind,
    );
    expect(new Set(kinds)).toEqual(new Set(['invalid']));
    // Recognisably the answer to request 5, so that request can fail at once.
    expect(parseFrame('{"id":5,"ok":false,"error":{"code":"ERR_FROM_THE_FUTURE","message":"?"}}')).toMatchObject({ kind: 'badReply', id: 5 });
    expect(parseFrame('{"id":6,"ok":true}')).toMatchObject({ kind: 'badReply', id: 6 });
  });
});

describe('parseResult', () => {
  it('checks a result against its request type', () => {
    expect(parseResult('create_group', { groupId: 'lab' })).toEqual({ ok: true, result: { groupId: 'lab' } });
    expect(parseResult('create_group', { group: 'lab' })).toMatchObject({ ok: false, reason: expect.stringMatching(/^create_group result: groupId/) });
  });
});
