/**
 * Hostile and broken peers on `/replication`: each gets its link closed with the documented
 * code, and the tracker keeps replicating with its real peer afterwards. The hostile side is a
 * bare `ws` client speaking the protocol by hand (it knows the secret where a case needs it).
 */
import { MAX_OPS_PER_BATCH, REPLICATION_PROTOCOL_VERSION, replicationMac } from '@groupshare/protocol';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CloseCode } from './constants.js';
import { SECRET, converged, sleep, startLinks, startServers, stopAll, until, type TestTracker } from '../../test/replication-cluster.js';

type Msg = { t: string; [key: string]: unknown };

/** A hand-driven replication peer. */
class RawPeer {
  readonly received: Msg[] = [];
  readonly closed: Promise<number>;
  readonly nonce = randomBytes(32).toString('hex');
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.received.push(JSON.parse(String(data)) as Msg));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', (code) => resolve(code)));
  }

  static async connect(t: TestTracker, autoPong = true): Promise<RawPeer> {
    const socket = new WebSocket(`ws://127.0.0.1:${t.address.port}/replication`, { maxPayload: 64 * 1024 * 1024, autoPong });
    // Listen before 'open': the tracker's hello may be delivered in the same tick.
    const peer = new RawPeer(socket);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return peer;
  }

  send(msg: unknown): void {
    this.socket.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg));
  }

  async next(t: string): Promise<Msg> {
    let found: Msg | undefined;
    await until(() => (found = this.received.find((m) => m.t === t)) !== undefined, `a ${t} message`);
    return found as Msg;
  }

  /** Completes hello/auth as tracker `as` towards tracker `to`; resolves once live. */
  async handshake(as: number, to: number, secret = SECRET): Promise<void> {
    const hello = await this.next('hello');
    this.send({ t: 'hello', version: REPLICATION_PROTOCOL_VERSION, tracker: as, nonce: this.nonce });
    this.send({ t: 'auth', mac: replicationMac(secret, as, to, this.nonce, hello.nonce as string) });
    await this.next('vector');
  }
}

/** The raw peer poses as tracker 3, which has no links of its own, so no real link displaces it. */
const validOp = (seq: number) => ({
  origin: 3,
  seq,
  hlc: '000000000000001-000000-00003',
  op: { kind: 'user_created', at: new Date(0).toISOString(), userId: `raw${seq}`, passwordHash: 'x' },
});

