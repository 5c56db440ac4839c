import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { hashFile, type HashedFile } from './hash-file.js';
import { SeedSource } from './seed-source.js';

const PIECE = 16 * 1024;

let dir: string;
let path: string;
let data: Buffer;
let hashed: HashedFile;
let source: SeedSource | undefined;
beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'gs-seed-'));
  path = join(dir, 'shared.bin');
  data = randomBytes(3 * PIECE + 100);
  await fsp.writeFile(path, data);
  hashed = await hashFile(path, { pieceLength: PIECE });
});
afterEach(async () => {
  await source?.close();
  source = undefined;
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('SeedSource', () => {
  it('serves blocks of the original file, bounds-checked', async () => {
    source = await SeedSource.open(hashed);
    expect(source.pieceCount).toBe(4);
    expect((await source.readBlock(1, 10, 1000)).equals(data.subarray(PIECE + 10, PIECE + 1010))).toBe(true);
    expect((await source.readBlock(3, 0, 100)).equals(data.subarray(3 * PIECE))).toBe(true);
    for (const [i, b, l] of [[4, 0, 1], [-1, 0, 1], [3, 0, 101], [0, PIECE, 1], [0, 0, 0]] as const) {
      await expect(source.readBlock(i, b, l)).rejects.toMatchObject({ code: 'ERR_BLOCK_RANGE' });
    }
  });

  it('reports unchanged, then changed after an in-place write', async () => {
    source = await SeedSource.open(hashed);
    expect(await source.checkUnchanged()).toBe('unchanged');
    await fsp.appendFile(path, 'more');
    expect(await source.checkUnchanged()).toBe('changed');
  });

  it('reports changed when only the mtime moved (same size, rewritten)', async () => {
    source = await SeedSource.open(hashed);
    const later = new Date(hashed.mtimeMs + 5_000);
    await fsp.utimes(path, later, later);
    expect(await source.checkUnchanged()).toBe('changed');
  });

  it('reports changed when the path now holds another file (save via rename)', async () => {
    source = await SeedSource.open(hashed);
    const replacement = join(dir, 'tmp');
    await fsp.writeFile(replacement, data);
    const stats = await fsp.stat(path);
    await fsp.utimes(replacement, stats.atime, stats.mtime); // same size and mtime: only the inode differs
    await fsp.rename(replacement, path);
    expect(await source.checkUnchanged()).toBe('changed');
  });

  it('reports missing once the file is deleted, and refuses a shorter file on read', async () => {
    source = await SeedSource.open(hashed);
    await fsp.truncate(path, PIECE);
    await expect(source.readBlock(2, 0, 10)).rejects.toMatchObject({ code: 'ERR_FILE_CHANGED' });
    await fsp.rm(path);
    expect(await source.checkUnchanged()).toBe('missing');
  });

  it('refuses to open a file that changed or vanished since it was hashed', async () => {
    await fsp.appendFile(path, 'x');
    await expect(SeedSource.open(hashed)).rejects.toMatchObject({ code: 'ERR_FILE_CHANGED' });
    await expect(SeedSource.open({ ...hashed, path: join(dir, 'gone') })).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND' });
  });

  it('closes idempotently and refuses reads afterwards', async () => {
    source = await SeedSource.open(hashed);
    await Promise.all([source.close(), source.close()]);
    await expect(source.readBlock(0, 0, 1)).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' });
  });
});
