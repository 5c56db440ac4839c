import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { hashFile } from '../storage/hash-file.js';
import { LIBRARY_FORMAT, ShareLibrary, decodeLibrary, encodeLibrary, entryKey, type LibraryEntry } from './library.js';
import { recordOf } from './records.js';

let dir: string;
let entry: LibraryEntry;
beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'gs-lib-'));
  const path = join(dir, 'a.bin');
  await fsp.writeFile(path, randomBytes(40_000));
  entry = recordOf(await hashFile(path, { pieceLength: 16 * 1024 }), 'team');
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

function problems(): { list: string[]; push: (p: { reason: string }) => void } {
  const list: string[] = [];
  return { list, push: (p) => list.push(p.reason) };
}

describe('decodeLibrary', () => {
  it('reads back what encodeLibrary wrote, the changed flag included', () => {
    const flagged: LibraryEntry = { ...entry, groupId: 'other', changed: true };
    expect(decodeLibrary(encodeLibrary('alice', [entry, flagged]), 'alice')).toEqual({ ok: true, entries: [entry, flagged], skipped: [] });
  });

  it('refuses text that is not JSON, not ours, or another user\'s', () => {
    expect(decodeLibrary('{"format"', 'alice')).toMatchObject({ ok: false, reason: expect.stringContaining('JSON') });
    expect(decodeLibrary('[1,2]', 'alice')).toMatchObject({ ok: false, reason: expect.stringContaining('format') });
    expect(decodeLibrary(encodeLibrary('bob', [entry]), 'alice')).toMatchObject({ ok: false, reason: expect.stringContaining('another user') });
    const noList = JSON.stringify({ format: LIBRARY_FORMAT, userId: 'alice', shares: 'x' });
    expect(decodeLibrary(noList, 'alice')).toMatchObject({ ok: false });
  });

  it('skips malformed or tampered entries and keeps the good ones', () => {
    const bad: unknown[] = [
      null,
      { ...entry, infoHash: 'f'.repeat(40) }, // hashes disagree: would announce one file, serve another
      { ...entry, name: 'x/../y' },
      { ...entry, groupId: 'Team' },
      { ...entry, path: 'relative.bin' },
      { ...entry, pieces: entry.pieces.slice(40) },
      { ...entry, pieceLength: 1000 },
      { ...entry, mtimeMs: 'yesterday' },
      { ...entry, changed: 'yes' },
      entry, // a duplicate of the first good one
    ];
    const text = JSON.stringify({ format: LIBRARY_FORMAT, userId: 'alice', shares: [entry, ...bad] });
    const decoded = decodeLibrary(text, 'alice');
    expect(decoded).toMatchObject({ ok: true, entries: [entry] });
    expect(decoded.ok && decoded.skipped).toHaveLength(bad.length);
  });
});

describe('ShareLibrary', () => {
  it('starts empty when there is no file, and saves atomically what it holds', async () => {
    const p = problems();
    const lib = await ShareLibrary.load(join(dir, 'data'), 'alice', p.push);
    expect(lib.entries.size).toBe(0);
    lib.entries.set(entryKey(entry.groupId, entry.name), entry);
    await lib.save();
    const again = await ShareLibrary.load(join(dir, 'data'), 'alice', p.push);
    expect([...again.entries.values()]).toEqual([entry]);
    expect(await fsp.readdir(join(dir, 'data'))).toEqual(['shares-alice.json']); // no temp files left
    expect(p.list).toEqual([]);
  });

  it('writes the latest entries when saves overlap', async () => {
    const lib = await ShareLibrary.load(dir, 'alice', () => undefined);
    const saves: Promise<void>[] = [];
    for (const g of ['g1', 'g2', 'g3']) {
      lib.entries.set(entryKey(g, entry.name), { ...entry, groupId: g });
      saves.push(lib.save());
    }
    await Promise.all(saves);
    const again = await ShareLibrary.load(dir, 'alice', () => undefined);
    expect([...again.entries.keys()].map((k) => k.split('\n')[0])).toEqual(['g1', 'g2', 'g3']);
  });

  it('moves a garbled file aside and reports it, never throwing', async () => {
    await fsp.writeFile(join(dir, 'shares-alice.json'), Buffer.from([0xff, 0x00, 0x7b]));
    const p = problems();
    const lib = await ShareLibrary.load(dir, 'alice', p.push);
    expect(lib.entries.size).toBe(0);
    expect(p.list).toEqual([expect.stringContaining('moved to')]);
    await expect(fsp.stat(join(dir, 'shares-alice.json.corrupt'))).resolves.toBeDefined();
  });

  it('reports a library that cannot be saved instead of throwing', async () => {
    const blocker = join(dir, 'file-not-dir');
    await fsp.writeFile(blocker, '');
    const p = problems();
    const lib = await ShareLibrary.load(blocker, 'alice', p.push);
    await expect(lib.save()).resolves.toBeUndefined();
    expect(p.list).toEqual([expect.stringContaining('could not be saved')]);
  });

  it('finds an entry to reuse only while size and mtime are unchanged', async () => {
    const lib = await ShareLibrary.load(dir, 'alice', () => undefined);
    lib.entries.set(entryKey(entry.groupId, entry.name), entry);
    expect(await lib.findUnchanged(entry.path)).toBe(entry);
    await fsp.appendFile(entry.path, 'x');
    expect(await lib.findUnchanged(entry.path)).toBeUndefined();
    expect(await lib.findUnchanged(join(dir, 'missing'))).toBeUndefined();
  });
});
