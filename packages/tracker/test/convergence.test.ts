// Replicated state depends only on which ops a tracker holds, never on the order they arrived
// in: random op sets from three origins (clients' ops and the operator's console ops),
// delivered in different interleavings and with duplicates, give the same state digest as
// delivery in HLC order.
import type { Op, ReplicatedOp } from '@groupshare/protocol';
import { hashPieces, infoHash, seededRng, sha1 } from '@groupshare/protocol';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type TrackerDatabase } from '../src/db/open-database.js';
import { stateDigest } from '../src/state/digest.js';
import { formatHlc } from '../src/state/hlc.js';
import { TrackerStore } from '../src/state/store.js';
import { testBytes } from './helpers.js';


const USERS = ['ann', 'bob', 'cy'];
const GROUPS = ['g1', 'g2'];
const FILE = testBytes(40_000, 5);
const FILE_FIELDS = {
  size: FILE.length,
  sha1: sha1(FILE).toString('hex'),
  pieceLength: 16_384,
  pieces: hashPieces(FILE, 16_384).toString('hex'),
};

/**
 * Ops as three trackers might write them during a partition: every origin registers some users
 * (so the same id is registered on several origins, with different passwords), then acts at
 * random as users under one of their registrations. HLCs rise per origin and interleave.
 */
function generate(seed: number, count: number): ReplicatedOp[] {
  const rnd = seededRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const seqs = [0, 0, 0, 0];
  const clocks = [0, 1000, 1000, 1000];
  const incarnations = new Map<string, string[]>(); // user → HLCs of its registrations
  const out: ReplicatedOp[] = [];
  const emit = (origin: number, body: Record<string, unknown>) => {
    clocks[origin]! += 1 + Math.floor(rnd() * 20);
    const hlc = formatHlc({ wallMs: clocks[origin]!, counter: 0, node: origin });
    const op = { ...body, at: new Date(clocks[origin]! * 1000).toISOString() } as Op;
    out.push({ origin, seq: ++seqs[origin]!, hlc, op });
    return hlc;
  };
  for (const user of USERS) {
    for (const origin of [1, 2, 3]) {
      if (origin > 1 && rnd() < 0.5) continue;
      const hlc = emit(origin, { kind: 'user_created', userId: user, passwordHash: `hash-${user}-${origin}` });
      incarnations.set(user, [...(incarnations.get(user) ?? []), hlc]);
    }
  }
  for (let i = 0; i < count; i++) {
    const origin = pick([1, 2, 3]);
    const user = pick(USERS);
    if (rnd() < 0.08) {
      // The operator, on some tracker's console. A reset or a new registration after a removal
      // is a new account incarnation: later ops may act under it, or still under an older one.
      const kind = pick(['user_removed', 'password_reset', 'registration_set'] as const);
      if (kind === 'registration_set') emit(origin, { kind, open: rnd() < 0.5 });
      else if (kind === 'password_reset') incarnations.get(user)!.push(emit(origin, { kind, userId: user, passwordHash: `reset-${user}-${i}` }));
      else {
        emit(origin, { kind, userId: user });
        incarnations.get(user)!.push(emit(origin, { kind: 'user_created', userId: user, passwordHash: `again-${user}-${i}` }));
      }
      continue;
    }
    const account = pick(incarnations.get(user)!);
    const groupId = pick(GROUPS);
    const name = pick(['a.bin', 'b.bin']);
    const hash = infoHash({ name, length: FILE.length, pieceLength: 16_384, pieces: Buffer.from(FILE_FIELDS.pieces, 'hex') });
    const kind = pick(['group_created', 'join_requested', 'join_resolved', 'member_left', 'file_shared', 'pieces_updated', 'share_stopped', 'session_opened', 'session_closed', 'sessions_expired'] as const);
    // Each user's own few sessions (a token hash belongs to one user, as in real logs).
    const token = `${USERS.indexOf(user)}${pick(['1', '2', '3'])}`.repeat(32);
    const bodies: Record<typeof kind, Record<string, unknown>> = {
      group_created: { kind, account, groupId, ownerId: user },
      join_requested: { kind, account, groupId, userId: user },
      join_resolved: { kind, account, groupId, userId: pick(USERS), accepted: rnd() < 0.7, by: user },
      member_left: { kind, account, groupId, userId: user },
      file_shared: { kind, account, groupId, infoHash: hash, name, ...FILE_FIELDS, userId: user, peerAddress: `127.0.0.1:${6000 + origin}` },
      pieces_updated: { kind, account, groupId, infoHash: hash, userId: user, peerAddress: '127.0.0.1:7000', bitfield: Buffer.from([pick([0x80, 0xc0, 0xf8])]).toString('base64') },
      share_stopped: { kind, account, groupId, infoHash: hash, userId: user },
      session_opened: { kind, account, tokenHash: token, userId: user, peerAddress: null, expiresAt: pick(['2030-01-01T00:00:00.000Z', '2001-01-01T00:00:00.000Z']) },
      // Old logs' session_closed named no user; new ones do.
      session_closed: { kind, tokenHash: token, ...(rnd() < 0.5 ? { userId: user } : {}) },
      sessions_expired: { kind, sessions: [{ tokenHash: token, userId: user }] },
    };
    emit(origin, bodies[kind]);
  }
  return out;
}

