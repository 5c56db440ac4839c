import type { SyncStatus } from '@groupshare/engine';
import { describe, expect, it } from 'vitest';

import { formatSyncEvent, syncLine } from './sync.js';

const base: SyncStatus = { groupId: 'lab', dir: '/home/ann/lab', mirrorDeletes: false, files: 3, syncing: 0, conflicts: 0, watch: 'watching' };

describe('synced folders in show_downloads', () => {
  it('say up to date, how many files are syncing and which is being hashed, conflicts and polling', () => {
    expect(syncLine(base)).toBe('[S] [lab] /home/ann/lab: up to date');
    expect(syncLine({ ...base, syncing: 2, hashing: { path: 'big.iso', percent: 40 }, conflicts: 1 })).toBe('[S] [lab] /home/ann/lab: syncing 2 files (hashing big.iso: 40%), 1 conflict');
    expect(syncLine({ ...base, scanning: true })).toBe('[S] [lab] /home/ann/lab: scanning the folder');
    expect(syncLine({ ...base, watch: 'polling' })).toBe('[S] [lab] /home/ann/lab: up to date, polling (out of file watches)');
  });

  it('tell the fallback to polling as a warning, never silently', () => {
    const reason = 'the system ran out of file watches (ENOSPC: raise fs.inotify.max_user_watches); polling the folder every 1 s instead';
    expect(formatSyncEvent({ kind: 'polling', reason }, base)).toEqual({ line: `[sync] [lab] /home/ann/lab: ${reason}`, warn: true });
    expect(formatSyncEvent({ kind: 'idle' }, base)).toBeUndefined();
  });
});
