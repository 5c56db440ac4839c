/**
 * The tracker side of tickets (protocol's tickets.ts): the signing key and issuing. In a cluster
 * the key is derived from the cluster secret, so every tracker signs with the same key without
 * replicating it; a tracker alone keeps a random key in its data directory, made on first start.
 */
import { deriveTicketSeed, signTicket, ticketPrivateKey, ticketPublicKeyBase64 } from '@groupshare/protocol';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';

/** Tickets are short-lived: a member who leaves a group can fetch its files for this long at most. */
export const TICKET_TTL_MS = 10 * 60 * 1000;

export class TicketIssuer {
  readonly publicKey: string;

  constructor(
    private readonly privateKey: KeyObject,
    private readonly ttlMs = TICKET_TTL_MS,
  ) {
    this.publicKey = ticketPublicKeyBase64(privateKey);
  }

  /** The cluster's key when there is a secret, else this tracker's own (in `dataDir`). */
  static load(opts: { clusterSecret?: string; dataDir: string; ttlMs?: number }): TicketIssuer {
    const seed = opts.clusterSecret !== undefined ? deriveTicketSeed(opts.clusterSecret) : localSeed(opts.dataDir);
    return new TicketIssuer(ticketPrivateKey(seed), opts.ttlMs);
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
