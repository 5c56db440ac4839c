// lan_credentials: group keys and member certificates for LAN discovery, only for one's own groups.
import { deriveGroupKey, deriveTicketSeed, ticketPublicKey, verifyMemberCertificate } from '@groupshare/protocol';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketIssuer } from '../src/auth/tickets.js';
import type { WsClient } from '../src/testing/index.js';
import { loggedIn, startTestTracker, type TestTracker } from './helpers.js';

function memberKey(): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('base64');
}

let t: TestTracker;
let alice: WsClient;
let bob: WsClient;
let eve: WsClient;
let ticketKey = '';

beforeAll(async () => {
  t = await startTestTracker();
  alice = await loggedIn(t, 'alice', '127.0.0.1:6001');
  bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
  eve = await loggedIn(t, 'eve', '127.0.0.1:6003');
  await alice.ok('create_group', { groupId: 'lab' });
  await alice.ok('create_group', { groupId: 'attic' });
  await bob.ok('join_group', { groupId: 'lab' });
  await alice.ok('accept_request', { groupId: 'lab', userId: 'bob' });
  await eve.ok('join_group', { groupId: 'lab' }); // asked, never accepted
  ticketKey = t.services().tickets.publicKey;
});
afterAll(async () => t?.stop());

describe('lan_credentials', () => {
  it("gives each member its groups' keys and a certificate for its announce key, verifiable with the ticket key", async () => {
    const key = memberKey();
    const a = await alice.ok('lan_credentials', { memberKey: key });
    const b = await bob.ok('lan_credentials', { memberKey: memberKey() });
    expect(a.groups.map((g: { groupId: string }) => g.groupId)).toEqual(['attic', 'lab']);
    expect(b.groups.map((g: { groupId: string }) => g.groupId)).toEqual(['lab']);
    // Both members of lab hold the same key; it differs from attic's.
    const labOf = (r: { groups: Array<{ groupId: string; groupKey: string; certificate: string }> }) => r.groups.find((g) => g.groupId === 'lab');
    expect(labOf(a)?.groupKey).toBe(labOf(b)?.groupKey);
    expect(a.groups[0]!.groupKey).not.toBe(labOf(a)?.groupKey);
    const check = verifyMemberCertificate(labOf(a)?.certificate, ticketPublicKey(ticketKey), Date.now());
    expect(check).toMatchObject({ ok: true, payload: { u: 'alice', g: 'lab', k: key, e: 0 } });
    expect(labOf(a)).toMatchObject({ epoch: 0 });
    const exp = check.ok ? check.payload.exp * 1000 : 0;
    expect(exp).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(exp).toBeLessThanOrEqual(Date.parse(a.expiresAt));
    // A certificate checked after its expiry is refused.
    expect(verifyMemberCertificate(labOf(a)?.certificate, ticketPublicKey(ticketKey), exp + 1)).toEqual({ ok: false, reason: 'certificate expired' });
  });

  it('gives a user who only asked to join no key of that group', async () => {
    expect((await eve.ok('lan_credentials', { memberKey: memberKey() })).groups).toEqual([]);
  });

  it('refuses a member key that is not 32 bytes of base64', async () => {
    expect(await alice.fails('lan_credentials', { memberKey: 'not-a-key' })).toBe('ERR_BAD_MESSAGE');
  });

  it('hands out the same group key from every tracker sharing the cluster secret', () => {
    const one = TicketIssuer.load({ clusterSecret: 'cluster secret', dataDir: '/nonexistent' });
    const two = TicketIssuer.load({ clusterSecret: 'cluster secret', dataDir: '/nonexistent' });
    expect(one.groupKey('lab', 0).equals(two.groupKey('lab', 0))).toBe(true);
    expect(one.groupKey('lab', 3).equals(two.groupKey('lab', 3))).toBe(true);
    expect(one.groupKey('lab', 0).equals(deriveGroupKey(deriveTicketSeed('cluster secret'), 'lab'))).toBe(true);
    expect(one.groupKey('lab', 0).equals(one.groupKey('lab', 1))).toBe(false);
    expect(one.groupKey('lab', 0).equals(TicketIssuer.load({ clusterSecret: 'other', dataDir: '/nonexistent' }).groupKey('lab', 0))).toBe(false);
  });
});
