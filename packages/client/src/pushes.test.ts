import { describe, expect, it } from 'vitest';
import { formatPush } from './pushes.js';

describe('formatPush', () => {
  it('tells the owner who asked and the command to let them in', () => {
    expect(formatPush({ push: 'join_requested', data: { groupId: 'lab', userId: 'bob' } }, 'alice')).toBe(
      'bob asked to join lab — accept_request lab bob',
    );
  });

  it('says who owns a group now, from the reader\'s point of view', () => {
    const push = { push: 'owner_changed', data: { groupId: 'lab', ownerId: 'bob' } } as const;
    expect(formatPush(push, 'bob')).toBe('the owner of lab left; you are its owner now');
    expect(formatPush(push, 'carol')).toBe('the owner of lab left; bob is its owner now');
  });

  it('escapes names from the network', () => {
    const line = formatPush(
      { push: 'file_shared', data: { groupId: 'lab', name: 'a\u001b]0;pwned\u0007', infoHash: 'ab', size: 2048, sharedBy: 'eve' } },
      'alice',
    );
    expect(line).toBe('eve shared a\\x1b]0;pwned\\x07 (2 KiB) in lab');
  });

  it('leaves the versions folder sync shares unprinted (the [sync] lines tell what arrived)', () => {
    const data = { groupId: 'lab', name: '.gsync~f~ann~mxdtt2qp~ann:1~plan.txt', infoHash: 'ab', size: 9, sharedBy: 'ann' };
    expect(formatPush({ push: 'file_shared', data }, 'bob')).toBeUndefined();
    expect(formatPush({ push: 'file_withdrawn', data }, 'bob')).toBeUndefined();
    expect(formatPush({ push: 'file_shared', data: { ...data, name: 'gsync~plan.txt' } }, 'bob')).toBe('ann shared gsync~plan.txt (9 B) in lab');
  });

  it('leaves a push this build does not know unprinted', () => {
    expect(formatPush({ push: 'from_the_future', data: {} } as never, 'alice')).toBeUndefined();
  });
});
