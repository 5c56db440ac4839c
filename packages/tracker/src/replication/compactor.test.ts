// Compaction in two passes: a capture, installed once every tracker holds its ops; no capture
// while another tracker is far behind (it could not be installed, and would slow its catch-up).
import type { Vector } from '@groupshare/protocol';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type TrackerDatabase } from '../db/open-database.js';
import { TrackerStore } from '../state/store.js';
import { Compactor } from './compactor.js';
import type { ReplicationLinks } from './peer-links.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'groupshare-compactor-'));
const open: TrackerDatabase[] = [];
afterAll(async () => {
  for (const db of open) await db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A store with `count` ops of its own, and a compactor whose one peer reports `peer()`. */
async function setUp(name: string, count: number, peer: () => { vector: Vector; clock: string }) {
  const db = await openDatabase({ file: path.join(tmp, `${name}.db`) });
  open.push(db);
  const store = new TrackerStore(db, 1);
  await store.start();
  for (let i = 0; i < count; i++) await store.mutate((w) => w.commit({ kind: 'user_created', userId: `u${i}`, passwordHash: 'h' }));
  const links = { peers: [2], peerProgress: () => peer(), absentForMs: () => 0 } as unknown as ReplicationLinks;
  const compactor = new Compactor({ store, links, log: pino({ level: 'silent' }), intervalMs: 60_000, minOps: 10 });
  return { store, db, compactor };
}

describe('Compactor', () => {
  it('captures, then installs once the other tracker holds the captured ops', async () => {
    let peer = { vector: {} as Vector, clock: '' };
    const { store, db, compactor } = await setUp('in-sync', 20, () => peer);
    const all = await store.vector();
    peer = { vector: { ...all }, clock: store.clock.now() };
    expect(await compactor.runOnce()).toBe(0); // captured
    await store.mutate((w) => w.commit({ kind: 'user_created', userId: 'late', passwordHash: 'h' }));
    peer = { vector: await store.vector(), clock: store.clock.now() };
    expect(await compactor.runOnce()).toBe(20); // installed; the newest op stays in the log
    expect(await db.prisma.opLog.count()).toBe(1);
  });

  it('captures nothing while the other tracker is more than a thousand ops behind', async () => {
    let peer = { vector: {} as Vector, clock: '' };
    const { store, db, compactor } = await setUp('behind', 1_050, () => peer);
    peer = { vector: {}, clock: store.clock.now() };
    expect(await compactor.runOnce()).toBe(0);
    // It catches up: the first pass captures, the next installs.
    peer = { vector: await store.vector(), clock: store.clock.now() };
    expect(await compactor.runOnce()).toBe(0);
    expect(await compactor.runOnce()).toBe(1_050);
    expect(await db.prisma.opLog.count()).toBe(0);
  });
});
