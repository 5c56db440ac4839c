// Admission by member certificate (no tracker reachable): only a member of the file's group who
// holds the certificate's key gets in; every other case is refused with a stable code.
import { randomBytes } from 'node:crypto';
import { deriveTicketSeed, signMemberCertificate, ticketPrivateKey } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';

import { newMemberKey } from '../lan/member-key.js';
import { admitRemote } from './admission.js';
import { admitByCertificate, proveCertificate, type CertificateAdmissionInput } from './certificate-admission.js';
import { GROUP, TICKET_KEY, TICKET_PRIVATE_KEY } from '../../test/peer-harness.js';

const HASH = randomBytes(20);
const bob = newMemberKey();
const nowSec = Math.floor(Date.now() / 1000);
const cert = (extra: { u?: string; g?: string; k?: string; exp?: number; secret?: string } = {}): string =>
  signMemberCertificate(
    { v: 1, t: 'lan-member', u: extra.u ?? 'bob', g: extra.g ?? GROUP, k: extra.k ?? bob.publicKey, exp: extra.exp ?? nowSec + 3600 },
    extra.secret === undefined ? TICKET_PRIVATE_KEY : ticketPrivateKey(deriveTicketSeed(extra.secret)),
  );

/** A connection's nonce and bob's proof over it, as he would send them. */
function shown(extra: Partial<CertificateAdmissionInput> = {}): CertificateAdmissionInput {
  const nonce = randomBytes(16);
  return {
    certificate: cert(), proof: proveCertificate(bob.privateKey, nonce, HASH), nonce, infoHash: HASH, ticketKey: TICKET_KEY,
    groupIds: [GROUP], selfUser: 'alice', nowMs: Date.now(), ...extra,
  };
}

describe('admitByCertificate', () => {
  it("admits a member of the file's group who proves the certificate's key, and names the user", () => {
    expect(admitByCertificate(shown())).toEqual({ user: 'bob' });
    expect(admitByCertificate(shown({ groupIds: ['other', GROUP] }))).toEqual({ user: 'bob' });
  });

  it("refuses a stranger's certificate (signed by another cluster's key, or garbled)", () => {
    expect(admitByCertificate(shown({ certificate: cert({ secret: 'another cluster' }) }))).toMatchObject({ code: 'ERR_PEER_CERT_BAD_SIGNATURE' });
    expect(admitByCertificate(shown({ certificate: 'x'.repeat(5000) }))).toMatchObject({ code: 'ERR_PEER_CERT_BAD_SIGNATURE' });
    const [body, sig] = cert().split('.') as [string, string];
    const forged = `${Buffer.from(Buffer.from(body, 'base64url').toString().replace('"bob"', '"eve"')).toString('base64url')}.${sig}`;
    expect(admitByCertificate(shown({ certificate: forged }))).toMatchObject({ code: 'ERR_PEER_CERT_BAD_SIGNATURE' });
  });

  it('refuses an expired certificate, by the injected clock', () => {
    expect(admitByCertificate(shown({ certificate: cert({ exp: nowSec - 1 }) }))).toMatchObject({ code: 'ERR_PEER_CERT_EXPIRED' });
    expect(admitByCertificate(shown({ nowMs: (nowSec + 3600) * 1000 }))).toMatchObject({ code: 'ERR_PEER_CERT_EXPIRED' });
  });

  it('refuses a certificate for another group', () => {
    expect(admitByCertificate(shown({ certificate: cert({ g: 'other' }) }))).toMatchObject({ code: 'ERR_PEER_CERT_WRONG_GROUP' });
  });

  it('refuses a proof replayed from another connection (another nonce) or for another file', () => {
    const seen = shown();
    expect(admitByCertificate({ ...seen, nonce: randomBytes(16) })).toMatchObject({ code: 'ERR_PEER_CERT_BAD_PROOF' });
    expect(admitByCertificate({ ...seen, infoHash: randomBytes(20) })).toMatchObject({ code: 'ERR_PEER_CERT_BAD_PROOF' });
  });

  it("refuses a copied certificate without its key: no proof, or a proof by another key", () => {
    expect(admitByCertificate(shown({ proof: undefined }))).toMatchObject({ code: 'ERR_PEER_CERT_BAD_PROOF' });
    const nonce = randomBytes(16);
    const eve = newMemberKey();
    expect(admitByCertificate(shown({ nonce, proof: proveCertificate(eve.privateKey, nonce, HASH) }))).toMatchObject({ code: 'ERR_PEER_CERT_BAD_PROOF' });
    expect(admitByCertificate(shown({ proof: randomBytes(64) }))).toMatchObject({ code: 'ERR_PEER_CERT_BAD_PROOF' });
  });

  it("refuses a certificate naming the server's own user", () => {
    expect(admitByCertificate(shown({ selfUser: 'bob' }))).toMatchObject({ code: 'ERR_PEER_CERT_SELF' });
  });

  it('takes a further check (an older key epoch, later) that refuses with its reason', () => {
    expect(admitByCertificate(shown({ extraCheck: () => 'of an older group-key epoch' }))).toMatchObject({
      code: 'ERR_PEER_CERT_WRONG_GROUP', reason: expect.stringMatching(/older group-key epoch/),
    });
  });

  it('is what admitRemote applies to a remote without a ticket, and a ticket still wins', () => {
    const s = shown();
    const base = { ticketKey: TICKET_KEY, groupIds: [GROUP], infoHash: HASH, nowMs: Date.now(), weFetch: false, nonce: s.nonce, selfUser: 'alice' };
    expect(admitRemote({ ...base, ticket: undefined, certificate: s.certificate, proof: s.proof })).toEqual({ authorized: true, user: 'bob' });
    expect(admitRemote({ ...base, ticket: undefined, certificate: cert({ g: 'other' }), proof: s.proof })).toMatchObject({ code: 'ERR_PEER_CERT_WRONG_GROUP' });
  });
});
