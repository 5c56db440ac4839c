import { describe, expect, it } from 'vitest';

import { HeldPaths } from './held-paths.js';
import type { HeldFile } from './sync-store.js';

const held = (kind: 'f' | 'd'): HeldFile => ({ held: { kind } as HeldFile['held'], mtimeMs: 0, ino: 0 });

describe('HeldPaths', () => {
  it('counts files and conflict copies through every change (tombstones are not files)', () => {
    const m = HeldPaths.of(new Map([['a.txt', held('f')], ['gone.txt', held('d')]]));
    expect([m.files, m.conflicts]).toEqual([1, 0]);
    m.set('a.sync-conflict-20261208-010203-bob.txt', held('f'));
    m.set('a.txt', held('f')); // replaced: still one
    expect([m.files, m.conflicts]).toEqual([2, 1]);
    m.set('gone.txt', held('f')); // a tombstone's path holding a file again
    m.set('a.txt', held('d')); // deleted, mirrored
    expect([m.files, m.conflicts]).toEqual([2, 1]);
    m.delete('a.sync-conflict-20261208-010203-bob.txt');
    m.delete('never.txt');
    expect([m.files, m.conflicts]).toEqual([1, 0]);
    m.clear();
    expect([m.files, m.conflicts, m.size]).toEqual([0, 0, 0]);
  });
});
