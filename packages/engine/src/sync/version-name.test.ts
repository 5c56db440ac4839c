import { fileNameProblem } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';

import { conflictPath, parseVersionName, syncPathProblem, versionName, type SyncVersion } from './version-name.js';
import { compareVectors, parseVector } from './version-vector.js';

const v: SyncVersion = { kind: 'f', author: 'bob', time: Date.UTC(2026, 11, 7, 21, 5, 9), vector: new Map([['bob', 2], ['ann', 1]]), path: 'sub dir/100%/notes.txt' };

describe('version names', () => {
  it('round-trip through a name the tracker accepts', () => {
    const name = versionName(v);
    expect(name).toBe(`.gsync~f~bob~${v.time.toString(36)}~ann:1+bob:2~sub dir%2F100%25%2Fnotes.txt`);
    expect(fileNameProblem(name)).toBeUndefined();
    expect(parseVersionName(name)).toEqual(v);
  });

  it('refuse garbled or foreign names', () => {
    for (const name of ['notes.txt', '.gsync~f~bob~1~bob:1', '.gsync~x~bob~1~bob:1~a', '.gsync~f~bob~1~ann:1~a', '.gsync~f~bob~1~bob:1+ann:1~a', '.gsync~f~bob~1~bob:1~a%2F..%2Fb', '.gsync~f~bob~1~bob:1~.groupshare%2Fx', '.gsync~f~bob~1~bob:1~a%41']) {
      expect(parseVersionName(name), name).toBeUndefined();
    }
  });

  it('name conflict copies after the loser: name.sync-conflict-<UTC time>-<user>.ext', () => {
    expect(conflictPath(v)).toBe('sub dir/100%/notes.sync-conflict-20261207-210509-bob.txt');
    expect(conflictPath({ ...v, path: 'Makefile' })).toBe('Makefile.sync-conflict-20261207-210509-bob');
    expect(conflictPath({ ...v, path: 'a/.bashrc' })).toBe('a/.bashrc.sync-conflict-20261207-210509-bob');
  });

  it('apply download_file name rules to every component of a path', () => {
    expect(syncPathProblem('a/b/c.txt')).toBeUndefined();
    expect(syncPathProblem('a/../b')).toMatch(/\.\./);
    expect(syncPathProblem('a/\u202eb')).toMatch(/invisible/);
    expect(syncPathProblem('.groupshare/versions/x')).toMatch(/\.groupshare/);
    expect(syncPathProblem(`${'x'.repeat(100)}/${'y'.repeat(100)}`)).toMatch(/too long/);
  });
});

describe('version vectors', () => {
  it('order saves', () => {
    const a = parseVector('ann:1') as Map<string, number>;
    expect(compareVectors(a, parseVector('ann:1+bob:1') as Map<string, number>)).toBe('before');
    expect(compareVectors(parseVector('ann:2') as Map<string, number>, parseVector('ann:1+bob:1') as Map<string, number>)).toBe('concurrent');
    expect(compareVectors(a, new Map([['ann', 1]]))).toBe('equal');
    expect(parseVector('bob:1+ann:1')).toBeUndefined(); // one spelling per vector
  });
});
