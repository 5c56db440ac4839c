// A seeder (PeerServer + SeedSource over a temp file) against real fetchers and hand-driven
// RawPeers on 127.0.0.1: a complete transfer verified by SHA-1, ticket admission, and the
// serving half's request checks as a misbehaving client meets them.
import { once } from 'node:events';

import { BLOCK_SIZE, blockCount, blockSize, hashPieces, pieceCount, pieceSize, sha1 } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { WireFrame } from '../wire/index.js';
import type { PeerCloseInfo } from './errors.js';
import type { PeerConnection } from './peer-connection.js';
import type { PeerServer } from './peer-server.js';
import {
  GROUP, RawPeer, connectTo, is, nextConnection, sharedFile, startServer, ticketFor, type SharedFixture,
} from '../../test/peer-harness.js';
import type { PeerFile, ReceivedBlock } from './types.js';

const PIECE = 2 * BLOCK_SIZE;
const SIZE = 3 * PIECE + 5000; // 4 pieces, the last one a single short block

let fx: SharedFixture;
let server: PeerServer;
let port: number;
let files: Map<string, PeerFile>;
const cleanup: (() => unknown)[] = [];

beforeEach(async () => {
  fx = await sharedFile(SIZE, PIECE);
  files = new Map([[fx.hashed.infoHash, fx.seederFile()]]);
  ({ server, port } = await startServer((h) => files.get(h.toString('hex'))));
});
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
  await server.stop();
  await fx.cleanup();
});

const closedInfo = async (conn: PeerConnection): Promise<PeerCloseInfo> =>
  conn.closeInfo ?? ((await once(conn, 'closed')) as [PeerCloseInfo])[0];

/** A RawPeer admitted by the seeder with a valid ticket; resolves once it saw have_all. */
async function admittedRawPeer(opts: { fast?: boolean } = {}): Promise<{ raw: RawPeer; conn: PeerConnection }> {
  const incoming = nextConnection(server);
  const raw = await RawPeer.connect(port);
  cleanup.push(() => raw.destroy());
  raw.handshake(fx.infoHash, { fast: opts.fast ?? true, ext: { ticket: ticketFor(GROUP, fx.hashed.infoHash) } });
  const conn = await incoming;
  await raw.waitFor((f) => f.type === (opts.fast === false ? 'bitfield' : 'have_all'));
  return { raw, conn };
}

async function unchoked(raw: RawPeer): Promise<void> {
  raw.send({ type: 'interested' });
  await raw.waitFor(is('unchoke'));
}

describe('transfer', () => {
  it('a fetcher with a valid ticket fetches every block of every piece, and the bytes hash right', async () => {
    const incoming = nextConnection(server);
    const fetcher = connectTo(port, fx.infoHash, fx.fetcherFile());
    cleanup.push(() => fetcher.close());
    fetcher.setInterested(true);
    const fetcherReady = once(fetcher, 'ready');
    const unchoke = once(fetcher, 'peerChoking');
    const seederSide = await incoming;
    const [[ready], [seederReady]] = await Promise.all([fetcherReady, once(seederSide, 'ready')]);
    expect(ready).toMatchObject({ authorized: false, fast: true, blockSize: BLOCK_SIZE, client: 'groupshare 0.1.0' });
    expect(seederReady).toMatchObject({ authorized: true, remoteUser: 'alice' });
    expect(await unchoke).toEqual([false]);
    expect(fetcher.remoteHas?.isComplete()).toBe(true);

    const assembled = Buffer.alloc(SIZE);
    const count = pieceCount(SIZE, PIECE);
    let expected = 0;
    const done = new Promise<void>((resolve) => {
      fetcher.on('block', (b: ReceivedBlock) => {
        b.data.copy(assembled, b.index * PIECE + b.begin);
        if (--expected === 0) resolve();
      });
    });
    for (let i = 0; i < count; i++) {
      const len = pieceSize(i, SIZE, PIECE);
      for (let k = 0; k < blockCount(len); k++) {
        expect(fetcher.request(i, k * BLOCK_SIZE, blockSize(k, len))).toBe(true);
        expected++;
      }
    }
    await done;
    expect(hashPieces(assembled, PIECE).equals(fx.hashed.pieces)).toBe(true);
    expect(sha1(assembled).toString('hex')).toBe(fx.hashed.sha1);
    expect(fetcher.stats).toMatchObject({ blocksDown: 7, payloadDown: SIZE, violations: 0 });
    expect(seederSide.stats).toMatchObject({ blocksUp: 7, payloadUp: SIZE });
    expect(fetcher.outstandingRequests).toBe(0);
  });
});

