import { describe, expect, it } from 'vitest';
import { COMMANDS, commandNames } from './commands/index.js';
import { editDistance, orList, suggest } from './suggest.js';

const names = commandNames(COMMANDS);

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('list_groups', 'list_groups')).toBe(0);
    expect(editDistance('lst_groups', 'list_groups')).toBe(1);
    expect(editDistance('list_groupss', 'list_groups')).toBe(1);
    expect(editDistance('list_grmups', 'list_groups')).toBe(1);
    expect(editDistance('lsit_groups', 'list_groups')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('suggest', () => {
  it('finds the command a typo was meant to be', () => {
    expect(suggest('lst_groups', names)).toEqual(['list_groups']);
    expect(suggest('craete_group', names)).toEqual(['create_group']);
    expect(suggest('logni', names)).toEqual(['login']);
    expect(suggest('LIST_FILES', names)).toEqual(['list_files']);
    expect(suggest('qiut', names)).toEqual(['quit']);
  });

  it('offers every command that starts with what was typed', () => {
    expect(suggest('list', names)).toEqual(['list_groups', 'list_members', 'list_requests', 'list_files', 'list_shares', 'list_synced']);
  });

  it('suggests nothing for input that is not close to any command', () => {
    expect(suggest('x', names)).toEqual([]);
    expect(suggest('rm -rf', names)).toEqual([]);
    expect(suggest('', names)).toEqual([]);
  });
});

describe('orList', () => {
  it('joins with commas and a final "or"', () => {
    expect(orList(['a'])).toBe('a');
    expect(orList(['a', 'b'])).toBe('a or b');
    expect(orList(['a', 'b', 'c'])).toBe('a, b or c');
  });
});
