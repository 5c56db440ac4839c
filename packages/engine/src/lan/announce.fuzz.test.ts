// 100,000 forged and replayed LAN announces against a member's listener: none is believed.
import { seededRng } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';
import { AnnounceReceiver } from './announce-receiver.js';
import { LAN_TICKET_KEY, announceFrom, hash, lanCredentials, secretsOf } from '../../test/lan-harness.js';

const NOW = 1_800_000_000_000;
const TOTAL = 100_000;

describe('forged and replayed announces', () => {
  it(`accepts 0 of ${TOTAL.toLocaleString('en')} (the genuine ones still get through)`, () => {
    const seed = Number(process.env.GROUPSHARE_TEST_SEED ?? 17);
    const rng = seededRng(seed);
    const int = (n: number): number => Math.floor(rng() * n);
    const bob = lanCredentials('bob', ['lab'], { nowMs: NOW });
    const ann = lanCredentials('ann', ['lab'], { nowMs: NOW });
    const cy = lanCredentials('cy', ['lab'], { nowMs: NOW });
    const outsider = lanCredentials('eve', ['den'], { nowMs: NOW });
    const labKey = (bob.groups[0] as { groupKey: string }).groupKey;
    const annCert = (ann.groups[0] as { certificate: string }).certificate;
    const rx = new AnnounceReceiver(LAN_TICKET_KEY);
    const secrets = secretsOf(bob);
    // Genuine datagrams recorded on the LAN, each delivered once first (then replayed below).
    const recorded = Array.from({ length: 64 }, (_, i) => announceFrom(ann, { lab: [hash(i)] }, NOW + i * 10));
    for (const p of recorded) expect(rx.receive(p, '10.0.0.5', secrets, bob.memberKey.publicKey, NOW + 1_000).accepted).toBe(true);

    const kinds = [
      // Replayed as recorded, now or later (within and past the window).
      () => ({ p: recorded[int(recorded.length)] as Buffer, at: NOW + 1_000 + int(120_000) }),
      // Recorded datagrams with bytes flipped (time, nonce, hint, length, ciphertext, tag).
      () => {
        const p = Buffer.from(recorded[int(recorded.length)] as Buffer);
        for (let n = 1 + int(3); n > 0; n--) {
          const at = int(p.length);
          p[at] = (p[at] ?? 0) ^ (1 + int(255));
        }
        return { p, at: NOW + 1_000 };
      },
      // Random bytes, with the right magic or not.
      () => {
        const p = Buffer.from(Array.from({ length: 29 + int(400) }, () => int(256)));
        if (rng() < 0.5) p.write('GSL1', 0);
        return { p, at: NOW };
      },
      // An outsider's own genuine announce, for her group: opens under no key of bob's.
      () => ({ p: announceFrom(outsider, { den: [hash(int(9))] }, NOW), at: NOW }),
      // The lab key leaked, but no certificate for lab: her den certificate, or ann's (not her key).
      () => {
        const cert = rng() < 0.5 ? (outsider.groups[0] as { certificate: string }).certificate : annCert;
        const forged = { ...outsider, groups: [{ groupId: 'lab', epoch: 0, groupKey: labKey, certificate: cert }] };
        return { p: announceFrom(forged, { lab: [hash(int(9))] }, NOW), at: NOW };
      },
      // A member announcing as ann with ann's certificate but cy's key.
      () => {
        const forged = { ...cy, groups: [{ groupId: 'lab', epoch: 0, groupKey: labKey, certificate: annCert }] };
        return { p: announceFrom(forged, { lab: [hash(int(9))] }, NOW), at: NOW };
      },
    ];
    // Forging costs Ed25519 signatures: most of the budget goes to the cheap kinds.
    const weights = [40, 40, 17, 1, 1, 1];
    const pick = (): number => {
      let r = int(100);
      for (let k = 0; k < weights.length; k++) if ((r -= weights[k] as number) < 0) return k;
      return 0;
    };
    let accepted = 0;
    const seen = new Array(kinds.length).fill(0);
    for (let i = 0; i < TOTAL; i++) {
      const k = pick();
      seen[k]++;
      const { p, at } = (kinds[k] as () => { p: Buffer; at: number })();
      if (rx.receive(p, '10.0.0.66', secrets, bob.memberKey.publicKey, at).accepted) accepted++;
    }
    expect(accepted, `seed ${seed}`).toBe(0);
    expect(seen.every((n) => n > 0)).toBe(true);
    // Only ann, as she really announced, is in bob's table.
    expect(rx.table.list(NOW + 1_000).map((p) => [p.userId, p.address])).toEqual([['ann', '10.0.0.5:6881']]);
    // And a fresh genuine announce is still believed after the storm.
    expect(rx.receive(announceFrom(ann, { lab: [hash(1)] }, NOW + 2_000), '10.0.0.5', secrets, bob.memberKey.publicKey, NOW + 2_000).accepted).toBe(true);
  }, 120_000);
});
