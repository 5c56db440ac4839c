import { describe, expect, it } from 'vitest';
import { AnnounceReceiver } from './announce-receiver.js';
import { randomBytes } from 'node:crypto';
import { groupSecret, sealAnnounce } from './announce-packet.js';
import { LAN_TICKET_KEY, announceFrom, hash, lanCredentials, secretsOf } from '../../test/lan-harness.js';

const NOW = 1_800_000_000_000;

describe('LAN announces between members', () => {
  it('a member reads who announced which files in a group they share, from the datagram source', () => {
    const ann = lanCredentials('ann', ['lab', 'attic'], { nowMs: NOW });
    const bob = lanCredentials('bob', ['lab'], { nowMs: NOW });
    const packet = announceFrom(ann, { lab: [hash(1), hash(2)], attic: [hash(3)] }, NOW, 7001);
    const rx = new AnnounceReceiver(LAN_TICKET_KEY);
    const verdict = rx.receive(packet, '10.0.0.5', secretsOf(bob), bob.memberKey.publicKey, NOW + 5);
    expect(verdict).toMatchObject({ accepted: true, newPeer: true });
    // Bob is not in attic: he learns of lab's files only.
    expect(rx.table.list(NOW)).toEqual([{ address: '10.0.0.5:7001', userId: 'ann', files: 2, groups: ['lab'], lastSeen: NOW + 5 }]);
    expect(rx.table.peersFor('lab', hash(2), NOW)).toEqual(['10.0.0.5:7001']);
    expect(rx.table.peersFor('attic', hash(3), NOW)).toEqual([]);
  });

  it("builds the group's LAN catalog from members' announces: names, sizes, holders", () => {
    const ann = lanCredentials('ann', ['lab'], { nowMs: NOW });
    const cy = lanCredentials('cy', ['lab'], { nowMs: NOW });
    const bob = lanCredentials('bob', ['lab'], { nowMs: NOW });
    const rx = new AnnounceReceiver(LAN_TICKET_KEY);
    rx.receive(announceFrom(ann, { lab: [hash(1), hash(2)] }, NOW), '10.0.0.5', secretsOf(bob), undefined, NOW);
    rx.receive(announceFrom(cy, { lab: [hash(2)] }, NOW), '10.0.0.6', secretsOf(bob), undefined, NOW);
    expect(rx.table.catalog('lab', NOW)).toEqual([
      { infoHash: hash(1), name: 'file-000001.bin', size: 1000, holders: ['ann'] },
      { infoHash: hash(2), name: 'file-000002.bin', size: 1000, holders: ['ann', 'cy'] },
    ]);
    expect(rx.table.catalog('attic', NOW)).toEqual([]);
  });

  it('refuses a member announce naming a file with a name no member could share', () => {
    const ann = lanCredentials('ann', ['lab'], { nowMs: NOW });
    const bob = lanCredentials('bob', ['lab'], { nowMs: NOW });
    const g = ann.groups[0] as { groupId: string; groupKey: string; certificate: string };
    for (const file of [{ infoHash: hash(1), name: '../../etc/passwd', size: 1 }, { infoHash: hash(1), name: 'a\u001b[2Jb', size: 1 }, { infoHash: 'xyz', name: 'ok.bin', size: 1 }, { infoHash: hash(1), name: 'ok.bin', size: -1 }]) {
      const { packet } = sealAnnounce({ nowMs: NOW, nonce: randomBytes(16), memberKey: ann.memberKey.privateKey, groups: [{ secret: groupSecret('lab', Buffer.from(g.groupKey, 'base64')), certificate: g.certificate, port: 6881, files: [file] }] });
      expect(new AnnounceReceiver(LAN_TICKET_KEY).receive(packet, '10.0.0.5', secretsOf(bob), undefined, NOW)).toEqual({ accepted: false, reason: 'malformed file list' });
    }
  });

  it('ignores its own announce looped back, and refuses the same datagram twice or too old', () => {
    const ann = lanCredentials('ann', ['lab'], { nowMs: NOW });
    const bob = lanCredentials('bob', ['lab'], { nowMs: NOW });
    const rx = new AnnounceReceiver(LAN_TICKET_KEY);
    const own = announceFrom(bob, { lab: [hash(1)] }, NOW);
    expect(rx.receive(own, '10.0.0.6', secretsOf(bob), bob.memberKey.publicKey, NOW)).toEqual({ accepted: false, reason: 'own' });
    const packet = announceFrom(ann, { lab: [hash(1)] }, NOW);
    expect(rx.receive(packet, '10.0.0.5', secretsOf(bob), bob.memberKey.publicKey, NOW).accepted).toBe(true);
    expect(rx.receive(packet, '10.0.0.5', secretsOf(bob), bob.memberKey.publicKey, NOW + 1)).toEqual({ accepted: false, reason: 'stale or replayed' });
    const old = announceFrom(ann, { lab: [hash(1)] }, NOW - 31_000);
    expect(rx.receive(old, '10.0.0.5', secretsOf(bob), bob.memberKey.publicKey, NOW)).toEqual({ accepted: false, reason: 'stale or replayed' });
  });

  it('lists a member heard over IPv6 and IPv4 once, at its IPv4 address', () => {
    const ann = lanCredentials('ann', ['lab'], { nowMs: NOW });
    const bob = lanCredentials('bob', ['lab'], { nowMs: NOW });
    const rx = new AnnounceReceiver(LAN_TICKET_KEY);
    rx.receive(announceFrom(ann, { lab: [hash(1)] }, NOW, 7001), 'fe80::1', secretsOf(bob), undefined, NOW);
    expect(rx.table.list(NOW).map((p) => p.address)).toEqual(['[fe80::1]:7001']);
    rx.receive(announceFrom(ann, { lab: [hash(1)] }, NOW + 1, 7001), '10.0.0.5', secretsOf(bob), undefined, NOW + 1);
    rx.receive(announceFrom(ann, { lab: [hash(1)] }, NOW + 2, 7001), 'fe80::1', secretsOf(bob), undefined, NOW + 2);
    expect(rx.table.list(NOW + 2).map((p) => p.address)).toEqual(['10.0.0.5:7001']);
  });

  it('replaces a member that logged in again (a new announce key) at the same address', () => {
    const bob = lanCredentials('bob', ['lab'], { nowMs: NOW });
    const rx = new AnnounceReceiver(LAN_TICKET_KEY);
    rx.receive(announceFrom(lanCredentials('ann', ['lab'], { nowMs: NOW }), { lab: [hash(1)] }, NOW, 7001), '10.0.0.5', secretsOf(bob), undefined, NOW);
    rx.receive(announceFrom(lanCredentials('ann', ['lab'], { nowMs: NOW }), { lab: [hash(2)] }, NOW + 1, 7001), '10.0.0.5', secretsOf(bob), undefined, NOW + 1);
    expect(rx.table.list(NOW + 1)).toEqual([{ address: '10.0.0.5:7001', userId: 'ann', files: 1, groups: ['lab'], lastSeen: NOW + 1 }]);
  });

  it('forgets a peer not heard for three minutes', () => {
    const ann = lanCredentials('ann', ['lab'], { nowMs: NOW });
    const bob = lanCredentials('bob', ['lab'], { nowMs: NOW });
    const rx = new AnnounceReceiver(LAN_TICKET_KEY);
    rx.receive(announceFrom(ann, { lab: [hash(1)] }, NOW), '10.0.0.5', secretsOf(bob), undefined, NOW);
    expect(rx.table.list(NOW + 189_000)).toHaveLength(1);
    expect(rx.table.list(NOW + 191_000)).toEqual([]);
  });

  it('a certificate for another group, or signed by another cluster, is refused', () => {
    const bob = lanCredentials('bob', ['lab'], { nowMs: NOW });
    const rx = new AnnounceReceiver(LAN_TICKET_KEY);
    // Mallory holds lab's key (leaked) but her certificate is for her own group.
    const mallory = lanCredentials('mallory', ['den'], { nowMs: NOW });
    const lab = bob.groups[0] as { groupKey: string };
    const forged = { ...mallory, groups: [{ groupId: 'lab', epoch: 0, groupKey: lab.groupKey, certificate: (mallory.groups[0] as { certificate: string }).certificate }] };
    expect(rx.receive(announceFrom(forged, { lab: [hash(1)] }, NOW), '10.0.0.9', secretsOf(bob), undefined, NOW)).toEqual({ accepted: false, reason: 'certificate is for another group' });
    const foreign = lanCredentials('mallory', ['lab'], { nowMs: NOW, seed: Buffer.alloc(32, 7) });
    const withLabKey = { ...foreign, groups: [{ ...foreign.groups[0]!, groupKey: lab.groupKey }] };
    expect(rx.receive(announceFrom(withLabKey, { lab: [hash(1)] }, NOW), '10.0.0.9', secretsOf(bob), undefined, NOW)).toEqual({ accepted: false, reason: 'certificate: bad signature' });
    const expired = lanCredentials('ann', ['lab'], { nowMs: NOW - 7200_000 });
    expect(rx.receive(announceFrom(expired, { lab: [] }, NOW), '10.0.0.5', secretsOf(bob), undefined, NOW)).toEqual({ accepted: false, reason: 'certificate: certificate expired' });
  });

  it("a member cannot speak for another member with that member's certificate", () => {
    const ann = lanCredentials('ann', ['lab'], { nowMs: NOW });
    const bob = lanCredentials('bob', ['lab'], { nowMs: NOW });
    const cy = lanCredentials('cy', ['lab'], { nowMs: NOW });
    // Cy copies ann's certificate (she saw it in ann's announce) and signs with her own key.
    const impostor = { ...cy, groups: [{ ...cy.groups[0]!, certificate: (ann.groups[0] as { certificate: string }).certificate }] };
    const rx = new AnnounceReceiver(LAN_TICKET_KEY);
    expect(rx.receive(announceFrom(impostor, { lab: [hash(1)] }, NOW), '10.0.0.7', secretsOf(bob), undefined, NOW)).toEqual({ accepted: false, reason: 'bad member signature' });
  });
});
