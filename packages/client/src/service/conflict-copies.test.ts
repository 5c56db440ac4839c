import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { findConflictCopies } from './conflict-copies.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('the conflict copies of a synced folder', () => {
  it('are named by their paths in the folder, never through a link nor from .groupshare/', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'gs-conflicts-'));
    dirs.push(base);
    const folder = path.join(base, 'lab');
    const outside = path.join(base, 'elsewhere');
    await mkdir(path.join(folder, 'notes'), { recursive: true });
    await mkdir(path.join(folder, '.groupshare', 'versions'), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(folder, 'plan.txt'), 'winner');
    await writeFile(path.join(folder, 'plan.sync-conflict-20261207-221337-bob.txt'), 'loser');
    await writeFile(path.join(folder, 'notes', 'monday.sync-conflict-20261207-221400-ann.md'), 'loser');
    await writeFile(path.join(folder, '.groupshare', 'versions', 'x.sync-conflict-20261207-221337-bob.txt'), 'old');
    await writeFile(path.join(outside, 'y.sync-conflict-20261207-221337-bob.txt'), 'not ours');
    await symlink(outside, path.join(folder, 'link'));
    await symlink(path.join(outside, 'y.sync-conflict-20261207-221337-bob.txt'), path.join(folder, 'z.sync-conflict-20261207-221337-bob.txt'));

    expect(await findConflictCopies(folder)).toEqual(['notes/monday.sync-conflict-20261207-221400-ann.md', 'plan.sync-conflict-20261207-221337-bob.txt']);
    expect(await findConflictCopies(folder, 1)).toHaveLength(1);
    expect(await findConflictCopies(path.join(base, 'gone'))).toEqual([]);
  });
});