describe('a tracker facing broken or hostile replication peers', () => {
  let a: TestTracker;
  let b: TestTracker;
  let all: TestTracker[];

  beforeAll(async () => {
    all = await startServers(3);
    [a, b] = all as [TestTracker, TestTracker];
    startLinks(a, all);
    startLinks(b, all, { handshakeTimeoutMs: 300 });
  });
  afterAll(() => stopAll(all));

  const cases: Array<[string, number[], (p: RawPeer) => Promise<void>]> = [
    ['invalid JSON', [CloseCode.BAD_MESSAGE], async (p) => p.send('{not json')],
    ['a binary frame', [CloseCode.BAD_MESSAGE], async (p) => p.send(Buffer.from([1, 2, 3]))],
    ['an unknown message type', [CloseCode.BAD_MESSAGE], async (p) => p.send({ t: 'gossip', x: 1 })],
    ['a non-ASCII schema violation (quoted in the close reason)', [CloseCode.BAD_MESSAGE], async (p) => p.send({ t: 'vector', vector: { ['ü'.repeat(200)]: 1 } })],
    ['auth before hello', [CloseCode.BAD_MESSAGE], async (p) => p.send({ t: 'auth', mac: 'ab'.repeat(32) })],
    ['a hello claiming to be the tracker itself', [CloseCode.UNKNOWN_TRACKER], async (p) => p.send({ t: 'hello', version: 1, tracker: 2, nonce: p.nonce })],
    ['a hello from a tracker not in the list', [CloseCode.UNKNOWN_TRACKER], async (p) => p.send({ t: 'hello', version: 1, tracker: 9, nonce: p.nonce })],
    ['a MAC made with another secret', [CloseCode.BAD_SECRET], async (p) => {
      const hello = await p.next('hello');
      p.send({ t: 'hello', version: 1, tracker: 3, nonce: p.nonce });
      p.send({ t: 'auth', mac: replicationMac('guess', 3, 2, p.nonce, hello.nonce as string) });
    }],
    ['a reflected MAC (the tracker’s own direction)', [CloseCode.BAD_SECRET], async (p) => {
      const hello = await p.next('hello');
      p.send({ t: 'hello', version: 1, tracker: 3, nonce: p.nonce });
      p.send({ t: 'auth', mac: replicationMac(SECRET, 2, 3, hello.nonce as string, p.nonce) });
    }],
    ['silence (handshake timeout)', [CloseCode.HANDSHAKE_TIMEOUT], async () => {}],
    ['an unknown message type after the handshake', [CloseCode.BAD_MESSAGE], async (p) => {
      await p.handshake(3, 2);
      p.send({ t: 'nope' });
    }],
    ['a batch over MAX_OPS_PER_BATCH', [CloseCode.BAD_MESSAGE], async (p) => {
      await p.handshake(3, 2);
      p.send({ t: 'ops', ops: Array.from({ length: MAX_OPS_PER_BATCH + 1 }, (_, i) => validOp(i + 1)) });
    }],
    ['a malformed op', [CloseCode.BAD_MESSAGE], async (p) => {
      await p.handshake(3, 2);
      p.send({ t: 'ops', ops: [{ ...validOp(1), op: { kind: 'drop_tables' } }] });
    }],
    ['an ack for nothing', [CloseCode.BAD_MESSAGE], async (p) => {
      await p.handshake(3, 2);
      p.send({ t: 'ack', vector: {} });
    }],
    // ws refuses the frame itself (1009); fastify's error handler may then cut the TCP connection.
    ['a frame over the 16 MiB limit', [1009, 1006], async (p) => {
      await p.handshake(3, 2);
      p.send('x'.repeat(17 * 1024 * 1024));
    }],
  ];

  it.each(cases)('closes the link on %s and keeps replicating', async (_name, codes, act) => {
    const peer = await RawPeer.connect(b);
    await act(peer);
    expect(codes).toContain(await peer.closed);
    a.store.write();
    await until(() => converged(a.store, b.store), 'replication with the real peer');
  });

  it('signs nothing for a peer that has not proved itself, so a MAC cannot be relayed between trackers', async () => {
    // The stranger opens a socket to tracker 1 and takes its nonce, then claims to be tracker 1
    // on tracker 2's own port with that nonce. Were tracker 2 to answer with its MAC at once,
    // that MAC is exactly what tracker 1 expects from tracker 2 on the first socket.
    const toA = await RawPeer.connect(a);
    const aHello = await toA.next('hello');
    const toB = await RawPeer.connect(b);
    const bHello = await toB.next('hello');
    toB.send({ t: 'hello', version: REPLICATION_PROTOCOL_VERSION, tracker: 1, nonce: aHello.nonce });
    await sleep(100);
    const relayed = toB.received.find((m) => m.t === 'auth')?.mac as string | undefined;
    expect(relayed).toBeUndefined();
    toA.send({ t: 'hello', version: REPLICATION_PROTOCOL_VERSION, tracker: 2, nonce: bHello.nonce });
    toA.send({ t: 'auth', mac: relayed ?? '00'.repeat(32) });
    expect(await toA.closed).toBe(CloseCode.BAD_SECRET);
    expect(toA.received.some((m) => m.t === 'vector')).toBe(false);
    a.store.write();
    await until(() => converged(a.store, b.store), 'replication with the real peer');
  });

  it('resends from the acked vector when the peer did not apply a whole batch', async () => {
    for (let i = 0; i < 3; i++) b.store.write();
    const peer = await RawPeer.connect(b);
    await peer.handshake(3, 2);
    const mine = b.store.vectorNow()['2'] ?? 0;
    peer.send({ t: 'vector', vector: { ...b.store.vectorNow(), '2': mine - 3 } });
    await until(() => peer.received.some((m) => m.t === 'ops'), 'the first batch');
    const seqs = (m: Msg | undefined): number[] => (m?.ops as Array<{ seq: number }>).map((op) => op.seq);
    expect(seqs(peer.received.find((m) => m.t === 'ops'))).toEqual([mine - 2, mine - 1, mine]);
    // "Applied only the first": the tracker must send the other two again.
    peer.send({ t: 'ack', vector: { ...b.store.vectorNow(), '2': mine - 2 } });
    await until(() => peer.received.filter((m) => m.t === 'ops').length === 2, 'the batch sent again');
    expect(seqs(peer.received.filter((m) => m.t === 'ops')[1])).toEqual([mine - 1, mine]);
    peer.socket.close();
    await peer.closed;
  });

  it('applies ops from an authenticated peer and acknowledges them', async () => {
    const peer = await RawPeer.connect(b);
    await peer.handshake(3, 2);
    const next = (b.store.vectorNow()['3'] ?? 0) + 1;
    peer.send({ t: 'ops', ops: [validOp(next)] });
    const ack = await peer.next('ack');
    expect((ack.vector as Record<string, number>)['3']).toBe(next);
    await until(() => converged(a.store, b.store), 'the op passed on to tracker 1');
    peer.socket.close();
    await peer.closed;
  });
});

