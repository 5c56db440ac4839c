import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BLOCK_SIZE, hashPieces, sha1 } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { PieceStore } from './piece-store.js';
import type { PieceStoreInit } from './piece-store-init.js';
import { decodeState } from './resume-state.js';

const PIECE = 32 * 1024; // two blocks per piece
const SIZE = 5 * PIECE + 5000; // the last piece is short and ends in a partial block

let dir: string;
const open: PieceStore[] = [];
beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'gs-store-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await fsp.rm(dir, { recursive: true, force: true });
});

function download(size = SIZE, name = 'movie.mkv'): { data: Buffer; init: PieceStoreInit } {
  const data = randomBytes(size);
  const init = { dir, name, size, pieceLength: PIECE, pieces: hashPieces(data, PIECE), sha1: sha1(data).toString('hex') };
  return { data, init };
}

async function openStore(init: PieceStoreInit): Promise<PieceStore> {
  const store = await PieceStore.open(init);
  open.push(store);
  return store;
}

/** Every block of the file as [piece, begin, bytes]. */
function blocks(data: Buffer): [number, number, Buffer][] {
  const out: [number, number, Buffer][] = [];
  for (let off = 0; off < data.length; off += BLOCK_SIZE) {
    const piece = Math.floor(off / PIECE);
    out.push([piece, off - piece * PIECE, data.subarray(off, Math.min(off + BLOCK_SIZE, data.length))]);
  }
  return out;
}

async function writePiece(store: PieceStore, data: Buffer, index: number): Promise<void> {
  for (const [p, begin, bytes] of blocks(data)) if (p === index) await store.writeBlock(p, begin, bytes);
}

async function fetchAll(store: PieceStore, data: Buffer): Promise<void> {
  const shuffled = blocks(data).sort(() => Math.random() - 0.5);
  await Promise.all(shuffled.map(([p, begin, bytes]) => store.writeBlock(p, begin, bytes)));
  for (let i = 0; i < store.pieceCount; i++) expect(await store.verifyPiece(i)).toBe(true);
}

