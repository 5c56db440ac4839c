/**
 * The tracker side of tickets (protocol's tickets.ts): the signing key and issuing. In a cluster
 * the key is derived from the cluster secret, so every tracker signs with the same key without
 * replicating it; a tracker alone keeps a random key in its data directory, made on first start.
 */
import {
  deriveGroupKey,
  deriveTicketSeed,
  signMemberCertificate,
  signTicket,
  ticketPrivateKey,
  ticketPublicKeyBase64,
} from '@groupshare/protocol';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';

/** Tickets are short-lived: a member who leaves a group can fetch its files for this long at most. */
export const TICKET_TTL_MS = 10 * 60 * 1000;

/**
 * Member certificates (LAN discovery) last a day, so a member who logged in can keep working from
 * the LAN through a day of tracker downtime; the client asks for new ones long before.
 */
export const MEMBER_CERTIFICATE_TTL_MS = 24 * 3600 * 1000;

export class TicketIssuer {
  readonly publicKey: string;
  private readonly privateKey: KeyObject;

  constructor(
    private readonly seed: Uint8Array,
    private readonly ttlMs = TICKET_TTL_MS,
  ) {
    this.privateKey = ticketPrivateKey(seed);
    this.publicKey = ticketPublicKeyBase64(this.privateKey);
  }

  /** The cluster's key when there is a secret, else this tracker's own (in `dataDir`). */
  static load(opts: { clusterSecret?: string; dataDir: string; ttlMs?: number }): TicketIssuer {
    const seed = opts.clusterSecret !== undefined ? deriveTicketSeed(opts.clusterSecret) : localSeed(opts.dataDir);
    return new TicketIssuer(seed, opts.ttlMs);
  }

  /**
   * The LAN group key of `groupId` at key epoch `epoch` (replicated state, raised when a member
   * leaves): the same on every tracker sharing this signing seed.
   */
  groupKey(groupId: string, epoch: number): Buffer {
    return deriveGroupKey(this.seed, groupId, epoch);
  }

  /**
   * A member certificate binding `userId`'s membership of `groupId`, at key epoch `epoch`, to its
   * announce key `memberKey`.
   */
  memberCertificate(userId: string, groupId: string, epoch: number, memberKey: string, expiresAtMs: number): string {
    return signMemberCertificate({ v: 1, t: 'lan-member', u: userId, g: groupId, k: memberKey, exp: Math.floor(expiresAtMs / 1000), e: epoch }, this.privateKey);
  }

  issue(userId: string, groupId: string, infoHash: string, nowMs: number): { ticket: string; expiresAt: string } {
    const exp = Math.floor((nowMs + this.ttlMs) / 1000);
    return { ticket: signTicket({ v: 1, g: groupId, h: infoHash, u: userId, exp }, this.privateKey), expiresAt: new Date(exp * 1000).toISOString() };
  }
}

function localSeed(dataDir: string): Buffer {
  const file = path.join(dataDir, 'ticket-key');
  try {
    const seed = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    if (seed.length === 32) return seed;
  } catch {
    // not there yet: make one below
  }
  mkdirSync(dataDir, { recursive: true });
  const seed = randomBytes(32);
  writeFileSync(file, seed.toString('hex'), { mode: 0o600 });
  return seed;
}
