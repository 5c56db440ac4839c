import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { scanFolder } from './scan.js';

let root: string;
beforeEach(async () => {
  root = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'gs-scan-')));
});
afterEach(async () => fsp.rm(root, { recursive: true, force: true }));

describe('scanFolder', () => {
  it('lists regular files with their stat, reports links and unsyncable names once, and enters neither .groupshare nor a refused directory', async () => {
    await fsp.mkdir(join(root, 'ok/deep'), { recursive: true });
    await fsp.writeFile(join(root, 'ok/deep/a.txt'), 'hello');
    await fsp.mkdir(join(root, 'bad\u202etxt'));
    await fsp.writeFile(join(root, 'bad\u202etxt/inside.txt'), 'x');
    await fsp.symlink('/etc', join(root, 'bad\u202etxt/link'));
    await fsp.writeFile(join(root, ' lead.txt'), 'x');
    await fsp.symlink('/etc', join(root, 'etc'));
    await fsp.mkdir(join(root, '.groupshare/tmp'), { recursive: true });
    await fsp.writeFile(join(root, '.groupshare/tmp/partial'), 'x');
    const scan = await scanFolder(root);
    const st = await fsp.lstat(join(root, 'ok/deep/a.txt'));
    expect([...scan.files]).toEqual([['ok/deep/a.txt', { size: 5, mtimeMs: st.mtimeMs, ino: st.ino }]]);
    expect(scan.dirs.sort()).toEqual(['', 'ok', 'ok/deep']);
    expect(scan.skipped.map((s) => s.path).sort()).toEqual([' lead.txt', 'bad\u202etxt', 'etc']);
    expect(scan.skipped.find((s) => s.path === 'etc')?.reason).toBe('is a symbolic link (never followed)');
  });
});
