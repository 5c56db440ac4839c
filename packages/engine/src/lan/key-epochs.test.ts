// Group key epochs on the LAN: once a member leaves (the trackers raise the group's key epoch),
// what the group announces is sealed under a key the one who left does not hold, and announces
// under the old key or with an old certificate are refused at once (no grace; docs/lan.md).
import { afterEach, describe, expect, it } from 'vitest';
import { AnnounceReceiver } from './announce-receiver.js';
import { deriveGroupKey, signMemberCertificate } from '@groupshare/protocol';
import { LanDiscovery } from './lan-discovery.js';
import { LanSession } from './lan-session.js';
import { LAN_SEED, LAN_TICKET_KEY, LAN_TRACKER_KEY, announceFrom, hash, lanCredentials, named, secretsOf } from '../../test/lan-harness.js';

const NOW = 1_800_000_000_000;

describe('group key epochs (pure)', () => {
  it('after carol leaves, bob\'s next announce opens for alice and not for carol; the old key and old certificates are refused', () => {
    const carol = lanCredentials('carol', ['lab'], { nowMs: NOW });
    const bobOld = lanCredentials('bob', ['lab'], { nowMs: NOW });
    // Issued after carol left: epoch 1.
    const alice = lanCredentials('alice', ['lab'], { nowMs: NOW, epoch: 1 });
    const bob = lanCredentials('bob', ['lab'], { nowMs: NOW, epoch: 1 });
    const forAlice = new AnnounceReceiver(LAN_TICKET_KEY);
    const forCarol = new AnnounceReceiver(LAN_TICKET_KEY);

    // Bob's next announce, under epoch 1: alice reads it, carol (epoch 0 only) cannot open it.
    const next = announceFrom(bob, { lab: [hash(2)] }, NOW);
    expect(forCarol.receive(next, '10.0.0.2', secretsOf(carol), undefined, NOW)).toEqual({ accepted: false, reason: 'no section for our groups' });
    expect(forAlice.receive(next, '10.0.0.2', secretsOf(alice), undefined, NOW)).toMatchObject({ accepted: true, newPeer: true });
    expect(forAlice.table.catalog('lab', NOW)).toEqual([{ ...named(hash(2)), holders: ['bob'] }]);
    expect(forCarol.table.catalog('lab', NOW)).toEqual([]);

    // Sealed under the old key (carol herself, or bob before he refreshed): refused at once.
    expect(forAlice.receive(announceFrom(carol, { lab: [hash(3)] }, NOW), '10.0.0.3', secretsOf(alice), undefined, NOW)).toEqual({ accepted: false, reason: 'no section for our groups' });
    expect(forAlice.receive(announceFrom(bobOld, { lab: [hash(4)] }, NOW + 1), '10.0.0.2', secretsOf(alice), undefined, NOW + 1)).toEqual({ accepted: false, reason: 'no section for our groups' });
    // The new key leaked to carol does not help her: her certificate is of epoch 0.
    const leaked = { ...carol, groups: [{ ...alice.groups[0]!, certificate: carol.groups[0]!.certificate }] };
    expect(forAlice.receive(announceFrom(leaked, { lab: [hash(5)] }, NOW), '10.0.0.3', secretsOf(alice), undefined, NOW)).toEqual({ accepted: false, reason: 'certificate is for another key epoch' });
    expect(forAlice.table.list(NOW).map((p) => p.userId)).toEqual(['bob']);
  });
});

const running: Array<LanDiscovery | LanSession> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});

