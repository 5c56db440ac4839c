import { MAX_HAVE_BATCH, MAX_PIECES, MAX_REQUEST_BYTES, MAX_REQUEST_DEPTH } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';
import { requestShapeProblem } from './frame-guard.js';

const shape = (text: string) => requestShapeProblem(Buffer.from(text));

describe('requestShapeProblem', () => {
  it('passes every shape a request has, the largest included', () => {
    expect(shape('{"id":1,"type":"ping"}')).toBeUndefined();
    const have = Array.from({ length: MAX_HAVE_BATCH }, (_, i) => i);
    expect(shape(JSON.stringify({ id: 1, type: 'update_pieces', groupId: 'lab', infoHash: 'a'.repeat(40), have }))).toBeUndefined();
    const share = JSON.stringify({ id: 1, type: 'share_file', groupId: 'lab', name: 'x', size: 1, sha1: 'a'.repeat(40), pieceLength: 262144, pieces: 'a'.repeat(MAX_PIECES * 40) });
    expect(share.length).toBeLessThan(MAX_REQUEST_BYTES);
    expect(shape(share)).toBeUndefined();
  });

  it('refuses nesting deeper than any request, however it is spelled', () => {
    expect(shape('['.repeat(8_000_000))).toMatch(/nested deeper than 4 levels/);
    expect(shape(`{"id":1,"type":"create_group","groupId":${'{"a":'.repeat(MAX_REQUEST_DEPTH)}1${'}'.repeat(MAX_REQUEST_DEPTH)}}`)).toMatch(/nested deeper/);
    expect(shape(`{"a":[[[1]]]}`)).toBeUndefined(); // 4 levels: allowed
  });

  it('refuses more values than any request holds', () => {
    expect(shape(`[${'0,'.repeat(MAX_HAVE_BATCH + 300)}0]`)).toMatch(/more than \d+ values/);
  });

  it('does not count brackets, braces or commas inside strings, escaped quotes included', () => {
    expect(shape(JSON.stringify({ id: 1, type: 'x', s: '[[[[[[{{{{,,,,"\\"[[[[[[' }))).toBeUndefined();
    expect(shape(JSON.stringify({ s: `${'\\'.repeat(5)}"[[[[[[[[` }))).toBeUndefined();
    expect(shape(`{"s":"a\\\\"${'['.repeat(5)}`)).toMatch(/nested deeper/); // the string ended before the brackets
  });

  it('leaves malformed JSON to the parser', () => {
    expect(shape('{"id":1,"type":"ping')).toBeUndefined();
  });
});
