import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Bitfield, hashPieces, sha1 } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { MAX_STATE_BYTES, decodeState, encodeState, readStateFile, writeStateFile, type DownloadIdentity } from './resume-state.js';

const data = randomBytes(100_000);
const id: DownloadIdentity = { sha1: sha1(data).toString('hex'), size: data.length, pieceLength: 16384, pieces: hashPieces(data, 16384) };
const have = new Bitfield(7);
have.set(0);
have.set(5);

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'gs-state-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('resume state', () => {
  it('round-trips the verified pieces', () => {
    const decoded = decodeState(encodeState(id, have), id);
    expect(decoded.ok && decoded.have.indices()).toEqual([0, 5]);
  });

  it('rejects, without throwing, anything garbled or foreign', () => {
    const text = encodeState(id, have);
    const cases: [string, string][] = [
      ['', 'not valid JSON'],
      ['null', 'not an object'],
      [text.replace('groupshare-resume/1', 'groupshare-resume/9'), 'unknown format'],
      [text.replace(/"size":\d+/, '"size":1'), 'checksum'],
      [text.replace(/"checksum":"[0-9a-f]+"/, '"checksum":"00"'), 'checksum'],
    ];
    for (const [input, reason] of cases) {
      const decoded = decodeState(input, id);
      expect(decoded.ok).toBe(false);
      expect(!decoded.ok && decoded.reason).toContain(reason);
    }
    const otherPieces = { ...id, pieces: Buffer.alloc(id.pieces.length) };
    expect(decodeState(text, otherPieces)).toEqual({ ok: false, reason: 'state file belongs to a different file' });
  });

  it('writes atomically, leaving no temporary file, and reads back', async () => {
    const path = join(dir, '.f.groupshare-state.json');
    await writeStateFile(dir, path, 'one');
    await writeStateFile(dir, path, 'two');
    expect(await readStateFile(path)).toBe('two');
    expect(await fsp.readdir(dir)).toEqual(['.f.groupshare-state.json']);
    expect(await readStateFile(join(dir, 'missing'))).toBeUndefined();
  });

  it('reads an oversized state file as garbage instead of loading it', async () => {
    const path = join(dir, 'big');
    await fsp.writeFile(path, Buffer.alloc(MAX_STATE_BYTES + 1, 0x20));
    expect(await readStateFile(path)).toBe('');
  });
});
