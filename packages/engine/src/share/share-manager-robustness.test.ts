// Failure paths that need no tracker logic: a stub link that accepts every share is enough.
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FileSummary } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ShareManager } from './share-manager.js';
import type { TrackerRequester } from './types.js';

const acceptAll = {
  request: async (type: string) =>
    type === 'share_file' ? { file: {} as FileSummary, alreadyShared: false } : { withdrawn: true },
} as unknown as TrackerRequester;

let dir: string;
let dataDir: string;
let m: ShareManager;
beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'gs-share-r-'));
  dataDir = join(dir, 'data');
  m = new ShareManager({ link: acceptAll, dataDir, userId: 'alice' });
});
afterEach(async () => {
  await m.stop();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function file(name: string): Promise<string> {
  const path = join(dir, name);
  await fsp.writeFile(path, 'some bytes');
  return path;
}

describe('ShareManager robustness', () => {
  it('ignores a garbled library file: empty library, event, file moved aside, no crash', async () => {
    await fsp.mkdir(dataDir, { recursive: true });
    await fsp.writeFile(join(dataDir, 'shares-alice.json'), '{"format": "groupshare-shares/1", "shar');
    const problems: string[] = [];
    m.on('libraryProblem', (p) => problems.push(p.reason));
    expect(await m.resumeAll()).toEqual({ resumed: [], failed: [] });
    expect(problems).toEqual([expect.stringContaining('not valid JSON')]);
    expect(await fsp.readFile(join(dataDir, 'shares-alice.json.corrupt'), 'utf8')).toContain('shar');
    await m.share(await file('a.bin'), 'team');
    const saved = JSON.parse(await fsp.readFile(join(dataDir, 'shares-alice.json'), 'utf8')) as { shares: unknown[] };
    expect(saved.shares).toHaveLength(1);
  });

  it('stops serving a file modified while shared when rechecked', async () => {
    const path = await file('a.bin');
    const shared = await m.share(path, 'team');
    await fsp.appendFile(path, 'more');
    const lost: unknown[] = [];
    m.on('unavailable', (f) => lost.push(f));
    expect(await m.recheck()).toMatchObject([{ name: 'a.bin', reason: 'changed' }]);
    expect(lost).toHaveLength(1);
    expect(m.source(shared.infoHash)).toBeUndefined();
  });

  it('is not broken by a listener that throws; the error goes to error listeners', async () => {
    const errors: unknown[] = [];
    m.on('error', (err) => errors.push(err));
    m.on('hashing', () => {
      throw new Error('bad listener');
    });
    const shared = await m.share(await file('a.bin'), 'team');
    expect(shared.alreadyShared).toBe(false);
    expect(errors).toEqual([expect.objectContaining({ message: 'bad listener' })]);
  });

  it('needs a user before sharing and refuses a bad user id', async () => {
    const anonymous = new ShareManager({ link: acceptAll, dataDir });
    await expect(anonymous.share(join(dir, 'x'), 'team')).rejects.toMatchObject({ code: 'ERR_SHARE_NO_USER' });
    await expect(anonymous.resumeAll('../etc')).rejects.toMatchObject({ code: 'ERR_SHARE_BAD_USER_ID' });
    expect(() => new ShareManager({ link: acceptAll, dataDir, userId: 'a/b' })).toThrow(expect.objectContaining({ code: 'ERR_SHARE_BAD_USER_ID' }));
  });

  it('refuses everything after stop', async () => {
    await m.stop();
    await expect(m.share(await file('a.bin'), 'team')).rejects.toMatchObject({ code: 'ERR_SHARE_MANAGER_STOPPED' });
    await expect(m.resumeAll()).rejects.toMatchObject({ code: 'ERR_SHARE_MANAGER_STOPPED' });
  });
});
