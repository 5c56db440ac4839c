import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { choosePieceLength } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { hashFile } from './hash-file.js';
import { hashSmallFiles } from './hash-small-files.js';

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'gs-small-'));
});
afterEach(async () => fsp.rm(dir, { recursive: true, force: true }));

describe('hashSmallFiles', () => {
  it('gives what hashFile gives (whole SHA-1, pieces, info-hash under the given name), for every size', async () => {
    const sizes = [0, 1, 16 * 1024, 16 * 1024 + 1, 100_000, 3 * 1024 * 1024 + 7];
    const jobs = [];
    for (const [i, size] of sizes.entries()) {
      const path = join(dir, `f${i}.bin`);
      await fsp.writeFile(path, randomBytes(size));
      jobs.push({ path, name: `.gsync~f~ann~x~ann:1~f${i}.bin`, pieceLength: choosePieceLength(size) });
    }
    const got = await hashSmallFiles(jobs);
    for (const [i, job] of jobs.entries()) {
      const want = await hashFile(job.path, { name: job.name });
      const { ino, ...hashed } = got[i]!;
      expect(hashed).toEqual(want);
      expect(ino).toBe((await fsp.stat(job.path)).ino);
    }
  });

  it('answers undefined for what it must not hash (a symbolic link, a directory, a missing file, a bad name) and hashes the rest', async () => {
    const good = join(dir, 'good.bin');
    await fsp.writeFile(good, 'hello');
    await fsp.symlink(good, join(dir, 'link.bin'));
    await fsp.mkdir(join(dir, 'sub'));
    const job = (path: string, name = 'x.bin') => ({ path, name, pieceLength: 16 * 1024 });
    const got = await hashSmallFiles([job(join(dir, 'link.bin')), job(join(dir, 'sub')), job(join(dir, 'gone')), job(good, '../x'), job(good)]);
    expect(got.map((g) => g?.size)).toEqual([undefined, undefined, undefined, undefined, 5]);
  });
});
