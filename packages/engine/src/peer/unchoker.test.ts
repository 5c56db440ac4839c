import { describe, expect, it } from 'vitest';

import { createPeerId, isGroupsharePeerId, PEER_ID_PREFIX } from './peer-id.js';
import { SlotUnchoker, unlimitedUnchoker } from './unchoker.js';

describe('SlotUnchoker', () => {
  it('grants up to `slots`, then first come first served as slots free up', () => {
    const u = new SlotUnchoker(2);
    const granted: string[] = [];
    const [a, b, c, d] = [{}, {}, {}, {}];
    u.request(a, () => granted.push('a'));
    u.request(b, () => granted.push('b'));
    u.request(c, () => granted.push('c'));
    u.request(d, () => granted.push('d'));
    u.request(a, () => granted.push('a again')); // already holding: no-op
    expect(granted).toEqual(['a', 'b']);
    u.release(d); // leaves the queue without a slot
    u.release(a);
    expect(granted).toEqual(['a', 'b', 'c']);
    u.release(a); // idempotent
    expect(u).toMatchObject({ unchoked: 2, waiting: 0 });
  });

  it('refuses a non-positive slot count', () => {
    expect(() => new SlotUnchoker(0)).toThrow(RangeError);
  });

  it('unlimitedUnchoker grants at once', () => {
    let granted = false;
    unlimitedUnchoker.request({}, () => (granted = true));
    expect(granted).toBe(true);
  });
});

describe('peer id', () => {
  it('is -GS0100- and 12 random bytes, new each time', () => {
    const id = createPeerId();
    expect(id).toHaveLength(20);
    expect(id.subarray(0, 8).toString('latin1')).toBe(PEER_ID_PREFIX);
    expect(createPeerId().equals(id)).toBe(false);
    expect(createPeerId((n) => Buffer.alloc(n, 0x61)).toString('latin1')).toBe('-GS0100-aaaaaaaaaaaa');
    expect(isGroupsharePeerId(id)).toBe(true);
    expect(isGroupsharePeerId(Buffer.from('-qB4650-abcdefghijkl'))).toBe(false);
    expect(() => createPeerId(() => Buffer.alloc(3))).toThrow(RangeError);
  });
});
