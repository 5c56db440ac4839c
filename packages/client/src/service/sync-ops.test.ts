import { EventEmitter } from 'node:events';
import type { PeerNode, SyncStatus, TrackerLink } from '@groupshare/engine';
import { describe, expect, it } from 'vitest';

import { PeerEventBus } from './events.js';
import { RECENT_SYNC_EVENTS, SyncOps } from './sync-ops.js';

const status: SyncStatus = { groupId: 'lab', dir: '/home/ann/lab', mirrorDeletes: false, files: 3, syncing: 2, conflicts: 0, watch: 'watching', hashing: { path: 'big.iso', percent: 40 } };

/** SyncOps over a node whose synced folder is `status` and whose events the test emits. */
function opsWithFolder(): { ops: SyncOps; sync: EventEmitter; told: () => number } {
  const sync = Object.assign(new EventEmitter(), { list: () => [status] });
  const events = new PeerEventBus();
  let told = 0;
  events.on('synced', () => void told++);
  const node = { sync } as unknown as PeerNode;
  const ops = new SyncOps({ link: {} as TrackerLink, node, events, requireNode: () => node });
  return { ops, sync, told: () => told };
}

describe("a synced folder's view for the fronts", () => {
  it("has the shell's words for its state, its latest events newest first, and the last error", () => {
    const { ops, sync, told } = opsWithFolder();
    expect(ops.list()).toEqual([
      { groupId: 'lab', dir: '/home/ann/lab', mirrorDeletes: false, files: 3, state: 'syncing', syncing: 2, hashing: { path: 'big.iso', percent: 40 }, conflicts: 0, conflictCopies: [], watch: 'watching', summary: 'syncing 2 files (hashing big.iso: 40%)', events: [] },
    ]);
    sync.emit('event', { kind: 'error', path: 'a.txt', message: 'permission denied' }, status);
    for (let i = 0; i < RECENT_SYNC_EVENTS; i++) sync.emit('event', { kind: 'fetched', path: `f${i}.txt`, local: false }, status);
    sync.emit('event', { kind: 'idle' }, status);
    const [view] = ops.list();
    expect(view?.events.map((e) => e.text)).toEqual(['f4.txt: received', 'f3.txt: received', 'f2.txt: received', 'f1.txt: received', 'f0.txt: received']);
    expect(view?.lastError).toMatchObject({ path: 'a.txt', message: 'permission denied' });
    expect(told()).toBe(RECENT_SYNC_EVENTS + 2); // every event, idle too, tells the fronts to look again
    ops.close();
    sync.emit('event', { kind: 'fetched', path: 'late.txt', local: false }, status);
    expect(told()).toBe(RECENT_SYNC_EVENTS + 2);
  });
});
