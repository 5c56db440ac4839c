import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, createReadStream, promises as fsp, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { choosePieceLength, hashPieces, infoHash, sha1 } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { hashFile } from './hash-file.js';
import { WORKER_READ_SIZE } from './hash-workers.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const PIECE = 16 * KiB;

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'gs-hash-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, data: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await fsp.writeFile(path, data);
  return path;
}

describe('hashFile', () => {
  it.each([0, 1, PIECE - 1, PIECE, PIECE + 1, 5 * PIECE + 123, 3 * MiB + 7])(
    'matches protocol hashPieces/sha1/infoHash for %i bytes',
    async (size) => {
      const data = randomBytes(size);
      const path = await fileWith('data.bin', data);
      const result = await hashFile(path, { pieceLength: PIECE });
      const pieces = hashPieces(data, PIECE);
      expect(result).toMatchObject({ path, name: 'data.bin', size, pieceLength: PIECE, sha1: sha1(data).toString('hex') });
      expect(result.pieces.equals(pieces)).toBe(true);
      expect(result.infoHash).toBe(infoHash({ name: 'data.bin', length: size, pieceLength: PIECE, pieces }));
    },
  );

  it('uses choosePieceLength by default and reports progress up to the size', async () => {
    const data = randomBytes(600 * KiB);
    const seen: number[] = [];
    const result = await hashFile(await fileWith('f', data), { onProgress: (done, total) => seen.push(done, total) });
    expect(result.pieceLength).toBe(choosePieceLength(data.length));
    expect(result.pieces.equals(hashPieces(data, result.pieceLength))).toBe(true);
    expect(seen.slice(-2)).toEqual([data.length, data.length]);
  });

  it('reports progress once for an empty file', async () => {
    const onProgress = vi.fn();
    await hashFile(await fileWith('empty', new Uint8Array()), { onProgress });
    expect(onProgress).toHaveBeenCalledWith(0, 0);
  });

  it('names the file by its NFC-normalised base name, or the given name', async () => {
    const path = await fileWith('cafe\u0301.txt', randomBytes(10)); // NFD on disk
    expect((await hashFile(path)).name).toBe('caf\u00e9.txt');
    expect((await hashFile(path, { name: 'other.txt' })).name).toBe('other.txt');
  });

  it('refuses a name that cannot be shared before reading anything', async () => {
    const path = await fileWith('ok', randomBytes(10));
    await expect(hashFile(path, { name: '../x' })).rejects.toMatchObject({ code: 'ERR_BAD_FILE_NAME' });
    await expect(hashFile(await fileWith('bad\u0007bell', randomBytes(1)))).rejects.toMatchObject({ code: 'ERR_BAD_FILE_NAME' });
  });

  it('gives clear errors for a missing path, a directory and a FIFO', async () => {
    await expect(hashFile(join(dir, 'nope'))).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND' });
    await fsp.mkdir(join(dir, 'sub'));
    await expect(hashFile(join(dir, 'sub'))).rejects.toMatchObject({ code: 'ERR_NOT_A_FILE' });
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    // O_NONBLOCK: this must reject at once rather than wait for a writer.
    await expect(hashFile(join(dir, 'fifo'))).rejects.toMatchObject({ code: 'ERR_NOT_A_FILE' });
  });

  it('gives a clear error for an unreadable file (as root, from a child process running as nobody)', async () => {
    const path = await fileWith('secret', randomBytes(10));
    await fsp.chmod(path, 0o000);
    if (process.getuid?.() !== 0) {
      await expect(hashFile(path)).rejects.toMatchObject({ code: 'ERR_FILE_UNREADABLE' });
      return;
    }
    // Root reads any file whatever its mode (CI runs as root): the built hashFile, as nobody.
    const built = new URL('../../dist/storage/hash-file.js', import.meta.url).href;
    const script = `import(${JSON.stringify(built)}).then((m) => m.hashFile(${JSON.stringify(path)})).then(() => console.log('read it'), (e) => console.log(e.code))`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    expect(out.trim()).toBe('ERR_FILE_UNREADABLE');
  });

  it('maps EACCES from open to ERR_FILE_UNREADABLE (works as root too)', async () => {
    const path = await fileWith('secret', randomBytes(10));
    const denied = Object.assign(new Error("EACCES: permission denied, open 'secret'"), { code: 'EACCES' });
    vi.spyOn(fsp, 'open').mockRejectedValueOnce(denied);
    await expect(hashFile(path)).rejects.toMatchObject({ code: 'ERR_FILE_UNREADABLE', cause: denied });
  });

  it('notices a file that grows while it is hashed', async () => {
    const path = await fileWith('growing', randomBytes(3 * MiB));
    // Synchronous, so the change lands between two reads, deterministically.
    const onProgress = vi.fn(() => appendFileSync(path, randomBytes(100)));
    await expect(hashFile(path, { onProgress })).rejects.toMatchObject({ code: 'ERR_FILE_CHANGED' });
  });

  it('notices a file that shrinks while it is hashed', async () => {
    const path = await fileWith('shrinking', randomBytes(3 * MiB));
    await expect(hashFile(path, { onProgress: () => truncateSync(path, MiB) })).rejects.toMatchObject({
      code: 'ERR_FILE_CHANGED',
    });
  });

  it('stops when aborted', async () => {
    const path = await fileWith('big', randomBytes(4 * MiB));
    const controller = new AbortController();
    await expect(hashFile(path, { signal: controller.signal, onProgress: () => controller.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('hashes several files at once correctly (more passes than pool workers), also after an abort', async () => {
    const controller = new AbortController();
    const aborted = hashFile(await fileWith('a', randomBytes(4 * MiB)), { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    const files = await Promise.all([1, 2, 3].map(async (i) => ({ data: randomBytes(i * MiB + i), path: await fileWith(`f${i}`, randomBytes(0)) })));
    for (const f of files) await fsp.writeFile(f.path, f.data);
    const results = await Promise.all(files.map((f) => hashFile(f.path, { pieceLength: PIECE })));
    results.forEach((r, i) => {
      expect(r.sha1).toBe(sha1(files[i]!.data).toString('hex'));
      expect(r.pieces.equals(hashPieces(files[i]!.data, PIECE))).toBe(true);
    });
  });

  it('streams: a 64 MiB file is hashed with progress at least every MiB and without RSS growing by the file size', async () => {
    const path = join(dir, 'big.bin');
    const chunk = randomBytes(MiB);
    const out = await fsp.open(path, 'w');
    for (let i = 0; i < 64; i++) {
      chunk[0] = i; // every MiB differs, so a piece mix-up would show
      await out.write(chunk, 0, chunk.length, i * MiB);
    }
    await out.close();
    const expected = createHash('sha1');
    for await (const part of createReadStream(path)) expected.update(part as Buffer);

    const before = process.memoryUsage.rss();
    let peak = before;
    let last = 0;
    let biggestStep = 0;
    const result = await hashFile(path, {
      onProgress: (done) => {
        biggestStep = Math.max(biggestStep, done - last);
        last = done;
        peak = Math.max(peak, process.memoryUsage.rss());
      },
    });
    expect(result.sha1).toBe(expected.digest('hex'));
    expect(result.size).toBe(64 * MiB);
    expect(biggestStep).toBeLessThanOrEqual(MiB);
    expect(WORKER_READ_SIZE).toBeLessThanOrEqual(MiB); // the worker's buffer, all it holds of the file
    expect(peak - before).toBeLessThan(16 * MiB);
  });
});
