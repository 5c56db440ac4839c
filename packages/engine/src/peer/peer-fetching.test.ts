// The fetching half and the connection's own safety nets, with no socket: an outgoing
// PeerConnection on one end of an in-memory Duplex pair, a hand-driven RawPeer (playing a
// stock, buggy or malicious serving peer) on the other.
import { once } from 'node:events';

import { BLOCK_SIZE } from '@groupshare/protocol';
import { afterEach, describe, expect, it } from 'vitest';

import type { ExtendedHandshakeInit } from '../wire/index.js';
import type { PeerCloseInfo, ViolationInfo } from './errors.js';
import { PeerConnection } from './peer-connection.js';
import { GROUP, RawPeer, duplexPair, emptySource, is, options, ticketFor } from '../../test/peer-harness.js';
import type { HasUpdate, PeerConnectionOptions, ReceivedBlock } from './types.js';

const PIECE = 2 * BLOCK_SIZE;
const SIZE = 3 * PIECE + 5000; // 4 pieces
const INFO_HASH = Buffer.alloc(20, 0x42);
const open: PeerConnection[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

interface PairOptions {
  fast?: boolean;
  extended?: boolean;
  ext?: ExtendedHandshakeInit;
  conn?: Partial<PeerConnectionOptions>;
  /** Our ticket; the default is a valid one, so we are a fetcher. */
  ticket?: string | undefined;
}

/** A connection that came for `INFO_HASH`, and the RawPeer it reached. Not yet ready. */
function pair(o: PairOptions = {}): { conn: PeerConnection; raw: RawPeer } {
  const [a, b] = duplexPair();
  const raw = new RawPeer(b);
  const ticket = 'ticket' in o ? o.ticket : ticketFor(GROUP, INFO_HASH.toString('hex'));
  const conn = new PeerConnection({
    ...options(o.conn), socket: a, infoHash: INFO_HASH,
    file: { groupId: GROUP, size: SIZE, pieceLength: PIECE, source: emptySource(4), ...(ticket ? { ticket } : {}) },
  });
  open.push(conn);
  return { conn, raw };
}

/** {@link pair}, started, both handshakes exchanged. */
async function ready(o: PairOptions = {}): Promise<{ conn: PeerConnection; raw: RawPeer }> {
  const p = pair(o);
  const isReady = once(p.conn, 'ready');
  p.conn.start();
  p.raw.handshake(INFO_HASH, { fast: o.fast ?? true, extended: o.extended ?? true, ext: o.ext ?? {} });
  await isReady;
  return p;
}

const closed = async (conn: PeerConnection): Promise<PeerCloseInfo> =>
  conn.closeInfo ?? ((await once(conn, 'closed')) as [PeerCloseInfo])[0];

/** Everything a connection emits, as `event:json` lines (for order-sensitive assertions). */
function record(conn: PeerConnection, ...events: string[]): string[] {
  const log: string[] = [];
  for (const e of events) {
    conn.on(e as 'block', (...args: unknown[]) => {
      const brief = args.map((a) => JSON.stringify(a, (k, v: unknown) => (k === 'data' || k === 'bitfield' ? undefined : v)));
      log.push(`${e}${brief.length ? ' ' + brief.join(' ') : ''}`);
    });
  }
  return log;
}

/** Lets the in-memory pipe deliver what was written. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('answers are checked against our requests', () => {
  it('an unrequested or wrong-size piece is a violation and never a block; the right one is', async () => {
    const { conn, raw } = await ready();
    const log = record(conn, 'block', 'violation');
    raw.send({ type: 'have_all' }, { type: 'unchoke' });
    raw.send({ type: 'piece', index: 0, begin: 0, block: Buffer.alloc(BLOCK_SIZE, 1) });
    await flush();
    expect(conn.request(0, 0, BLOCK_SIZE)).toBe(true);
    await raw.waitFor(is('request'));
    raw.send({ type: 'piece', index: 0, begin: 0, block: Buffer.alloc(100, 2) });
    raw.send({ type: 'piece', index: 0, begin: 0, block: Buffer.alloc(BLOCK_SIZE, 3) });
    await flush();
    expect(log).toEqual([
      expect.stringMatching(/^violation .*"unrequested_piece".*"count":1/),
      expect.stringMatching(/^violation .*"wrong_block_size".*"count":2/),
      'block {"index":0,"begin":0,"length":16384}',
    ]);
    expect(conn.stats).toMatchObject({ blocksDown: 1, payloadDown: BLOCK_SIZE, violations: 2 });
  });

  it('a reject of our request is emitted; a reject of nothing is a violation', async () => {
    const { conn, raw } = await ready();
    const log = record(conn, 'rejected', 'violation');
    raw.send({ type: 'have_all' }, { type: 'unchoke' });
    await flush();
    conn.request(1, 0, BLOCK_SIZE);
    raw.send({ type: 'reject', index: 1, begin: 0, length: BLOCK_SIZE }, { type: 'reject', index: 2, begin: 0, length: 5 });
    await flush();
    expect(log).toEqual(['rejected {"index":1,"begin":0,"length":16384}', expect.stringMatching(/"unrequested_reject"/)]);
    expect(conn.outstandingRequests).toBe(0);
  });

  it('after a cancel the late piece or reject is not a violation, and no block is emitted', async () => {
    const { conn, raw } = await ready();
    const log = record(conn, 'block', 'violation', 'rejected');
    raw.send({ type: 'have_all' }, { type: 'unchoke' });
    await flush();
    conn.request(0, 0, BLOCK_SIZE);
    conn.request(0, BLOCK_SIZE, BLOCK_SIZE);
    expect(conn.cancel(0, 0, BLOCK_SIZE)).toBe(true);
    expect(conn.cancel(0, 0, BLOCK_SIZE)).toBe(false);
    expect(conn.cancel(0, BLOCK_SIZE, BLOCK_SIZE)).toBe(true);
    await raw.waitFor(is('cancel'));
    raw.send({ type: 'piece', index: 0, begin: 0, block: Buffer.alloc(BLOCK_SIZE) });
    raw.send({ type: 'reject', index: 0, begin: BLOCK_SIZE, length: BLOCK_SIZE });
    await flush();
    expect(log).toEqual([]);
  });
});

describe('choke', () => {
  it('without BEP 6 a choke drops our requests: requestsDropped, and a late piece is no fault', async () => {
    const { conn, raw } = await ready({ fast: false });
    const log = record(conn, 'requestsDropped', 'peerChoking', 'violation', 'block');
    raw.send({ type: 'bitfield', bytes: Buffer.from([0xf0]) }, { type: 'unchoke' });
    await flush();
    conn.request(0, 0, 10);
    conn.request(2, 0, 10);
    raw.send({ type: 'choke' }, { type: 'piece', index: 0, begin: 0, block: Buffer.alloc(10) });
    await flush();
    expect(log).toEqual([
      'peerChoking false', 'peerChoking true',
      'requestsDropped [{"index":0,"begin":0,"length":10},{"index":2,"begin":0,"length":10}]',
    ]);
    expect(conn.request(0, 0, 10)).toBe(false); // choked
  });

  it('with BEP 6 a choke keeps them outstanding until the remote rejects each', async () => {
    const { conn, raw } = await ready();
    const log = record(conn, 'requestsDropped', 'rejected');
    raw.send({ type: 'have_all' }, { type: 'unchoke' });
    await flush();
    conn.request(0, 0, 10);
    raw.send({ type: 'choke' });
    await flush();
    expect(conn.outstandingRequests).toBe(1);
    raw.send({ type: 'reject', index: 0, begin: 0, length: 10 });
    await flush();
    expect(log).toEqual(['rejected {"index":0,"begin":0,"length":10}']);
  });

  it('closing emits the requests still outstanding, then closed, once', async () => {
    const { conn, raw } = await ready();
    const log = record(conn, 'requestsDropped', 'closed');
    raw.send({ type: 'have_all' }, { type: 'unchoke' });
    await flush();
    conn.request(3, 0, 5000);
    conn.close('done');
    conn.close('again');
    expect(log).toEqual(['requestsDropped [{"index":3,"begin":0,"length":5000}]', 'closed {"code":"CLOSED_LOCALLY","reason":"done"}']);
    await raw.closed;
  });
});

describe('what the remote has', () => {
  it('a bitfield then haves become has events; a repeated have is not', async () => {
    const { conn, raw } = await ready();
    const updates: HasUpdate[] = [];
    conn.on('has', (u) => updates.push(u));
    raw.send({ type: 'bitfield', bytes: Buffer.from([0x80]) }, { type: 'have', index: 2 }, { type: 'have', index: 2 });
    await flush();
    expect(updates.map((u) => (u.type === 'have' ? u.index : u.bitfield.indices().join(',')))).toEqual(['0,2', 2]);
    expect(conn.remoteHas?.indices()).toEqual([0, 2]);
    expect(conn.request(1, 0, 10)).toBe(false); // the remote does not have it
    expect(() => conn.request(0, 0, 2 * BLOCK_SIZE)).toThrow(RangeError);
    expect(() => conn.request(4, 0, 10)).toThrow(RangeError);
  });

  it.each([
    ['a bitfield with spare bits set', { type: 'bitfield', bytes: Buffer.from([0xf8]) }, 'ERR_PEER_BAD_BITFIELD', true],
    ['a bitfield of the wrong length', { type: 'bitfield', bytes: Buffer.from([0xf0, 0]) }, 'ERR_PEER_BAD_BITFIELD', true],
    ['a have beyond the file', { type: 'have', index: 4 }, 'ERR_PEER_BAD_HAVE', true],
    ['have_all without BEP 6', { type: 'have_all' }, 'ERR_PEER_PROTOCOL', false],
    ['reject without BEP 6', { type: 'reject', index: 0, begin: 0, length: 1 }, 'ERR_PEER_PROTOCOL', false],
  ] as const)('%s closes the connection', async (_n, msg, code, fast) => {
    const { conn, raw } = await ready({ fast });
    raw.send(msg);
    expect((await closed(conn)).code).toBe(code);
  });

  it('a second bitfield, or one after a have, closes the connection', async () => {
    const { conn, raw } = await ready();
    raw.send({ type: 'have', index: 1 }, { type: 'have_none' });
    expect((await closed(conn)).code).toBe('ERR_PEER_PROTOCOL');
  });
});

describe('handshake and safety nets', () => {
  it('an answer for another info-hash is refused', async () => {
    const { conn, raw } = pair();
    conn.start();
    raw.handshake(Buffer.alloc(20, 1));
    expect((await closed(conn)).code).toBe('ERR_PEER_WRONG_INFO_HASH');
  });

  it('a remote with an invalid ticket is refused by a fetcher too', async () => {
    const { conn, raw } = pair();
    conn.start();
    raw.handshake(INFO_HASH, { ext: { ticket: ticketFor(GROUP, INFO_HASH.toString('hex'), { expSec: 1 }) } });
    expect((await closed(conn)).code).toBe('ERR_PEER_TICKET_REFUSED');
  });

  it('a remote that never answers times out; one that goes silent is dropped as idle', async () => {
    const silent = pair({ conn: { handshakeTimeoutMs: 50 } });
    silent.conn.start();
    expect((await closed(silent.conn)).code).toBe('ERR_PEER_HANDSHAKE_TIMEOUT');
    const { conn } = await ready({ conn: { idleTimeoutMs: 150 } });
    expect((await closed(conn)).code).toBe('ERR_PEER_IDLE');
  });

  it('sends keep-alives when it has nothing else to say', async () => {
    const { raw } = await ready({ conn: { keepAliveMs: 30 } });
    await raw.waitFor(is('keep_alive'));
  });

  it('too many violations close the connection', async () => {
    const { conn, raw } = await ready({ conn: { maxViolations: 2 } });
    for (let i = 0; i < 3; i++) raw.send({ type: 'piece', index: 0, begin: i, block: Buffer.alloc(1) });
    expect(await closed(conn)).toMatchObject({ code: 'ERR_PEER_TOO_MANY_VIOLATIONS' });
    expect(conn.stats.violations).toBe(3);
  });

  it('a listener that throws is reported as error and breaks nothing', async () => {
    const { conn, raw } = await ready();
    const errors: unknown[] = [];
    conn.on('error', (e) => errors.push(e));
    conn.on('has', () => { throw new Error('listener bug'); });
    raw.send({ type: 'have', index: 1 }, { type: 'have', index: 3 });
    await flush();
    expect(errors).toHaveLength(2);
    expect(conn.state).toBe('open');
    expect(conn.remoteHas?.indices()).toEqual([1, 3]);
  });

  it('a connection to ourselves is closed', async () => {
    const [a, b] = duplexPair();
    const peerId = Buffer.from('-GS0100-selfselfself');
    const file = { groupId: GROUP, size: SIZE, pieceLength: PIECE, source: emptySource(4), ticket: 't' };
    const out = new PeerConnection({ ...options({ peerId }), socket: a, infoHash: INFO_HASH, file });
    const inc = new PeerConnection({ ...options({ peerId }), socket: b, lookup: () => file });
    inc.start();
    out.start();
    expect((await closed(out)).code).toBe('ERR_PEER_SELF');
    expect((await closed(inc)).code).toMatch(/ERR_PEER_SELF|CLOSED_BY_REMOTE/);
  });

  it('penalize counts toward the same limit', async () => {
    const { conn } = await ready({ conn: { maxViolations: 0 } });
    const seen: ViolationInfo[] = [];
    conn.on('violation', (v) => seen.push(v));
    conn.penalize('piece 2 failed its hash');
    expect(seen).toEqual([{ kind: 'penalty', message: 'piece 2 failed its hash', count: 1 }]);
    expect(conn.closeInfo?.code).toBe('ERR_PEER_TOO_MANY_VIOLATIONS');
  });
});

describe('blocks arrive as views', () => {
  it('delivers the exact bytes of a block split across writes', async () => {
    const { conn, raw } = await ready();
    raw.send({ type: 'have_all' }, { type: 'unchoke' });
    await flush();
    conn.request(3, 0, 5000);
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const bytes = Buffer.concat([Buffer.from([0, 0, 0x13, 0x91, 7, 0, 0, 0, 3, 0, 0, 0, 0]), data]);
    const arrived = once(conn, 'block');
    for (let at = 0; at < bytes.length; at += 777) raw.write(bytes.subarray(at, at + 777));
    const [block] = (await arrived) as [ReceivedBlock];
    expect(block.data.equals(data)).toBe(true);
  });
});
