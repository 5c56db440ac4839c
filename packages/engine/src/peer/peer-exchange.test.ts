// Two partial seeders on real sockets, each backed by a PieceStore holding half the pieces:
// both are authorized (both hold tickets), each fetches what it lacks from the other over the
// one connection, announces every piece it verifies, and both end with the exact file.
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

import { BLOCK_SIZE, blockCount, blockSize, pieceSize } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { PieceStore } from '../storage/index.js';
import type { PeerConnection } from './peer-connection.js';
import type { PeerServer } from './peer-server.js';
import { GROUP, RawPeer, connectTo, is, nextConnection, sharedFile, startServer, ticketFor, type SharedFixture } from '../../test/peer-harness.js';
import type { PeerFile, ReceivedBlock } from './types.js';

const PIECE = 2 * BLOCK_SIZE;
const SIZE = 3 * PIECE + 5000; // pieces 0-2 of two blocks, piece 3 of one short block

let fx: SharedFixture;
let stores: PieceStore[];
let server: PeerServer | undefined;
beforeEach(async () => {
  fx = await sharedFile(SIZE, PIECE);
  stores = [];
});
afterEach(async () => {
  await server?.stop();
  for (const s of stores) await s.close();
  await fx.cleanup();
});

/** A store in its own directory holding (verified) exactly `pieces`. */
async function storeWith(name: string, pieces: number[]): Promise<PieceStore> {
  const dir = join(fx.dir, name);
  await fsp.mkdir(dir);
  const { pieceLength, pieces: hashes, sha1 } = fx.hashed;
  const store = await PieceStore.open({ dir, name: 'shared.bin', size: SIZE, pieceLength, pieces: hashes, sha1 });
  stores.push(store);
  for (const i of pieces) {
    await store.writeBlock(i, 0, fx.data.subarray(i * PIECE, i * PIECE + pieceSize(i, SIZE, PIECE)));
    expect(await store.verifyPiece(i)).toBe(true);
  }
  return store;
}

const fileFor = (store: PieceStore, user: string): PeerFile => ({
  groupId: GROUP, size: SIZE, pieceLength: PIECE, source: store, ticket: ticketFor(GROUP, fx.hashed.infoHash, { user }),
});

/**
 * A minimal download manager: requests every block the remote has and we lack, writes what
 * arrives, verifies full pieces and announces them. Resolves when the store is complete.
 */
function fetchAll(conn: PeerConnection, store: PieceStore): Promise<void> {
  const received = new Map<number, number>();
  const got = new Set<string>();
  const requestMissing = (): void => {
    if (conn.peerChoking || conn.remoteHas === undefined) return;
    for (const i of conn.remoteHas.andNot(store.have).indices()) {
      const len = pieceSize(i, SIZE, PIECE);
      for (let k = 0; k < blockCount(len); k++) {
        // request() itself refuses a block already outstanding; one already received is ours to skip.
        if (!got.has(`${i}:${k}`)) conn.request(i, k * BLOCK_SIZE, blockSize(k, len));
      }
    }
  };
  conn.on('peerChoking', requestMissing);
  conn.on('has', requestMissing);
  conn.setInterested(true);
  return new Promise((resolve, reject) => {
    conn.on('block', (b: ReceivedBlock) => {
      got.add(`${b.index}:${b.begin / BLOCK_SIZE}`);
      void (async () => {
        await store.writeBlock(b.index, b.begin, b.data);
        const n = (received.get(b.index) ?? 0) + 1;
        received.set(b.index, n);
        if (n < blockCount(pieceSize(b.index, SIZE, PIECE))) return;
        if (!(await store.verifyPiece(b.index))) throw new Error(`piece ${b.index} failed its hash`);
        conn.announceHave(b.index);
        if (store.complete()) resolve();
      })().catch(reject);
    });
  });
}

describe('both sides of one connection fetch from each other', () => {
  it('two partial seeders end with the same, exact file', async () => {
    const a = await storeWith('a', [0, 2]);
    const b = await storeWith('b', [1, 3]);
    const started = await startServer((h) => (h.equals(fx.infoHash) ? fileFor(b, 'bob') : undefined));
    server = started.server;
    const incoming = nextConnection(server);
    const fromA = connectTo(started.port, fx.infoHash, fileFor(a, 'alice'));
    const fromB = await incoming;
    const readies = Promise.all([once(fromA, 'ready'), once(fromB, 'ready')]);
    const done = Promise.all([fetchAll(fromA, a), fetchAll(fromB, b)]);
    const [[readyA], [readyB]] = await readies;
    expect(readyA).toMatchObject({ authorized: true, remoteUser: 'bob' });
    expect(readyB).toMatchObject({ authorized: true, remoteUser: 'alice' });
    expect(fromA.request(0, 0, BLOCK_SIZE)).toBe(false); // b does not have piece 0: never asked
    await done;
    expect(fromA.stats).toMatchObject({ blocksDown: 3, blocksUp: 4, violations: 0 });
    expect(fromB.stats).toMatchObject({ blocksDown: 4, blocksUp: 3, violations: 0 });
    for (const store of [a, b]) {
      const path = await store.finish();
      expect((await fsp.readFile(path)).equals(fx.data)).toBe(true);
    }
    fromA.close();
  });

  it('a partial seeder rejects requests for pieces it has not verified', async () => {
    const b = await storeWith('b', [1]);
    await b.writeBlock(2, 0, fx.data.subarray(2 * PIECE, 2 * PIECE + BLOCK_SIZE)); // written, not verified
    const started = await startServer(() => ({ groupId: GROUP, size: SIZE, pieceLength: PIECE, source: b }));
    server = started.server;
    const incoming = nextConnection(server);
    const raw = await RawPeer.connect(started.port);
    raw.handshake(fx.infoHash, { ext: { ticket: ticketFor(GROUP, fx.hashed.infoHash) } });
    const conn = await incoming;
    expect((await raw.waitFor(is('bitfield'))).bytes).toEqual(Buffer.from([0x40]));
    raw.send({ type: 'interested' });
    await raw.waitFor(is('unchoke'));
    raw.send({ type: 'request', index: 2, begin: 0, length: BLOCK_SIZE }, { type: 'request', index: 1, begin: 0, length: BLOCK_SIZE });
    expect(await raw.waitFor(is('reject'))).toMatchObject({ index: 2, begin: 0 });
    expect((await raw.waitFor(is('piece'))).block.equals(fx.data.subarray(PIECE, PIECE + BLOCK_SIZE))).toBe(true);
    expect(conn.stats.violations).toBe(1);
    // Verified later: announced to the authorized remote at once.
    await b.writeBlock(2, BLOCK_SIZE, fx.data.subarray(2 * PIECE + BLOCK_SIZE, 3 * PIECE));
    expect(await b.verifyPiece(2)).toBe(true);
    conn.announceHave(2);
    expect(await raw.waitFor(is('have'))).toEqual({ type: 'have', index: 2 });
    raw.destroy();
  });
});