/** A random interleaving that keeps each origin's own order, with some ops delivered twice. */
function interleave(ops: ReplicatedOp[], seed: number): ReplicatedOp[] {
  const rnd = seededRng(seed);
  const queues = [1, 2, 3].map((o) => ops.filter((op) => op.origin === o));
  const out: ReplicatedOp[] = [];
  while (queues.some((q) => q.length > 0)) {
    const q = queues.filter((x) => x.length > 0);
    const chosen = q[Math.floor(rnd() * q.length)]!;
    const op = chosen.shift()!;
    out.push(op);
    if (rnd() < 0.1) out.push(op);
  }
  return out;
}

const dirs: string[] = [];
const open: TrackerDatabase[] = [];
afterAll(async () => {
  for (const db of open) await db.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function replica(): Promise<{ store: TrackerStore; db: TrackerDatabase }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'groupshare-converge-'));
  dirs.push(dir);
  const db = await openDatabase({ file: path.join(dir, 'tracker.db') });
  open.push(db);
  const store = new TrackerStore(db, 9);
  await store.start();
  return { store, db };
}

/** Delivers ops in batches of random size, as links would. */
async function deliver(store: TrackerStore, ops: ReplicatedOp[], seed: number): Promise<void> {
  const rnd = seededRng(seed);
  for (let i = 0; i < ops.length; ) {
    const n = 1 + Math.floor(rnd() * 8);
    await store.applyRemote(ops.slice(i, i + n));
    i += n;
  }
}

