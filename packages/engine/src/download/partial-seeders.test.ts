// The download manager against partial seeders over in-memory pairs (no TCP): three seeders that
// each lack a third of the pieces, so the file can only be had by combining them. Each seeder is
// an incoming PeerConnection on one end of a duplexPair; the Download gets the other end through
// `DownloadInit.connect`. A tap on each seeder's end decodes what the Download asked for.
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';

import { BLOCK_SIZE, Bitfield, seededRng } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { PeerConnection, type BlockSource } from '../peer/index.js';
import { GROUP, duplexPair, options, sharedFile, type SharedFixture } from '../../test/peer-harness.js';
import { WireDecoder } from '../wire/index.js';
import type { Download } from './download.js';
import { completes, fakeTracker, sha1Of, testDownload, total } from '../../test/download-support.js';
import type { DownloadInit, TrackerRequester } from './types.js';

const PIECE = 2 * BLOCK_SIZE;
const SIZE = 24 * PIECE + 5_000; // 25 pieces, the last a single short block
const PIECES = Math.ceil(SIZE / PIECE);
const BLOCKS = Math.ceil(SIZE / BLOCK_SIZE);
const ALL = Array.from({ length: PIECES }, (_, i) => i);

/** Seeder k lacks the pieces ≡ k (mod 3): every piece is held by exactly two seeders. */
const MOD3: number[][] = [0, 1, 2].map((k) => ALL.filter((i) => i % 3 === k));
/** As {@link MOD3}, but piece 7 is held by seeder 2 only and the last piece by seeder 1 only (0-based). */
const SOLE_HOLDERS: number[][] = [[...(MOD3[0] as number[]), 7], [...(MOD3[1] as number[])], [...(MOD3[2] as number[]), PIECES - 1]];

