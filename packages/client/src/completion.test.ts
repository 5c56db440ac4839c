import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands/index.js';
import { complete } from './completion.js';
import { CompletionCache } from './completion-cache.js';

function cache(): CompletionCache {
  const c = new CompletionCache();
  c.setGroups(['lab', 'lecture', 'zoo']);
  c.setFiles('lab', ['notes.txt', 'my file.txt']);
  c.notePush({ push: 'join_requested', data: { groupId: 'lab', userId: 'bob' } });
  return c;
}

describe('complete', () => {
  it('completes command names in the first word', () => {
    expect(complete('list_g', COMMANDS, cache())).toEqual([['list_groups '], 'list_g']);
    expect(complete('list_', COMMANDS, cache())[0]).toEqual(['list_groups', 'list_members', 'list_requests', 'list_files', 'list_shares', 'list_synced']);
    expect(complete('upl', COMMANDS, cache())[0]).toEqual(['upload_file ']);
  });

  it('completes group ids where a group is expected, from what the tracker last said', () => {
    expect(complete('list_files l', COMMANDS, cache())).toEqual([['lab', 'lecture'], 'l']);
    expect(complete('join_group ', COMMANDS, cache())).toEqual([['lab', 'lecture', 'zoo'], '']);
    expect(complete('upload_file x.txt z', COMMANDS, cache())).toEqual([['zoo '], 'z']);
  });

  it('completes file names of the group on the line, quoted when they need it', () => {
    expect(complete('stop_share lab ', COMMANDS, cache())[0]).toEqual(['"my file.txt"', 'notes.txt']);
    expect(complete('stop_share lab "my', COMMANDS, cache())).toEqual([['"my file.txt" '], '"my']);
  });

  it('completes the users waiting to join, after accept_request', () => {
    expect(complete('accept_request lab ', COMMANDS, cache())[0]).toEqual(['bob ']);
  });

  it('offers nothing where nothing is known', () => {
    expect(complete('login ', COMMANDS, cache())[0]).toEqual([]);
    expect(complete('nosuch x', COMMANDS, cache())[0]).toEqual([]);
    expect(complete('list_groups extra', COMMANDS, cache())[0]).toEqual([]);
  });
});
