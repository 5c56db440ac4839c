import { hkdfSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveGroupKey, signMemberCertificate, verifyMemberCertificate } from './member-certificates.js';
import { deriveTicketSeed, signTicket, ticketPrivateKey, ticketPublicKey, ticketPublicKeyBase64, verifyTicket } from './tickets.js';
import { parseRequest } from './parse-request.js';

const seed = deriveTicketSeed('cluster-secret-for-tests');
const key = ticketPrivateKey(seed);
const pub = ticketPublicKey(ticketPublicKeyBase64(key));
const NOW = 1_800_000_000_000;
const payload = { v: 1, t: 'lan-member', u: 'ann', g: 'lab', k: Buffer.alloc(32, 1).toString('base64'), exp: NOW / 1000 + 60, e: 2 } as const;

describe('member certificates', () => {
  it('verify with the trackers key until they expire, and never as tickets (nor tickets as them)', () => {
    const cert = signMemberCertificate(payload, key);
    expect(verifyMemberCertificate(cert, pub, NOW)).toEqual({ ok: true, payload });
    expect(verifyMemberCertificate(cert, pub, NOW + 60_000)).toEqual({ ok: false, reason: 'certificate expired' });
    expect(verifyTicket(cert, pub, { groupId: 'lab', infoHash: 'x', nowMs: NOW }).ok).toBe(false);
    const ticket = signTicket({ v: 1, g: 'lab', h: 'a'.repeat(40), u: 'ann', exp: NOW / 1000 + 60 }, key);
    expect(verifyMemberCertificate(ticket, pub, NOW)).toEqual({ ok: false, reason: 'not a certificate' });
    const other = ticketPrivateKey(deriveTicketSeed('another secret'));
    expect(verifyMemberCertificate(signMemberCertificate(payload, other), pub, NOW)).toEqual({ ok: false, reason: 'bad signature' });
    for (const junk of [undefined, 42, '', 'a.b', 'x'.repeat(2000), `${cert}.x`]) expect(verifyMemberCertificate(junk, pub, NOW).ok).toBe(false);
  });

  it('carry the key epoch; one without (from before epochs) reads as epoch 0, a malformed one is refused', () => {
    const { e: _e, ...old } = payload;
    // Signed as releases without epochs signed them: no `e` at all.
    const body = Buffer.from(JSON.stringify(old)).toString('base64url');
    const oldCert = `${body}.${sign(null, Buffer.from(body), key).toString('base64url')}`;
    expect(verifyMemberCertificate(oldCert, pub, NOW)).toEqual({ ok: true, payload: { ...old, e: 0 } });
    for (const e of [-1, 1.5, '2', null]) {
      expect(verifyMemberCertificate(signMemberCertificate({ ...payload, e: e as number }, key), pub, NOW)).toEqual({ ok: false, reason: 'not a certificate' });
    }
  });

  it('group keys differ per group, per epoch and per cluster; epoch 0 is the key of releases without epochs', () => {
    expect(deriveGroupKey(seed, 'lab')).toHaveLength(32);
    expect(deriveGroupKey(seed, 'lab').equals(deriveGroupKey(seed, 'attic'))).toBe(false);
    expect(deriveGroupKey(seed, 'lab').equals(deriveGroupKey(deriveTicketSeed('other'), 'lab'))).toBe(false);
    expect(deriveGroupKey(seed, 'lab', 0).equals(Buffer.from(hkdfSync('sha256', seed, 'groupshare-lan-group-key', 'group:lab', 32)))).toBe(true);
    const epochs = [0, 1, 2, 10].map((e) => deriveGroupKey(seed, 'lab', e).toString('hex'));
    expect(new Set(epochs).size).toBe(4);
    expect(() => deriveGroupKey(seed, 'lab', -1)).toThrow(RangeError);
  });

  it('lan_credentials takes only a 32-byte base64 member key', () => {
    expect(parseRequest(JSON.stringify({ id: 1, type: 'lan_credentials', memberKey: Buffer.alloc(32).toString('base64') })).ok).toBe(true);
    expect(parseRequest(JSON.stringify({ id: 1, type: 'lan_credentials', memberKey: Buffer.alloc(31).toString('base64') })).ok).toBe(false);
  });
});
