import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from './commands/index.js';
import { complete } from './completion.js';
import { completeLocalPath, expandHome, resolveLocalPath } from './paths.js';
import { CompletionCache } from './completion-cache.js';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'groupshare-paths-'));
  await mkdir(path.join(home, 'Downloads'));
  await mkdir(path.join(home, 'Documents'));
  await mkdir(path.join(home, 'my folder'));
  await mkdir(path.join(home, '.config'));
  await writeFile(path.join(home, 'Doc notes.txt'), '');
  await writeFile(path.join(home, '.profile'), '');
  await symlink(path.join(home, 'Downloads'), path.join(home, 'Dl-link'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

describe('~ in paths', () => {
  it('is the home folder at the start of a path, and nothing else', () => {
    expect(expandHome('~', '/home/ann')).toBe('/home/ann');
    expect(expandHome('~/in/x', '/home/ann')).toBe('/home/ann/in/x');
    expect(expandHome('~bob/x', '/home/ann')).toBe('~bob/x');
    expect(expandHome('a/~/x', '/home/ann')).toBe('a/~/x');
    expect(resolveLocalPath('~/in', { home: '/home/ann', cwd: '/tmp' })).toBe('/home/ann/in');
    expect(resolveLocalPath('in', { home: '/home/ann', cwd: '/tmp' })).toBe('/tmp/in');
  });
});

describe('completing local paths', () => {
  it('lists a folder’s entries as typed, folders with a trailing /, hidden ones only after a dot', () => {
    const where = { home, cwd: '/' };
    expect(completeLocalPath('~/D', where, false)).toEqual(['~/Dl-link/', '~/Doc notes.txt', '~/Documents/', '~/Downloads/']);
    expect(completeLocalPath('~/D', where, true)).toEqual(['~/Dl-link/', '~/Documents/', '~/Downloads/']);
    expect(completeLocalPath('~/', where, false)).not.toContain('~/.config/');
    expect(completeLocalPath('~/.', where, false)).toEqual(['~/.config/', '~/.profile']);
    expect(completeLocalPath('Dow', { home, cwd: home }, false)).toEqual(['Downloads/']);
    expect(completeLocalPath(`${home}/my`, where, false)).toEqual([`${home}/my folder/`]);
    expect(completeLocalPath('~/nope/x', where, false)).toEqual([]);
    expect(completeLocalPath('~', where, false)).toEqual(['~/']);
  });

  it('on the line: upload_file’s path, download_file’s folder; a folder takes no space after it', () => {
    const where = { home, cwd: home };
    const cache = new CompletionCache();
    expect(complete('upload_file ~/Doc', COMMANDS, cache, where)).toEqual([['"~/Doc notes.txt"', '~/Documents/'], '~/Doc']);
    expect(complete('upload_file ~/Doc\\ n', COMMANDS, cache, where)).toEqual([['"~/Doc notes.txt" '], '~/Doc\\ n']);
    expect(complete('download_file lab x.bin ~/Dow', COMMANDS, cache, where)).toEqual([['~/Downloads/'], '~/Dow']);
    expect(complete('download_file lab x.bin ~/Doc', COMMANDS, cache, where)).toEqual([['~/Documents/'], '~/Doc']);
    expect(complete('download_file lab x.bin my', COMMANDS, cache, where)).toEqual([['"my folder/"'], 'my']);
  });

  it('command names ignore case; cancel_download offers its two flags', () => {
    const cache = new CompletionCache();
    expect(complete('Show_d', COMMANDS, cache)).toEqual([['show_downloads '], 'Show_d']);
    expect(complete('cancel_download lab x.bin --', COMMANDS, cache)).toEqual([['--delete', '--keep'], '--']);
  });
});
