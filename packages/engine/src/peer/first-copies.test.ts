// The sharer's first-copies rule: the ledger alone, then on the wire against hand-driven peers.
import { BLOCK_SIZE } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FirstCopies } from './first-copies.js';
import { GROUP, RawPeer, is, sharedFile, startServer, ticketFor, type SharedFixture } from '../../test/peer-harness.js';
import { seedBlockSource } from './types.js';

describe('FirstCopies', () => {
  it('refuses a piece to other connections for the window after an upload, never to the first', () => {
    let now = 0;
    const copies = new FirstCopies({ pieceCount: 4, now: () => now, windowMs: 2_000 });
    const [a, b] = [copies.connection(), copies.connection()];
    expect(copies.allows(b, 1)).toBe(true); // nobody had it
    copies.uploaded(a, 1);
    expect(copies.allows(a, 1)).toBe(true);
    expect(copies.allows(b, 1)).toBe(false);
    expect(copies.allows(b, 2)).toBe(true);
    now = 1_999;
    expect(copies.allows(b, 1)).toBe(false);
    now = 2_000;
    expect(copies.allows(b, 1)).toBe(true); // delayed, never withheld
    copies.uploaded(b, 1);
    expect(copies.allows(a, 1)).toBe(false);
    copies.closed(b); // b may have taken the piece away with it
    expect(copies.allows(a, 1)).toBe(true);
  });
});

describe('a sharer with first copies, on the wire', () => {
  let fx: SharedFixture;
  const cleanup: (() => unknown)[] = [];
  beforeEach(async () => {
    fx = await sharedFile(4 * BLOCK_SIZE, 2 * BLOCK_SIZE);
  });
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
    await fx.cleanup();
  });

  /** A hand-driven downloader, admitted and unchoked by the server on `port`. */
  async function downloader(port: number, fast = true): Promise<RawPeer> {
    const raw = await RawPeer.connect(port);
    cleanup.push(() => raw.destroy());
    raw.handshake(fx.infoHash, { fast, ext: { ticket: ticketFor(GROUP, fx.hashed.infoHash) } });
    raw.send({ type: 'interested' });
    await raw.waitFor(is('unchoke'));
    return raw;
  }

  it('rejects a piece just sent to another downloader, without counting it against the asker', async () => {
    let now = 0;
    const firstCopies = new FirstCopies({ pieceCount: 2, now: () => now });
    const file = { groupId: GROUP, size: fx.hashed.size, pieceLength: fx.hashed.pieceLength, source: seedBlockSource(fx.seed), firstCopies };
    const { server, port } = await startServer((h) => (h.equals(fx.infoHash) ? file : undefined));
    cleanup.push(() => server.stop());
    const a = await downloader(port);
    const b = await downloader(port);
    const c = await downloader(port, false); // no BEP 6: could not be told no

    a.send({ type: 'request', index: 0, begin: 0, length: BLOCK_SIZE });
    await a.waitFor(is('piece'));
    b.send({ type: 'request', index: 0, begin: BLOCK_SIZE, length: BLOCK_SIZE }, { type: 'request', index: 1, begin: 0, length: BLOCK_SIZE });
    expect(await b.waitFor(is('reject'))).toMatchObject({ index: 0, begin: BLOCK_SIZE });
    expect(await b.waitFor(is('piece'))).toMatchObject({ index: 1, begin: 0 }); // another piece: served
    c.send({ type: 'request', index: 0, begin: BLOCK_SIZE, length: BLOCK_SIZE });
    expect(await c.waitFor(is('piece'))).toMatchObject({ index: 0, begin: BLOCK_SIZE });

    now = firstCopies.windowMs; // later, a downloader that still asks gets it
    b.send({ type: 'request', index: 0, begin: BLOCK_SIZE, length: BLOCK_SIZE });
    expect(await b.waitFor((f) => f.type === 'piece' && f.index === 0)).toMatchObject({ begin: BLOCK_SIZE });
    for (const conn of server.connections) expect(conn.stats.violations).toBe(0);
  });
});