describe('admission: the seeder refuses before any bitfield or piece', () => {
  const cases: [string, () => { ticket?: string }, PeerCloseInfo['code'], RegExp][] = [
    ['no ticket', () => ({}), 'ERR_PEER_NO_TICKET', /no ticket/],
    ['a ticket for another group', () => ({ ticket: ticketFor('other', fx.hashed.infoHash) }), 'ERR_PEER_TICKET_REFUSED', /another file/],
    ['a ticket for another file', () => ({ ticket: ticketFor(GROUP, 'ab'.repeat(20)) }), 'ERR_PEER_TICKET_REFUSED', /another file/],
    ['an expired ticket', () => ({ ticket: ticketFor(GROUP, fx.hashed.infoHash, { expSec: 1 }) }), 'ERR_PEER_TICKET_REFUSED', /expired/],
    ['a forged ticket', () => ({ ticket: ticketFor(GROUP, fx.hashed.infoHash, { secret: 'guess' }) }), 'ERR_PEER_TICKET_REFUSED', /signature/],
  ];
  it.each(cases)('%s', async (_name, ext, code, reason) => {
    const incoming = nextConnection(server);
    const raw = await RawPeer.connect(port);
    cleanup.push(() => raw.destroy());
    raw.handshake(fx.infoHash, { ext: ext() });
    const conn = await incoming;
    const [refused] = (await once(conn, 'refused')) as [PeerCloseInfo];
    expect(refused.code).toBe(code);
    expect(refused.reason).toMatch(reason);
    expect((await closedInfo(conn)).code).toBe(code);
    await raw.closed;
    expect(raw.types()).toEqual(['handshake', 'extended']);
  });

  it('a stock client without BEP 10 cannot send a ticket, so it is refused too', async () => {
    const incoming = nextConnection(server);
    const raw = await RawPeer.connect(port);
    cleanup.push(() => raw.destroy());
    raw.handshake(fx.infoHash, { extended: false });
    expect((await closedInfo(await incoming)).code).toBe('ERR_PEER_NO_TICKET');
    await raw.closed;
    expect(raw.types()).toEqual(['handshake']);
  });

  it('an unknown info-hash is closed before we answer the handshake', async () => {
    const incoming = nextConnection(server);
    const raw = await RawPeer.connect(port);
    raw.handshake(Buffer.alloc(20, 7));
    expect((await closedInfo(await incoming)).code).toBe('ERR_PEER_UNKNOWN_INFO_HASH');
    await raw.closed;
    expect(raw.frames).toEqual([]);
  });
});

describe('serving: request checks', () => {
  const closesWith = async (req: { index: number; begin: number; length: number }, code: string): Promise<void> => {
    const { raw, conn } = await admittedRawPeer();
    await unchoked(raw);
    raw.send({ type: 'request', ...req });
    expect((await closedInfo(conn)).code).toBe(code);
    await raw.closed;
    expect(raw.types()).not.toContain('piece');
  };

  it('a piece index beyond the file closes the connection', () => closesWith({ index: 4, begin: 0, length: 100 }, 'ERR_PEER_REQUEST_OUT_OF_RANGE'));
  it('a block past the end of the last piece closes it', () => closesWith({ index: 3, begin: 4096, length: 1000 }, 'ERR_PEER_REQUEST_OUT_OF_RANGE'));
  it('an empty block closes it', () => closesWith({ index: 0, begin: 0, length: 0 }, 'ERR_PEER_REQUEST_OUT_OF_RANGE'));
  it('an oversized (32 KiB) request closes it', () => closesWith({ index: 0, begin: 0, length: 2 * BLOCK_SIZE }, 'ERR_PEER_REQUEST_TOO_LARGE'));

  it('a request while choked is rejected (BEP 6) and counted', async () => {
    const { raw, conn } = await admittedRawPeer();
    const violation = once(conn, 'violation');
    raw.send({ type: 'request', index: 1, begin: 0, length: BLOCK_SIZE });
    expect(await raw.waitFor(is('reject'))).toMatchObject({ index: 1, begin: 0, length: BLOCK_SIZE });
    expect((await violation)[0]).toMatchObject({ kind: 'request_while_choked', count: 1 });
    // Still open and serving once unchoked.
    await unchoked(raw);
    raw.send({ type: 'request', index: 1, begin: 0, length: BLOCK_SIZE });
    const piece = await raw.waitFor(is('piece'));
    expect(piece.block.equals(fx.data.subarray(PIECE, PIECE + BLOCK_SIZE))).toBe(true);
  });

  it('without BEP 6 a request while choked is dropped silently (BEP 3)', async () => {
    const { raw, conn } = await admittedRawPeer({ fast: false });
    raw.send({ type: 'request', index: 0, begin: 0, length: 100 });
    await unchoked(raw);
    raw.send({ type: 'request', index: 0, begin: 100, length: 100 });
    const piece = await raw.waitFor(is('piece'));
    expect(piece.begin).toBe(100);
    expect(raw.types().filter((t) => t === 'piece' || t === 'reject')).toEqual(['piece']);
    expect(conn.stats.violations).toBe(1);
  });

  it('more outstanding requests than our reqq are rejected', async () => {
    files.set(fx.hashed.infoHash, { ...fx.seederFile(), source: { have: fx.seederFile().source.have, readBlock: () => new Promise(() => {}) } });
    const { raw } = await admittedRawPeer();
    await unchoked(raw);
    const reqq = (raw.frames.find(is('extended')) as Extract<WireFrame, { type: 'extended' }>).payload.toString('latin1');
    expect(reqq).toContain('4:reqqi500e');
    for (let i = 0; i < 501; i++) raw.send({ type: 'request', index: 0, begin: i, length: 1 });
    expect(await raw.waitFor(is('reject'))).toMatchObject({ index: 0, begin: 500, length: 1 });
  });
});