describe('PieceStore', () => {
  it('writes blocks out of order, verifies, finishes into place and cleans up', async () => {
    const { data, init } = download();
    const store = await openStore(init);
    expect(store.resume).toEqual({ state: 'none', journaled: 0, scanned: false, kept: 0, dropped: [] });
    expect(await fsp.readdir(dir)).toContain('.movie.mkv.groupshare-part');
    await fetchAll(store, data);
    await store.flush();
    expect(await fsp.readdir(dir)).toContain('.movie.mkv.groupshare-state.json');
    expect(store.complete()).toBe(true);
    expect(await store.finish()).toBe(join(await fsp.realpath(dir), 'movie.mkv'));
    expect(sha1(await fsp.readFile(join(dir, 'movie.mkv'))).toString('hex')).toBe(init.sha1);
    expect(await fsp.readdir(dir)).toEqual(['movie.mkv']);
    await store.close(); // idempotent after finish
    await expect(store.writeBlock(0, 0, data.subarray(0, 10))).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' });
  });

  it('writePiece writes and checks a piece assembled in memory, counting it only when it matches', async () => {
    const { data, init } = download();
    const store = await openStore(init);
    const piece = (i: number): Buffer => Buffer.from(data.subarray(i * PIECE, Math.min(data.length, (i + 1) * PIECE)));
    const bad = piece(2);
    bad[7]! ^= 1;
    expect(await store.writePiece(2, bad)).toBe(false);
    expect(store.have.has(2)).toBe(false);
    await store.flush();
    expect(store.have.count()).toBe(0); // written, but not counted: nothing claims it
    await expect(store.writePiece(2, piece(2).subarray(1))).rejects.toThrow(/bytes/);
    for (let i = 0; i < store.pieceCount; i++) expect(await store.writePiece(i, piece(i))).toBe(true);
    expect(await store.writePiece(3, piece(3))).toBe(true); // a duplicate: already verified
    const bad3 = piece(3);
    bad3[0]! ^= 1;
    expect(await store.writePiece(3, bad3)).toBe(true); // verified already: not written over
    expect((await fsp.readFile(store.paths.part)).subarray(3 * PIECE, 4 * PIECE).equals(piece(3))).toBe(true);
    expect((await store.readBlock(5, 0, 100)).equals(data.subarray(5 * PIECE, 5 * PIECE + 100))).toBe(true);
    await store.finish();
    expect((await fsp.readFile(join(dir, 'movie.mkv'))).equals(data)).toBe(true);
    // Pieces came in file order, so the whole-file SHA-1 followed them: nothing left to read at the end.
    expect(store.hashedAtFinish).toBe(0);
  });

  it('keeps the whole-file SHA-1 up as pieces arrive in any order, across a reopen, and still sees a change made before the cursor got there', async () => {
    const { data, init } = download(40 * PIECE + 123);
    const piece = (i: number): Buffer => Buffer.from(data.subarray(i * PIECE, Math.min(data.length, (i + 1) * PIECE)));
    const order = [...Array(41).keys()].sort(() => Math.random() - 0.5);
    const first = await openStore(init);
    for (const i of order.slice(0, 15)) expect(await first.writePiece(i, piece(i))).toBe(true);
    await first.close();
    const second = await openStore(init); // 15 pieces on disk from the first session
    await Promise.all(order.slice(15, 30).map((i) => second.writePiece(i, piece(i))));
    // A byte changed behind the store's back, in a piece the incremental hash cannot have reached
    // yet (it sits after a missing piece): finish must notice, through the whole-file SHA-1.
    const missing = order.slice(30);
    const cursorStop = Math.min(...missing);
    const after = order.slice(0, 30).find((i) => i > cursorStop) as number;
    const fd = await fsp.open(second.paths.part, 'r+');
    await fd.write(Buffer.from([data[after * PIECE]! ^ 0xff]), 0, 1, after * PIECE);
    await fd.close();
    for (const i of missing) await second.writePiece(i, piece(i));
    await expect(second.finish()).rejects.toMatchObject({ code: 'ERR_FILE_HASH_MISMATCH' });
    expect(second.have.has(after)).toBe(false); // the recheck found it
    expect(await second.writePiece(after, piece(after))).toBe(true);
    await second.finish();
    expect((await fsp.readFile(join(dir, 'movie.mkv'))).equals(data)).toBe(true);
  });

  it('handles an empty file: complete at once, finishes to an empty file', async () => {
    const { init } = download(0);
    const store = await openStore(init);
    expect(store.pieceCount).toBe(0);
    expect(store.complete()).toBe(true);
    await store.finish();
    expect((await fsp.stat(join(dir, 'movie.mkv'))).size).toBe(0);
  });

  it('does not mark a piece with a corrupted block, and accepts it once re-fetched', async () => {
    const { data, init } = download();
    const store = await openStore(init);
    const bad = Buffer.from(data.subarray(PIECE, PIECE + BLOCK_SIZE));
    bad[100] = (bad[100] as number) ^ 0x01;
    await store.writeBlock(1, 0, bad);
    await store.writeBlock(1, BLOCK_SIZE, data.subarray(PIECE + BLOCK_SIZE, 2 * PIECE));
    expect(await store.verifyPiece(1)).toBe(false);
    expect(store.have.has(1)).toBe(false);
    await expect(store.readBlock(1, 0, 10)).rejects.toMatchObject({ code: 'ERR_PIECE_NOT_VERIFIED' });
    await writePiece(store, data, 1);
    expect(await store.verifyPiece(1)).toBe(true);
    expect((await store.readBlock(1, 100, 50)).equals(data.subarray(PIECE + 100, PIECE + 150))).toBe(true);
  });

  it('drops blocks for a verified piece, so served data cannot change', async () => {
    const { data, init } = download();
    const store = await openStore(init);
    await writePiece(store, data, 0);
    expect(await store.verifyPiece(0)).toBe(true);
    expect(await store.writeBlock(0, 0, Buffer.alloc(BLOCK_SIZE))).toBe(false);
    expect((await store.readBlock(0, 0, BLOCK_SIZE)).equals(data.subarray(0, BLOCK_SIZE))).toBe(true);
  });

  it('orders a write and the verification of its piece as called', async () => {
    const { data, init } = download();
    const store = await openStore(init);
    const writes = blocks(data).filter(([p]) => p === 2).map(([p, b, bytes]) => store.writeBlock(p, b, bytes));
    const verified = store.verifyPiece(2); // not awaiting the writes: they are queued first
    await Promise.all(writes);
    expect(await verified).toBe(true);
  });

  it('refuses blocks outside the file with ERR_BLOCK_RANGE', async () => {
    const { init } = download();
    const store = await openStore(init);
    const last = store.pieceCount - 1;
    const cases: [number, number, number][] = [
      [-1, 0, 10],
      [store.pieceCount, 0, 10],
      [0.5, 0, 10],
      [0, -1, 10],
      [0, PIECE, 1],
      [0, PIECE - 5, 10],
      [last, 5000 - 9, 10], // the last piece is only 5000 bytes
      [0, 0, 0],
    ];
    for (const [index, begin, length] of cases) {
      await expect(store.writeBlock(index, begin, Buffer.alloc(length))).rejects.toMatchObject({ code: 'ERR_BLOCK_RANGE' });
      await expect(store.readBlock(index, begin, length)).rejects.toMatchObject({ code: 'ERR_BLOCK_RANGE' });
    }
    await expect(store.verifyPiece(store.pieceCount)).rejects.toMatchObject({ code: 'ERR_BLOCK_RANGE' });
    await expect(store.finish()).rejects.toMatchObject({ code: 'ERR_DOWNLOAD_INCOMPLETE' });
  });

  it('refuses metadata that does not fit together', async () => {
    const { init } = download();
    await expect(PieceStore.open({ ...init, pieces: init.pieces.subarray(20) })).rejects.toMatchObject({
      code: 'ERR_PIECES_MISMATCH',
    });
    await expect(PieceStore.open({ ...init, pieceLength: 1000 })).rejects.toMatchObject({ code: 'ERR_PIECE_LENGTH' });
    await expect(PieceStore.open({ ...init, sha1: 'xyz' })).rejects.toThrow(/40 hex/);
    expect(await fsp.readdir(dir)).toEqual([]);
  });

  it('refuses to finish when the pieces verify but the whole-file SHA-1 does not', async () => {
    const { data, init } = download();
    const store = await openStore({ ...init, sha1: '0'.repeat(40) });
    await fetchAll(store, data);
    await expect(store.finish()).rejects.toMatchObject({ code: 'ERR_FILE_HASH_MISMATCH' });
    expect(await fsp.readdir(dir)).not.toContain('movie.mkv');
  });
});

