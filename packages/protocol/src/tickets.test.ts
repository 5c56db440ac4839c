// Tickets: only a tracker's signature, for this file of this group, before expiry, is accepted.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveTicketSeed, signTicket, ticketPrivateKey, ticketPublicKey, ticketPublicKeyBase64, verifyTicket } from './tickets.js';

const key = ticketPrivateKey(deriveTicketSeed('cluster-secret-for-tests'));
const pub = ticketPublicKey(ticketPublicKeyBase64(key));
const infoHash = 'ab'.repeat(20);
const now = 1_800_000_000_000;
const ticket = signTicket({ v: 1, g: 'lab', h: infoHash, u: 'bob', exp: now / 1000 + 600 }, key);

describe('tickets', () => {
  it('verify for the file, group and time they were issued for', () => {
    const check = verifyTicket(ticket, pub, { groupId: 'lab', infoHash, nowMs: now });
    expect(check).toEqual({ ok: true, payload: { v: 1, g: 'lab', h: infoHash, u: 'bob', exp: now / 1000 + 600 } });
  });

  it('every tracker of a cluster derives the same key from the secret; another secret does not verify', () => {
    const again = ticketPublicKey(ticketPublicKeyBase64(ticketPrivateKey(deriveTicketSeed('cluster-secret-for-tests'))));
    expect(verifyTicket(ticket, again, { groupId: 'lab', infoHash, nowMs: now }).ok).toBe(true);
    const other = ticketPublicKey(ticketPublicKeyBase64(ticketPrivateKey(deriveTicketSeed('another-secret'))));
    expect(verifyTicket(ticket, other, { groupId: 'lab', infoHash, nowMs: now })).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('refuses the wrong file or group, expiry, tampering and garbage with a reason', () => {
    expect(verifyTicket(ticket, pub, { groupId: 'other', infoHash, nowMs: now })).toEqual({ ok: false, reason: 'ticket is for another file' });
    expect(verifyTicket(ticket, pub, { groupId: ['other', 'lab'], infoHash, nowMs: now }).ok).toBe(true);
    expect(verifyTicket(ticket, pub, { groupId: ['other', 'third'], infoHash, nowMs: now })).toEqual({ ok: false, reason: 'ticket is for another file' });
    expect(verifyTicket(ticket, pub, { groupId: [], infoHash, nowMs: now })).toEqual({ ok: false, reason: 'ticket is for another file' });
    expect(verifyTicket(ticket, pub, { groupId: 'lab', infoHash: 'cd'.repeat(20), nowMs: now })).toEqual({ ok: false, reason: 'ticket is for another file' });
    expect(verifyTicket(ticket, pub, { groupId: 'lab', infoHash, nowMs: now + 601_000 })).toEqual({ ok: false, reason: 'ticket expired' });
    const [body, sig] = ticket.split('.');
    const forged = Buffer.from(Buffer.from(body!, 'base64url').toString().replace('"bob"', '"eve"')).toString('base64url');
    expect(verifyTicket(`${forged}.${sig}`, pub, { groupId: 'lab', infoHash, nowMs: now })).toEqual({ ok: false, reason: 'bad signature' });
    for (const junk of [undefined, 42, '', '.', 'a.b.c', 'x'.repeat(5000), `${body}.`, randomBytes(64).toString('base64url')]) {
      expect(verifyTicket(junk, pub, { groupId: 'lab', infoHash, nowMs: now }).ok).toBe(false);
    }
  });
});