describe('lost frames', () => {
  let all: TestTracker[];
  afterEach(() => stopAll(all));
  const seqs = (m: Msg | undefined): number[] => (m?.ops as Array<{ seq: number }>).map((op) => op.seq);
  const opsFrames = (p: RawPeer): Msg[] => p.received.filter((m) => m.t === 'ops');

  /** Tracker 2 with `timings`, and a raw peer posing as tracker 1 that lacks tracker 2's last `lacking` ops. */
  async function lossyPeer(timings: Record<string, number>, lacking: number): Promise<{ b: TestTracker; peer: RawPeer; mine: number }> {
    all = await startServers(2);
    const b = all[1] as TestTracker;
    for (let i = 0; i < 3; i++) b.store.write();
    startLinks(b, all, { timings });
    const peer = await RawPeer.connect(b);
    await peer.handshake(1, 2);
    const mine = b.store.vectorNow()['2'] ?? 0;
    peer.send({ t: 'vector', vector: { '2': mine - lacking } });
    return { b, peer, mine };
  }

  it('sends a batch again when its frame (or its ack) is lost, with no new write', async () => {
    const { peer, mine } = await lossyPeer({ exchangeMs: 50, resendAfterMs: 300 }, 2);
    await until(() => opsFrames(peer).length === 1, 'the batch');
    const first = opsFrames(peer)[0]!;
    expect(first.batch).toEqual(expect.any(Number));
    // The peer "never got it": no ack. The same ops come again, under a new batch number.
    await until(() => opsFrames(peer).length === 2, 'the batch sent again', 3_000);
    const again = opsFrames(peer)[1]!;
    expect(seqs(again)).toEqual(seqs(first));
    expect(again.batch).not.toBe(first.batch);
    peer.send({ t: 'ack', batch: again.batch, vector: { '2': mine } });
    await sleep(700);
    expect(opsFrames(peer)).toHaveLength(2); // acked: nothing more to send
  });

  it('an ack naming a later batch shows the earlier ones were lost: they are sent again at once', async () => {
    const { b, peer, mine } = await lossyPeer({ resendAfterMs: 60_000 }, 1);
    await until(() => opsFrames(peer).length === 1, 'batch one');
    b.store.write();
    await until(() => opsFrames(peer).length === 2, 'batch two');
    // Batch one "was lost", so batch two stopped at the gap: the ack covers neither.
    peer.send({ t: 'ack', batch: opsFrames(peer)[1]!.batch, vector: { '2': mine - 1 } });
    await until(() => opsFrames(peer).length === 3, 'both sent again', 1_000);
    expect(seqs(opsFrames(peer)[2])).toEqual([mine, mine + 1]);
  });

  it('keeps sending after more lost batches than its window holds', async () => {
    const { b, peer } = await lossyPeer({ exchangeMs: 50, resendAfterMs: 200 }, 0);
    for (let i = 0; i < 6; i++) {
      b.store.write();
      await until(() => opsFrames(peer).length > i, `batch ${i + 1}`, 3_000); // never acked
    }
    expect(new Set(opsFrames(peer).map((m) => m.batch)).size).toBe(opsFrames(peer).length);
  });

  it('closes (4005) a link whose batches get no ack at all, so that it is dialled again', async () => {
    const { b, peer } = await lossyPeer({ exchangeMs: 50, resendAfterMs: 100, stallRedialMs: 500 }, 1);
    expect(await peer.closed).toBe(CloseCode.NO_PROGRESS);
    expect(b.lines.some((l) => /acknowledged nothing/.test(l.msg))).toBe(true);
  });

  it('refuses an ack naming a batch it never sent', async () => {
    const { peer } = await lossyPeer({}, 0);
    peer.send({ t: 'ack', batch: 99, vector: {} });
    expect(await peer.closed).toBe(CloseCode.BAD_MESSAGE);
  });
});

describe('the heartbeat', () => {
  it('drops a live peer that stops answering pings', async () => {
    const all = await startServers(2);
    try {
      const b = all[1] as TestTracker;
      startLinks(b, all, { heartbeatMs: 50 });
      const peer = await RawPeer.connect(b, false);
      await peer.handshake(1, 2);
      await peer.closed;
      expect(b.events.find((e) => e.type === 'closed')).toMatchObject({ code: 1006, status: { peer: 1, state: 'closed' } });
      expect(b.lines.some((l) => /stopped answering pings/.test(l.msg))).toBe(true);
    } finally {
      await stopAll(all);
    }
  });
});