async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('group key epochs on loopback', () => {
  it('alice and bob move to the new key; carol, keeping the old one, hears nothing new and is no longer believed', async () => {
    const targets: string[] = [];
    const member = (port: number) => {
      const d = new LanDiscovery({ transport: { mode: 'unicast', port: 0, targets: () => targets }, ticketKey: LAN_TICKET_KEY, peerPort: port, debounceMs: 20 });
      running.push(d);
      return d;
    };
    const [alice, bob, carol] = [member(7001), member(7002), member(7003)];
    const creds = { alice: lanCredentials('alice', ['lab']), bob: lanCredentials('bob', ['lab']), carol: lanCredentials('carol', ['lab']) };
    const one = { groupId: 'lab', ...named(hash(1)) };
    const two = { groupId: 'lab', ...named(hash(2)) };
    await alice.start(creds.alice, []);
    targets.push(`127.0.0.1:${alice.port}`);
    await carol.start(creds.carol, []);
    targets.push(`127.0.0.1:${carol.port}`);
    await bob.start(creds.bob, [one]);
    targets.push(`127.0.0.1:${bob.port}`);
    await until(() => carol.catalog('lab').length === 1 && alice.catalog('lab').length === 1 && alice.peers().length === 2 && bob.peers().length === 2, 'all hear each other');

    // carol leaves. bob takes the epoch-1 key first (alice has not yet): his announce under it
    // is not for alice yet; when alice takes it too, they find each other again at once.
    bob.setCredentials(lanCredentials('bob', ['lab'], { epoch: 1 }));
    expect(bob.peers()).toEqual([]); // who he heard under epoch 0 is forgotten
    const sentBefore = bob.stats.announcesSent;
    await until(() => bob.stats.announcesSent > sentBefore, 'bob announces under epoch 1');
    alice.setCredentials(lanCredentials('alice', ['lab'], { epoch: 1 }));
    expect(alice.peers()).toEqual([]);
    expect(alice.isCurrentEpoch('lab', 1)).toBe(true);
    expect(alice.isCurrentEpoch('lab', 0)).toBe(false);
    expect(alice.isCurrentEpoch('attic', 1)).toBe(false);
    await until(() => alice.peers().map((p) => p.userId).join() === 'bob' && bob.peers().map((p) => p.userId).join() === 'alice', 'alice and bob at epoch 1');

    // bob shares another file: alice hears it, carol does not.
    bob.setServed([one, two]);
    await until(() => alice.catalog('lab').length === 2, 'alice hears the new file');
    const rejected = alice.stats.rejected;
    // carol keeps announcing under the old key: alice refuses it from the first datagram.
    carol.setServed([{ groupId: 'lab', ...named(hash(9)) }]);
    await until(() => alice.stats.rejected > rejected, "alice refuses carol's announce");
    expect(alice.peers().map((p) => p.userId)).toEqual(['bob']);
    expect(alice.catalog('lab').map((f) => f.infoHash)).toEqual([hash(1), hash(2)]);
    expect(carol.catalog('lab').map((f) => f.infoHash)).toEqual([hash(1)]); // what she heard before leaving, nothing since
    expect(carol.stats.rejected).toBeGreaterThan(0);
  });
});

describe('LanSession on a new key epoch', () => {
  it('asks again when told while a request is under way (whose answer may predate the change)', async () => {
    let epoch = 0;
    let asked = 0;
    let answer: (() => void) | undefined;
    const link = {
      async request(_type: 'lan_credentials', { memberKey }: { memberKey: string }) {
        asked++;
        const e = epoch; // the state as the tracker read it when asked
        if (asked === 2) await new Promise<void>((resolve) => (answer = resolve));
        const exp = Math.floor(Date.now() / 1000) + 3600;
        return {
          expiresAt: new Date(exp * 1000).toISOString(),
          groups: [{ groupId: 'lab', epoch: e, groupKey: deriveGroupKey(LAN_SEED, 'lab', e).toString('base64'), certificate: signMemberCertificate({ v: 1, t: 'lan-member', u: 'alice', g: 'lab', k: memberKey, exp, e }, LAN_TRACKER_KEY) }],
        };
      },
    };
    const session = new LanSession({ link, transport: { mode: 'unicast', port: 0, targets: () => [] } }, { userId: 'alice', ticketKey: LAN_TICKET_KEY, peerPort: 7001, served: () => [], onOffer: () => undefined });
    running.push(session);
    await session.start();
    expect(session.isCurrentEpoch('lab', 0)).toBe(true);
    epoch = 1;
    const first = session.refresh(); // a push for epoch 1: asked, answer pending
    epoch = 2;
    const second = session.refresh(); // the push for epoch 2 arrives meanwhile
    answer?.();
    await Promise.all([first, second]);
    expect(asked).toBe(3);
    expect(session.isCurrentEpoch('lab', 1)).toBe(false);
    expect(session.isCurrentEpoch('lab', 2)).toBe(true);
  });
});