describe('convergence', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: any delivery order gives the state of HLC order`, async () => {
      const ops = generate(seed, 60);
      const reference = await replica();
      await deliver(reference.store, [...ops].sort((a, b) => (a.hlc < b.hlc ? -1 : 1)), seed);
      expect(reference.store.rebuilds).toBe(0); // in HLC order nothing is ever late
      const expected = await stateDigest(reference.db.reader);
      // The scenario must exercise something: some groups and conflicts exist at the end.
      expect(await reference.db.prisma.conflict.count()).toBeGreaterThan(0);

      for (const order of [101, 202, 303]) {
        const other = await replica();
        await deliver(other.store, interleave(ops, seed * 1000 + order), order);
        expect(await other.store.vector(), `seed ${seed} order ${order}`).toEqual(await reference.store.vector());
        expect(await stateDigest(other.db.reader), `seed ${seed} order ${order}`).toBe(expected);
      }
    });
  }

  it('a registration arriving late behind a removal of that id is placed before it, as HLC order says', async () => {
    const logged = (origin: number, seq: number, ms: number, body: Record<string, unknown>): ReplicatedOp => ({
      origin,
      seq,
      hlc: formatHlc({ wallMs: ms, counter: 0, node: origin }),
      op: { ...body, at: new Date(ms).toISOString() } as Op,
    });
    const created = (origin: number, ms: number, hash: string) => logged(origin, 1, ms, { kind: 'user_created', userId: 'bob', passwordHash: hash });
    const removed = logged(1, 2, 3_000, { kind: 'user_removed', userId: 'bob' });
    const ops = [created(1, 1_000, 'first'), created(2, 2_000, 'second'), removed];
    const inOrder = await replica();
    await inOrder.store.applyRemote(ops.slice(0, 2));
    await inOrder.store.applyRemote([removed]);
    const late = await replica();
    await late.store.applyRemote([ops[0]!, removed]);
    await late.store.applyRemote([ops[1]!]); // older than the removal, and about the same user
    expect(late.store.rebuilds).toBe(1);
    expect(await late.db.prisma.user.count()).toBe(0); // the removal came last: nobody is left
    expect(await stateDigest(late.db.reader)).toBe(await stateDigest(inOrder.db.reader));
  });

  it('compaction keeps the state; a fresh replica catches up from the snapshot plus the rest of the log', async () => {
    const ops = generate(7, 80);
    const ordered = [...ops].sort((a, b) => (a.hlc < b.hlc ? -1 : 1));
    const full = await replica();
    // The older half arrives, the state is captured, the rest arrives while the capture waits
    // for every tracker to hold its ops (a lone store: at once), then it becomes the snapshot.
    await deliver(full.store, interleave(ordered.slice(0, 41), 3), 3);
    const capture = (await full.store.captureSnapshot())!;
    expect(capture.horizon).toBe(ordered[40]!.hlc);
    await deliver(full.store, interleave(ordered.slice(41), 4), 4);
    const expected = await stateDigest(full.db.reader);
    expect(await full.store.installCapture(capture)).toBe(41);
    expect(full.store.horizon).toBe(ordered[40]!.hlc);
    expect(await full.store.retainedOps()).toBe(ops.length - 41);
    expect(await full.store.dropCompacted(10)).toBe(10); // a few at a time
    while ((await full.store.dropCompacted(10)) > 0);
    expect(await full.db.prisma.opLog.count()).toBe(ops.length - 41);
    expect(await stateDigest(full.db.reader)).toBe(expected);
    await full.store.rebuild(); // now from the snapshot
    expect(await stateDigest(full.db.reader)).toBe(expected);

    const fresh = await replica();
    expect(full.store.needsSnapshot(await fresh.store.vector())).toBe(true);
    expect(await fresh.store.installSnapshot((await full.store.exportSnapshot())!)).toBe(true);
    const { ops: rest } = await full.store.opsMissing(await fresh.store.vector(), 0, 10_000);
    expect(rest).toHaveLength(ops.length - 41);
    await fresh.store.applyRemote(rest);
    expect(await stateDigest(fresh.db.reader)).toBe(expected);
    expect(await fresh.store.vector()).toEqual(await full.store.vector());
    // A replica that already has everything ignores the snapshot.
    expect(await fresh.store.installSnapshot((await full.store.exportSnapshot())!)).toBe(false);
  });

  it('a capture is not installed when an op at or below its horizon arrived after it', async () => {
    const ops = generate(11, 60);
    const ordered = [...ops].sort((a, b) => (a.hlc < b.hlc ? -1 : 1));
    const older = ordered.slice(0, 31);
    // Held back: the last op of an origin among the older ones, other than the newest op.
    const late = [...older].reverse().find((r) => r.origin !== older.at(-1)!.origin)!;
    const r = await replica();
    await deliver(r.store, interleave(older.filter((x) => x !== late), 5), 5);
    const stale = (await r.store.captureSnapshot())!;
    expect(late.hlc < stale.horizon).toBe(true);
    await r.store.applyRemote([late]); // from a partition: older than the capture
    const expected = await stateDigest(r.db.reader);
    expect(await r.store.installCapture(stale)).toBe(0);
    expect(r.store.horizon).toBeUndefined();
    expect(await r.store.retainedOps()).toBe(older.length);
    // A capture taken now holds it, and is installed.
    expect(await r.store.installCapture((await r.store.captureSnapshot())!)).toBe(older.length);
    await r.store.rebuild();
    expect(await stateDigest(r.db.reader)).toBe(expected);
  });

  it('what a pump is sent from memory is what the log holds', async () => {
    const ops = generate(13, 80);
    const r = await replica();
    await deliver(r.store, interleave(ops, 9), 9);
    // A second store on the same database has nothing in memory: it reads the log.
    const fromLog = new TrackerStore(r.db, 9);
    await fromLog.start();
    const ordered = [...ops].sort((a, b) => (a.hlc < b.hlc ? -1 : 1));
    const peers = [{}, { [String(ops[0]!.origin)]: 5 }, Object.fromEntries(ordered.slice(0, 40).map((o) => [String(o.origin), o.seq]))];
    for (const peer of peers) {
      for (const [after, limit] of [[0, 10_000], [0, 7], [25, 10], [60, 10_000]] as const) {
        expect(await r.store.opsMissing(peer, after, limit)).toEqual(await fromLog.opsMissing(peer, after, limit));
      }
    }
  });

  it('replaying the whole log changes nothing', async () => {
    const ops = generate(42, 80);
    const r = await replica();
    await deliver(r.store, interleave(ops, 7), 7);
    const before = await stateDigest(r.db.reader);
    await r.store.rebuild();
    expect(await stateDigest(r.db.reader)).toBe(before);
  });
});