describe('serving: cancel', () => {
  it('a cancelled request gets a reject and never its piece', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const seeder = fx.seederFile();
    files.set(fx.hashed.infoHash, {
      ...seeder,
      source: { have: seeder.source.have, readBlock: async (i, b, l) => { await gate; return seeder.source.readBlock(i, b, l); } },
    });
    const { raw } = await admittedRawPeer();
    await unchoked(raw);
    const a = { index: 0, begin: 0, length: BLOCK_SIZE }; // being read when cancelled
    const b = { index: 0, begin: BLOCK_SIZE, length: BLOCK_SIZE }; // queued when cancelled
    const c = { index: 1, begin: 0, length: BLOCK_SIZE }; // not cancelled
    raw.send({ type: 'request', ...a }, { type: 'request', ...b }, { type: 'request', ...c });
    raw.send({ type: 'cancel', ...b }, { type: 'cancel', ...a });
    await raw.waitFor((f) => f.type === 'reject' && f.begin === 0 && f.index === 0);
    release();
    await raw.waitFor((f) => f.type === 'piece' && f.index === 1);
    const answers = raw.frames.filter((f) => f.type === 'piece' || f.type === 'reject');
    expect(answers.map((f) => `${f.type} ${'index' in f ? f.index : ''}:${'begin' in f ? f.begin : ''}`)).toEqual([
      `reject 0:${BLOCK_SIZE}`, 'reject 0:0', 'piece 1:0',
    ]);
  });
});

describe('serving: blocks are given back', () => {
  it('every block read is given back once: after it was written, when its request was cancelled, and when the connection closed', async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => { open = resolve; });
    const seeder = fx.seederFile();
    const lent = new Set<Uint8Array>();
    const released: Uint8Array[] = [];
    let gated = 0;
    files.set(fx.hashed.infoHash, {
      ...seeder,
      source: {
        have: seeder.source.have,
        readBlock: async (i, b, l) => {
          if (b === BLOCK_SIZE && gated++ < 2) await gate; // two reads finish only when let go
          const block = await seeder.source.readBlock(i, b, l);
          lent.add(block);
          return block;
        },
        releaseBlock: (block) => released.push(block),
      },
    });
    const { raw, conn } = await admittedRawPeer();
    await unchoked(raw);
    const cancelled = { index: 0, begin: BLOCK_SIZE, length: BLOCK_SIZE };
    raw.send({ type: 'request', index: 0, begin: 0, length: BLOCK_SIZE }, { type: 'request', ...cancelled });
    raw.send({ type: 'cancel', ...cancelled });
    await raw.waitFor((f) => f.type === 'piece' && f.index === 0);
    await raw.waitFor(is('reject'));
    raw.send({ type: 'request', index: 1, begin: BLOCK_SIZE, length: BLOCK_SIZE }); // read when the peer leaves
    await new Promise((r) => setTimeout(r, 20));
    raw.destroy();
    await closedInfo(conn);
    open();
    await new Promise((r) => setTimeout(r, 50));
    expect(lent.size).toBe(3);
    expect(released.length).toBe(3);
    expect(new Set(released)).toEqual(lent);
  });
});

describe('hostile bytes', () => {
  it.each([
    ['garbage after the handshake', Buffer.from([0, 0, 0, 2, 4, 1, 0xde, 0xad]), 'ERR_WIRE_BAD_LENGTH'],
    ['a 2 MiB frame', Buffer.from([0, 0x20, 0, 0, 7]), 'ERR_WIRE_TOO_LARGE'],
  ])('%s closes that connection with its code; others are still served', async (_n, bytes, code) => {
    const { raw, conn } = await admittedRawPeer();
    raw.write(bytes);
    expect((await closedInfo(conn)).code).toBe(code);
    await raw.closed;

    const fetcher = connectTo(port, fx.infoHash, fx.fetcherFile());
    cleanup.push(() => fetcher.close());
    fetcher.setInterested(true);
    await once(fetcher, 'peerChoking');
    fetcher.request(3, 0, 5000);
    const [block] = (await once(fetcher, 'block')) as [ReceivedBlock];
    expect(block.data.equals(fx.data.subarray(3 * PIECE))).toBe(true);
  });

  it('a stream that is not BitTorrent is refused from its first bytes', async () => {
    const incoming = nextConnection(server);
    const raw = await RawPeer.connect(port);
    raw.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect((await closedInfo(await incoming)).code).toBe('ERR_WIRE_BAD_HANDSHAKE');
  });
});