describe('PieceStore resume', () => {
  it('keeps verified pieces across close and reopen (re-hashed on open)', async () => {
    const { data, init } = download();
    const first = await openStore(init);
    for (const i of [0, 2, 5]) {
      await writePiece(first, data, i);
      await first.verifyPiece(i);
    }
    await writePiece(first, data, 3); // written but never verified: must not count
    await first.close();
    const second = await openStore(init);
    expect(second.have.indices()).toEqual([0, 2, 5]);
    expect(second.resume).toEqual({ state: 'loaded', journaled: 0, scanned: false, kept: 3, dropped: [] });
    for (const i of [1, 3, 4]) {
      await writePiece(second, data, i);
      expect(await second.verifyPiece(i)).toBe(true);
    }
    await second.finish();
    expect((await fsp.readFile(join(dir, 'movie.mkv'))).equals(data)).toBe(true);
  });

  it('persists on flush() without close (a killed client), and in the background after stateFlushMs', async () => {
    const { data, init } = download();
    const slow = await openStore({ ...init, stateFlushMs: 60_000 });
    await writePiece(slow, data, 1);
    await slow.verifyPiece(1);
    await slow.flush();
    expect((await openStore(init)).have.indices()).toEqual([1]);

    const quick = await openStore({ ...init, stateFlushMs: 10 });
    await writePiece(quick, data, 4);
    await quick.verifyPiece(4);
    await new Promise((r) => setTimeout(r, 200));
    const state = decodeState(await fsp.readFile(quick.paths.state, 'utf8'), init);
    expect(state.ok && state.have.indices()).toEqual([1, 4]);
  });

  async function verifiedAndClosed(): Promise<{ data: Buffer; init: PieceStoreInit; part: string }> {
    const { data, init } = download();
    const store = await openStore(init);
    await fetchAll(store, data);
    await store.close();
    return { data, init, part: store.paths.part };
  }

  it('detects a truncated partial file on reopen and unmarks the lost pieces', async () => {
    const { init, part } = await verifiedAndClosed();
    await fsp.truncate(part, PIECE + 100); // piece 0 intact, piece 1 cut, the rest gone
    const store = await openStore(init);
    expect(store.have.indices()).toEqual([0]);
    expect(store.resume).toMatchObject({ state: 'loaded', kept: 1, dropped: [1, 2, 3, 4, 5] });
    expect((await fsp.stat(part)).size).toBe(SIZE); // grown back for positional writes
    const state = decodeState(await fsp.readFile(store.paths.state, 'utf8'), init);
    expect(state.ok && state.have.indices()).toEqual([0]); // the corrected state is persisted
  });

  it('detects flipped bytes in a verified piece on reopen', async () => {
    const { init, part } = await verifiedAndClosed();
    const handle = await fsp.open(part, 'r+');
    await handle.write(Buffer.from([0xff, 0x00]), 0, 2, 3 * PIECE + 777);
    await handle.close();
    const store = await openStore(init);
    expect(store.resume.dropped).toEqual([3]);
    expect(store.have.indices()).toEqual([0, 1, 2, 4, 5]);
    await expect(store.readBlock(3, 0, 10)).rejects.toMatchObject({ code: 'ERR_PIECE_NOT_VERIFIED' });
  });

  it.each([
    ['garbage bytes', () => randomBytes(300)],
    ['truncated JSON', (text: string) => text.slice(0, text.length / 2)],
    ['an edited piece list', (text: string) => text.replace(/"have":"[^"]*"/, '"have":"/w=="')],
    ['a JSON array', () => '[1,2,3]'],
  ])('ignores a state file holding %s and finds the good pieces by scanning the partial file', async (_what, garble) => {
    const { init, part } = await verifiedAndClosed();
    const statePath = part.replace(/part$/, 'state.json');
    await fsp.writeFile(statePath, garble(await fsp.readFile(statePath, 'utf8')));
    const handle = await fsp.open(part, 'r+');
    // And piece 2 damaged: a byte flipped, not overwritten (a random file holds the written
    // value at that spot once in 256 runs, and then nothing was damaged: seen in CI).
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, 2 * PIECE + 9);
    await handle.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, 2 * PIECE + 9);
    await handle.close();
    const store = await openStore(init);
    expect(store.resume).toMatchObject({ state: 'ignored', reason: expect.stringMatching(/state file/), scanned: true, kept: 5 });
    expect(store.have.indices()).toEqual([0, 1, 3, 4, 5]); // only the damaged piece is fetched again
    // The garbage was replaced by a valid state naming what the scan found.
    const state = decodeState(await fsp.readFile(statePath, 'utf8'), init);
    expect(state.ok && state.have.indices()).toEqual([0, 1, 3, 4, 5]);
  });

  it('keeps the pieces verified after the last state write (kill -9 before the flush) through the journal', async () => {
    const { data, init } = download();
    const first = await openStore({ ...init, stateFlushMs: 60_000 });
    await writePiece(first, data, 0);
    await first.verifyPiece(0);
    await first.flush(); // the state now holds piece 0
    for (const i of [1, 3]) {
      await writePiece(first, data, i);
      await first.verifyPiece(i);
    }
    await writePiece(first, data, 4); // written, never verified
    // No flush and no close: the process "dies" here. Opening again sees what a restart sees.
    const second = await PieceStore.open(init);
    try {
      expect(second.resume).toEqual({ state: 'loaded', journaled: 2, scanned: false, kept: 3, dropped: [] });
      expect(second.have.indices()).toEqual([0, 1, 3]);
      const state = decodeState(await fsp.readFile(second.paths.state, 'utf8'), init);
      expect(state.ok && state.have.indices()).toEqual([0, 1, 3]); // the journal's pieces moved into the state
    } finally {
      await second.close();
    }
  });

  it('scans the partial file when killed before the first state write', async () => {
    const { data, init } = download();
    const first = await openStore({ ...init, stateFlushMs: 60_000 });
    for (const i of [2, 5]) {
      await writePiece(first, data, i);
      await first.verifyPiece(i);
    }
    await fsp.rm(first.paths.journal); // even without the journal nothing verified is lost
    const second = await PieceStore.open(init);
    try {
      expect(second.resume).toMatchObject({ state: 'none', scanned: true, kept: 2 });
      expect(second.have.indices()).toEqual([2, 5]);
    } finally {
      await second.close();
    }
  });

  it('ignores a journal left by a different file of the same name', async () => {
    const { data, init } = download();
    const first = await openStore({ ...init, stateFlushMs: 60_000 });
    await first.flush();
    await writePiece(first, data, 1);
    await first.verifyPiece(1);
    await first.close();
    const journal = await fsp.readFile(first.paths.journal);
    const other = download();
    await fsp.rm(first.paths.part);
    const again = await openStore(other.init); // a new partial file; plant the old journal
    await again.close();
    await fsp.writeFile(again.paths.journal, journal);
    const third = await openStore(other.init);
    expect(third.resume).toMatchObject({ journaled: 0, kept: 0, dropped: [] });
  });

  it('ignores a state left by a different file of the same name', async () => {
    const { init } = await verifiedAndClosed();
    const other = download();
    const store = await openStore(other.init);
    expect(store.resume).toMatchObject({ state: 'ignored', reason: expect.stringMatching(/different file/) });
    expect(store.have.count()).toBe(0);
    expect(init.sha1).not.toBe(other.init.sha1);
  });
});
