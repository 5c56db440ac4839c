/**
 * Test support for the download tests beside this file (not exported from the package), over a
 * `SharedFixture` from peer/test-harness.ts: a fake tracker answering a Download's requests from
 * a peer list, a Download with the tests' short time-outs, seeders on loopback (honest or serving
 * corrupted blocks), and the checks made on a finished download.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';

import { Bitfield, toHex } from '@groupshare/protocol';

import { createPeerId, seedBlockSource, type BlockSource, type PeerConnectionOptions, type PeerServer } from '../src/peer/index.js';
import { GROUP, TICKET_KEY, options, startServer, ticketFor, type SharedFixture } from './peer-harness.js';
import { Download } from '../src/download/download.js';
import type { DownloadInit, TrackerRequester } from '../src/download/types.js';

/** A peer as the fake tracker lists it. */
export interface ListedPeer {
  /** `host:port` of its peer server. */
  readonly address: string;
  /** The pieces it holds (read at each `get_peers`); default all, listed as a complete seeder. */
  readonly have?: Bitfield;
}

/** A {@link TrackerRequester} answering from test data. */
export interface FakeTracker extends TrackerRequester {
  /** The `have` lists of every `update_pieces` received, in order. */
  readonly updates: number[][];
}

/**
 * A fake tracker that knows `fx`'s file (as `shared.bin`, shared by alice) and lists `peers`,
 * each with its piece map, handing out a valid ticket for bob. Records `update_pieces`.
 */
export function fakeTracker(fx: SharedFixture, peers: readonly ListedPeer[]): FakeTracker {
  const h = fx.hashed;
  const pieceCount = fx.seed.pieceCount;
  const updates: number[][] = [];
  const request = async (type: string, fields: { have?: number[] }): Promise<unknown> => {
    if (type === 'get_file') {
      return { file: { name: 'shared.bin', size: h.size, sha1: h.sha1, pieceLength: h.pieceLength, infoHash: h.infoHash, pieceCount, pieces: toHex(h.pieces), sharedBy: 'alice' } };
    }
    if (type === 'get_peers') {
      const listed = peers.map((p, i) => {
        const have = p.have ?? Bitfield.full(pieceCount);
        return { userId: `u${i}`, address: p.address, bitfield: have.toBase64(), complete: have.isComplete() };
      });
      return { peers: listed, ticket: ticketFor(GROUP, h.infoHash, { user: 'bob' }), ticketExpiresAt: new Date(Date.now() + 300_000).toISOString() };
    }
    updates.push(fields.have ?? []);
    return { count: 0, complete: false };
  };
  // The overloads of TrackerRequester.request are all served by the one function above.
  return { request, updates } as unknown as FakeTracker;
}

/**
 * A Download of `shared.bin` in GROUP into `dir`, with 2 s handshake and request time-outs.
 * The caller stops it.
 */
export function testDownload(link: TrackerRequester, dir: string, extra: Partial<DownloadInit> = {}): Download {
  return new Download({
    link, groupId: GROUP, name: 'shared.bin', dir, peerId: createPeerId(), ticketKey: TICKET_KEY,
    handshakeTimeoutMs: 2_000, requestTimeoutMs: 2_000, ...extra,
  });
}

/** Starts `d`; resolves with the final path once it completes, rejects if it fails. */
export async function completes(d: Download): Promise<string> {
  const done = once(d, 'completed') as Promise<[{ path: string }]>;
  const failed = once(d, 'failed').then(([f]) => { throw new Error(`failed: ${(f as { reason: string }).reason}`); });
  await d.start();
  const [{ path }] = await Promise.race([done, failed]);
  return path;
}

/** SHA-1 of the file at `path`, lowercase hex (compare with `fx.hashed.sha1`). */
export const sha1Of = async (path: string): Promise<string> => createHash('sha1').update(await fsp.readFile(path)).digest('hex');

/** Sum of the values, e.g. of `Download.blocksFrom`. */
export const total = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** A started peer server on loopback seeding `fx`'s file from `source` (default: the whole file). The caller stops it. */
export async function startSeeder(
  fx: SharedFixture,
  source: BlockSource = seedBlockSource(fx.seed),
  connection: Partial<Omit<PeerConnectionOptions, 'socket'>> = {},
): Promise<{ server: PeerServer; address: string }> {
  const file = { groupId: GROUP, size: fx.hashed.size, pieceLength: fx.hashed.pieceLength, source };
  const { server, port } = await startServer((h) => (h.equals(fx.infoHash) ? file : undefined), { connection: options(connection) });
  return { server, address: `127.0.0.1:${port}` };
}

/** `fx`'s file, with the first byte of every block flipped, or only of blocks where `rotten(index, begin)`. */
export function corruptSource(fx: SharedFixture, rotten: (index: number, begin: number) => boolean = () => true): BlockSource {
  const good = seedBlockSource(fx.seed);
  return {
    have: good.have,
    readBlock: async (i, b, l) => {
      const buf = Buffer.from(await good.readBlock(i, b, l));
      if (rotten(i, b)) buf[0] = (buf[0] as number) ^ 0xff;
      return buf;
    },
  };
}