let fx: SharedFixture;
let dest: string;
const cleanups: (() => Promise<unknown> | void)[] = [];
beforeEach(async () => {
  fx = await sharedFile(SIZE, PIECE);
  dest = await fsp.mkdtemp(join(tmpdir(), 'gs-partial-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await fx.cleanup();
  await fsp.rm(dest, { recursive: true, force: true });
});

/** An in-memory connection: the Download's end and the seeder's. */
interface Pair {
  ours: Duplex;
  theirs: Duplex;
}

/** A seeder lacking `lacks`, reachable through {@link connector}, recording what it was asked and read. */
interface PartialSeeder {
  address: string;
  have: Bitfield;
  /** Piece indices of every `request` the Download sent it (decoded from the wire). */
  asked: number[];
  /** Piece indices of every `readBlock` its source served. */
  read: number[];
  /** Its connections' counted violations (a request for a piece it lacks is one). */
  violations: string[];
  /** The pairs the Download opened to it, the latest last. */
  pairs: Pair[];
  /** Called at each `readBlock`, after it is recorded in `read`. */
  onRead?: () => void;
  /** Once set, new connections to it fail at once, as to a host that went away. */
  gone: boolean;
}

function partialSeeder(n: number, lacks: readonly number[]): PartialSeeder {
  const have = Bitfield.full(PIECES);
  for (const i of lacks) have.clear(i);
  return { address: `10.0.0.${n + 1}:6881`, have, asked: [], read: [], violations: [], pairs: [], gone: false };
}

/** `DownloadInit.connect`: a fresh in-memory pair per call, the far end served by that seeder. */
function connector(seeders: PartialSeeder[]): (host: string, port: number) => Duplex {
  return (host, port) => {
    const s = seeders.find((x) => x.address === `${host}:${port}`);
    if (s === undefined) throw new Error(`no seeder at ${host}:${port}`);
    const [ours, theirs] = duplexPair();
    if (s.gone) {
      theirs.destroy();
      return ours;
    }
    s.pairs.push({ ours, theirs });
    // The tap sees the Download's bytes exactly as the seeder's connection does.
    const tap = new WireDecoder();
    theirs.on('data', (chunk: Buffer) => {
      for (const f of tap.push(chunk).frames) if (f.type === 'request') s.asked.push(f.index);
    });
    const source: BlockSource = {
      have: s.have,
      readBlock: (index, begin, length) => {
        s.read.push(index);
        s.onRead?.();
        return fx.seed.readBlock(index, begin, length);
      },
    };
    const file = { groupId: GROUP, size: SIZE, pieceLength: PIECE, source };
    const conn = new PeerConnection({ ...options(), socket: theirs, lookup: (h) => (h.equals(fx.infoHash) ? file : undefined) });
    conn.on('violation', (v) => s.violations.push(`${v.kind}: ${v.message}`));
    conn.start();
    cleanups.push(() => conn.close());
    return ours;
  };
}

function download(seeders: PartialSeeder[], link: TrackerRequester, extra: Partial<DownloadInit> = {}): Download {
  const d = testDownload(link, dest, { connect: connector(seeders), rng: seededRng(0x5eed), haveBatchMs: 50, ...extra });
  cleanups.push(() => d.stop());
  return d;
}

/** No seeder was asked for, or read, a piece it lacks, and none counted a violation. */
function expectOnlyHeldPiecesAsked(seeders: PartialSeeder[]): void {
  for (const s of seeders) {
    expect(s.asked.filter((i) => !s.have.has(i)), `${s.address} asked for pieces it lacks`).toEqual([]);
    expect(s.read.filter((i) => !s.have.has(i)), `${s.address} read pieces it lacks`).toEqual([]);
    expect(s.violations, s.address).toEqual([]);
  }
}

describe('Download from partial seeders (in-memory pairs)', () => {
  it.each([
    ['each lacks a third of the pieces', MOD3],
    ['two pieces have a single holder', SOLE_HOLDERS],
  ])('combines three partial seeders when %s', async (_name, lacking) => {
    const seeders = lacking.map((lacks, n) => partialSeeder(n, lacks));
    // The layout is what the test claims: every piece somewhere, no seeder with all of them.
    for (const s of seeders) expect(s.have.count()).toBeLessThan(PIECES);
    expect(ALL.every((i) => seeders.some((s) => s.have.has(i)))).toBe(true);
    const link = fakeTracker(fx, seeders);
    const d = download(seeders, link);

    const path = await completes(d);

    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    for (const s of seeders) expect(d.blocksFrom.get(s.address) ?? 0, `blocks from ${s.address}`).toBeGreaterThan(0);
    expect(total(d.blocksFrom)).toBe(BLOCKS);
    expectOnlyHeldPiecesAsked(seeders);
    // A piece with one holder came from that holder.
    for (const i of ALL) {
      const holders = seeders.filter((s) => s.have.has(i));
      if (holders.length === 1) expect((holders[0] as PartialSeeder).read).toContain(i);
    }
    expect(new Set(link.updates.flat())).toEqual(new Set(ALL));
  }, 20_000);

  it('completes from the other two when a seeder disconnects halfway, its pieces being held elsewhere too', async () => {
    const seeders = MOD3.map((lacks, n) => partialSeeder(n, lacks));
    const doomed = seeders[0] as PartialSeeder;
    const link = fakeTracker(fx, seeders);
    // Should the Download ask the tracker again and retry the vanished seeder, that connection fails.
    const d = download(seeders, link, { peerRefreshMs: 100 });
    let fromDoomed: number | undefined;
    const doomedGone = new Promise<void>((resolve) => {
      // Halfway through its share (each seeder serves about a third of the blocks), requests still queued at it.
      doomed.onRead = () => {
        if (doomed.gone || doomed.read.length < Math.floor(BLOCKS / 6)) return;
        doomed.gone = true;
        const { ours, theirs } = doomed.pairs.at(-1) as Pair;
        // Counted once our end closed, so every block the seeder sent before it went is in.
        ours.once('close', () => {
          fromDoomed = d.blocksFrom.get(doomed.address) ?? 0;
          resolve();
        });
        theirs.destroy(); // the block being read now is never sent
      };
    });

    const path = await completes(d);
    expect(doomed.gone).toBe(true);
    await doomedGone;

    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    expect(fromDoomed).toBeGreaterThan(0);
    expect(d.blocksFrom.get(doomed.address)).toBe(fromDoomed); // nothing from it after it went
    // It was asked for more than it delivered: those requests were lost with it and asked elsewhere.
    expect(doomed.asked.length).toBeGreaterThan(fromDoomed as number);
    for (const s of seeders.slice(1)) expect(d.blocksFrom.get(s.address) ?? 0).toBeGreaterThan(0);
    expect(total(d.blocksFrom)).toBe(BLOCKS);
    expectOnlyHeldPiecesAsked(seeders);
    expect(new Set(link.updates.flat())).toEqual(new Set(ALL));
  }, 20_000);
});
