/**
 * The piece store's security boundary: a name chosen by a remote sharer, or links planted in the
 * download directory, must never make it read or write outside that directory, nor overwrite a
 * file the user already has.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { hashPieces, sha1 } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { READ_NOFOLLOW_FLAGS, openRegular } from './file-io.js';
import { PieceStore } from './piece-store.js';
import type { PieceStoreInit } from './piece-store-init.js';

const PIECE = 16 * 1024;

let root: string; // holds `dir` and `outside`, so escapes are observable
let dir: string;
let outside: string;
const stores: PieceStore[] = [];
beforeEach(async () => {
  root = await fsp.mkdtemp(join(tmpdir(), 'gs-paths-'));
  dir = join(root, 'downloads');
  outside = join(root, 'outside');
  await fsp.mkdir(dir);
  await fsp.mkdir(outside);
  await fsp.writeFile(join(outside, 'victim'), 'precious');
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await fsp.rm(root, { recursive: true, force: true });
});

function download(name: string, data = randomBytes(3 * PIECE + 10)): { data: Buffer; init: PieceStoreInit } {
  return { data, init: { dir, name, size: data.length, pieceLength: PIECE, pieces: hashPieces(data, PIECE), sha1: sha1(data).toString('hex') } };
}

async function fetchAll(init: PieceStoreInit, data: Buffer): Promise<PieceStore> {
  const store = await PieceStore.open(init);
  stores.push(store);
  for (let i = 0; i < store.pieceCount; i++) {
    await store.writeBlock(i, 0, data.subarray(i * PIECE, (i + 1) * PIECE));
    expect(await store.verifyPiece(i)).toBe(true);
  }
  return store;
}

/** Everything under root except the files the test set up, so any stray write shows. */
async function untouched(): Promise<void> {
  expect(await fsp.readFile(join(outside, 'victim'), 'utf8')).toBe('precious');
  expect((await fsp.readdir(root)).sort()).toEqual(['downloads', 'outside']);
}

describe('PieceStore path safety', () => {
  it.each(['../x', 'a/b', '..', '.', 'a\\b', '', 'x\u0000y', '../outside/victim', '/etc/passwd'])(
    'refuses the name %j before touching the disk',
    async (name) => {
      await expect(PieceStore.open(download(name).init)).rejects.toMatchObject({ code: 'ERR_BAD_FILE_NAME' });
      expect(await fsp.readdir(dir)).toEqual([]);
      expect(await fsp.readdir(outside)).toEqual(['victim']);
      await untouched();
    },
  );

  it('refuses a symlink at the destination pointing outside, even a dangling one', async () => {
    await fsp.symlink(join(outside, 'victim'), join(dir, 'file'));
    await expect(PieceStore.open(download('file').init)).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
    await fsp.symlink(join(outside, 'new'), join(dir, 'dangling'));
    await expect(PieceStore.open(download('dangling').init)).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
    expect(await fsp.readdir(outside)).toEqual(['victim']);
    await untouched();
  });

  it('refuses to finish through a symlink planted at the destination during the download', async () => {
    const { data, init } = download('file');
    const store = await fetchAll(init, data);
    await fsp.symlink(join(outside, 'victim'), join(dir, 'file'));
    await expect(store.finish()).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
    await untouched();
  });

  it('refuses a symlink at the partial or state path, without creating or truncating its target', async () => {
    await fsp.symlink(join(outside, 'victim'), join(dir, '.a.groupshare-part'));
    await expect(PieceStore.open(download('a').init)).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
    await fsp.symlink(join(outside, 'new'), join(dir, '.b.groupshare-part'));
    await expect(PieceStore.open(download('b').init)).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
    await fsp.symlink(join(outside, 'victim'), join(dir, '.c.groupshare-state.json'));
    await expect(PieceStore.open(download('c').init)).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
    expect(await fsp.readdir(outside)).toEqual(['victim']);
    await untouched();
  });

  it('opens with O_NOFOLLOW, so a symlink planted after the lstat check is still refused', async () => {
    await fsp.symlink(join(outside, 'victim'), join(dir, 'link'));
    await expect(openRegular(join(dir, 'link'), READ_NOFOLLOW_FLAGS)).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
  });

  it('refuses a partial file that is a hard link to a file elsewhere', async () => {
    await fsp.link(join(outside, 'victim'), join(dir, '.h.groupshare-part'));
    await expect(PieceStore.open(download('h').init)).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
    await untouched();
  });

  it('allows the download directory itself to be a symlink the user chose', async () => {
    const real = join(outside, 'real-downloads');
    await fsp.mkdir(real);
    await fsp.symlink(real, join(root, 'link-to-downloads'));
    const { data, init } = download('file');
    const store = await fetchAll({ ...init, dir: join(root, 'link-to-downloads') }, data);
    expect(await store.finish()).toBe(join(real, 'file'));
    expect((await fsp.readFile(join(real, 'file'))).equals(data)).toBe(true);
  });

  it('refuses a directory that does not exist', async () => {
    await expect(PieceStore.open({ ...download('f').init, dir: join(root, 'nope') })).rejects.toMatchObject({
      code: 'ERR_FILE_NOT_FOUND',
    });
  });

  it('uses hashed hidden names when the name is too long for a suffix, and still finishes', async () => {
    const name = 'n'.repeat(250);
    const { data, init } = download(name);
    const store = await fetchAll(init, data);
    expect(store.paths.part).toMatch(/\/\.[0-9a-f]{40}\.groupshare-part$/);
    await store.flush();
    expect(await store.finish()).toBe(join(dir, name));
    expect(await fsp.readdir(dir)).toEqual([name]);
  });
});

describe('PieceStore destination', () => {
  it('never overwrites a different file of the same size; finishes once it is moved away', async () => {
    const { data, init } = download('file');
    const store = await fetchAll(init, data);
    const other = randomBytes(data.length);
    await fsp.writeFile(join(dir, 'file'), other);
    await expect(store.finish()).rejects.toMatchObject({ code: 'ERR_DESTINATION_EXISTS' });
    expect((await fsp.readFile(join(dir, 'file'))).equals(other)).toBe(true);
    expect(await fsp.readdir(dir)).toContain('.file.groupshare-part'); // kept: nothing is lost
    await fsp.rename(join(dir, 'file'), join(dir, 'moved'));
    await store.finish();
    expect((await fsp.readFile(join(dir, 'file'))).equals(data)).toBe(true);
  });

  it('refuses at open a file of another size or a directory at the destination', async () => {
    await fsp.writeFile(join(dir, 'file'), 'short');
    await expect(PieceStore.open(download('file').init)).rejects.toMatchObject({ code: 'ERR_DESTINATION_EXISTS' });
    await fsp.mkdir(join(dir, 'folder'));
    await expect(PieceStore.open(download('folder').init)).rejects.toMatchObject({ code: 'ERR_DESTINATION_EXISTS' });
    expect(await fsp.readFile(join(dir, 'file'), 'utf8')).toBe('short');
  });

  it('succeeds when an identical file is already there, removing the partial and state', async () => {
    const { data, init } = download('file');
    await fsp.writeFile(join(dir, 'file'), data);
    const store = await fetchAll(init, data);
    await store.flush();
    expect(await store.finish()).toBe(join(dir, 'file'));
    expect(await fsp.readdir(dir)).toEqual(['file']);
    expect((await fsp.readFile(join(dir, 'file'))).equals(data)).toBe(true);
  });
});
