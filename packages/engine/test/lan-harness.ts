/**
 * LAN discovery test kit: member credentials as the trackers would issue them (same derivations,
 * a test cluster secret), and a datagram maker for members and impostors.
 */
import { randomBytes } from 'node:crypto';
import { deriveGroupKey, deriveTicketSeed, signMemberCertificate, ticketPrivateKey, ticketPublicKey, ticketPublicKeyBase64 } from '@groupshare/protocol';
import { groupSecret, newMemberKey, sealAnnounce, type LanCredentials } from '../src/lan/index.js';

export const LAN_SEED = deriveTicketSeed('lan test cluster secret');
export const LAN_TRACKER_KEY = ticketPrivateKey(LAN_SEED);
export const LAN_TICKET_KEY = ticketPublicKey(ticketPublicKeyBase64(LAN_TRACKER_KEY));

/**
 * Credentials for `userId` in `groups` (at key epoch `epoch`, 0 unless told), valid for `ttlMs`
 * from `nowMs`, signed by `seed`'s key.
 */
export function lanCredentials(userId: string, groups: string[], opts: { nowMs?: number; ttlMs?: number; seed?: Buffer; epoch?: number } = {}): LanCredentials {
  const epoch = opts.epoch ?? 0;
  const seed = opts.seed ?? LAN_SEED;
  const memberKey = newMemberKey();
  const expiresAt = (opts.nowMs ?? Date.now()) + (opts.ttlMs ?? 3600_000);
  return {
    userId,
    memberKey,
    expiresAt,
    groups: groups.map((g) => ({
      groupId: g,
      epoch,
      groupKey: deriveGroupKey(seed, g, epoch).toString('base64'),
      certificate: signMemberCertificate({ v: 1, t: 'lan-member', u: userId, g, k: memberKey.publicKey, exp: Math.floor(expiresAt / 1000), e: epoch }, ticketPrivateKey(seed)),
    })),
  };
}

/** A datagram `c` would send announcing `files` (per group) at `nowMs`. */
export function announceFrom(c: LanCredentials, files: Record<string, string[]>, nowMs: number, port = 6881): Buffer {
  return sealAnnounce({
    nowMs,
    nonce: randomBytes(16),
    memberKey: c.memberKey.privateKey,
    groups: c.groups.map((g) => ({
      secret: groupSecret(g.groupId, Buffer.from(g.groupKey, 'base64'), g.epoch),
      certificate: g.certificate,
      port,
      files: (files[g.groupId] ?? []).map(named),
    })),
  }).packet;
}

/** A file announced under a name made from its info-hash. */
export const named = (infoHash: string) => ({ infoHash, name: `file-${infoHash.slice(-6)}.bin`, size: 1000 });

/** The group secrets `c` reads with. */
export function secretsOf(c: LanCredentials) {
  return c.groups.map((g) => groupSecret(g.groupId, Buffer.from(g.groupKey, 'base64'), g.epoch));
}

export const hash = (n: number): string => n.toString(16).padStart(40, '0');
export { randomBytes };
