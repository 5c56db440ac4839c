import { describe, expect, it } from 'vitest';

import { admitRemote, type AdmissionInput } from './admission.js';
import { GROUP, TICKET_KEY, ticketFor } from '../../test/peer-harness.js';

const HASH = Buffer.alloc(20, 0xab);
const base = (extra: Partial<AdmissionInput>): AdmissionInput => ({
  ticket: undefined, ticketKey: TICKET_KEY, groupIds: [GROUP], infoHash: HASH, nowMs: Date.now(), weFetch: false, ...extra,
});

describe('admitRemote', () => {
  it('authorizes a valid ticket and names its user', () => {
    expect(admitRemote(base({ ticket: ticketFor(GROUP, HASH.toString('hex'), { user: 'carol' }) }))).toEqual({
      authorized: true, user: 'carol',
    });
  });

  it('keeps a remote without a ticket only when we came to fetch from it', () => {
    expect(admitRemote(base({ weFetch: true }))).toEqual({ authorized: false });
    expect(admitRemote(base({ weFetch: false }))).toMatchObject({ code: 'ERR_PEER_NO_TICKET' });
  });

  it('refuses a bad ticket even when we came to fetch', () => {
    const expired = ticketFor(GROUP, HASH.toString('hex'), { expSec: 1000 });
    expect(admitRemote(base({ ticket: expired, weFetch: true }))).toMatchObject({ code: 'ERR_PEER_TICKET_REFUSED', reason: expect.stringMatching(/expired/) });
    expect(admitRemote(base({ ticket: 'x'.repeat(5000) }))).toMatchObject({ code: 'ERR_PEER_TICKET_REFUSED', reason: expect.stringMatching(/not a ticket/) });
  });

  it('accepts a ticket for any group the file is served in, and no other', () => {
    const inOther = ticketFor('other', HASH.toString('hex'), { user: 'dave' });
    expect(admitRemote(base({ ticket: inOther, groupIds: [GROUP, 'other'] }))).toEqual({ authorized: true, user: 'dave' });
    expect(admitRemote(base({ ticket: inOther }))).toMatchObject({ code: 'ERR_PEER_TICKET_REFUSED', reason: expect.stringMatching(/another file/) });
    expect(admitRemote(base({ ticket: ticketFor('third', HASH.toString('hex')), groupIds: [GROUP, 'other'] }))).toMatchObject({ code: 'ERR_PEER_TICKET_REFUSED' });
    expect(admitRemote(base({ ticket: inOther, groupIds: [] }))).toMatchObject({ code: 'ERR_PEER_TICKET_REFUSED' });
  });

  it('checks expiry against the injected clock', () => {
    const ticket = ticketFor(GROUP, HASH.toString('hex'), { expSec: 2_000 });
    expect(admitRemote(base({ ticket, nowMs: 1_999_000 }))).toMatchObject({ authorized: true });
    expect(admitRemote(base({ ticket, nowMs: 2_000_000 }))).toMatchObject({ code: 'ERR_PEER_TICKET_REFUSED' });
  });
});
