import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryFile, historyEntry } from './history.js';

describe('historyEntry', () => {
  it('drops the password from create_user and login lines', () => {
    expect(historyEntry('login alice s3cret-password')).toBe('login alice');
    expect(historyEntry('create_user "alice" "pass word 123"')).toBe('create_user alice');
    expect(historyEntry('login alice')).toBe('login alice');
    // Command names ignore case; the password goes all the same.
    expect(historyEntry('Login alice s3cret-password')).toBe('Login alice');
    expect(historyEntry('list_groups')).toBe('list_groups');
  });

  it('stores no blank or comment lines', () => {
    expect(historyEntry('   ')).toBeUndefined();
    expect(historyEntry('# note')).toBeUndefined();
  });
});

describe('HistoryFile', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('appends as lines are entered, keeps the last N, and is private to its owner', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'groupshare-history-'));
    const file = path.join(dir, 'history');
    await writeFile(file, 'old 1\nold 2\nold 3\n');
    const history = new HistoryFile(file, 3);
    expect(await history.load()).toEqual(['old 1', 'old 2', 'old 3']);
    history.add('list_groups');
    history.add('login bob hunter22-secret');
    await history.close();
    expect(await readFile(file, 'utf8')).toBe('old 3\nlist_groups\nlogin bob\n');
    expect((await stat(file)).mode & 0o077).toBe(0);
  });

  it('treats a missing file as an empty history', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'groupshare-history-'));
    expect(await new HistoryFile(path.join(dir, 'nope')).load()).toEqual([]);
  });
});
