/**
 * Tickets: a tracker's signed statement that a user may fetch one file of one group, for a few
 * minutes. A downloading peer sends its ticket in the BEP 10 extended handshake (`gs_ticket`);
 * the serving peer checks it with the trackers' public key (given at login) before sending any
 * data, so only members get a group's files, without the serving peer asking a tracker.
 *
 * Ed25519 over a compact JSON payload: `<base64url(payload)>.<base64url(signature)>`. Every
 * tracker of a cluster derives the same key from the cluster secret (HKDF), so a ticket from one
 * verifies with the key from any other.
 */
import { createPrivateKey, createPublicKey, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';

export interface TicketPayload {
  /** Version. */
  v: 1;
  /** Group id. */
  g: string;
  /** Info-hash of the file, hex. */
  h: string;
  /** User the ticket was issued to. */
  u: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** Longest ticket accepted, so a hostile handshake cannot make a peer parse megabytes. */
export const MAX_TICKET_LENGTH = 1024;

// PKCS#8 / SPKI headers for a raw 32-byte Ed25519 key (RFC 8410).
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

/** The 32-byte Ed25519 seed every tracker of a cluster derives from the shared secret. */
export function deriveTicketSeed(clusterSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', clusterSecret, 'groupshare-ticket-key', 'ed25519 seed v1', 32));
}

export function ticketPrivateKey(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}

/** The public key as 32 raw bytes, base64 (what login hands to clients). */
export function ticketPublicKeyBase64(privateKey: KeyObject): string {
  const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('base64');
}

export function ticketPublicKey(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' });
}

export function signTicket(payload: TicketPayload, privateKey: KeyObject): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(null, Buffer.from(body), privateKey).toString('base64url')}`;
}

export type TicketCheck = { ok: true; payload: TicketPayload } | { ok: false; reason: string };

/**
 * Whether `ticket` lets its holder fetch the file `infoHash` of group `groupId` at `nowMs`. A list
 * of groups accepts a ticket for any of them (one file shared in several groups has one
 * info-hash). Never throws: a hostile ticket is just refused with a reason.
 */
export function verifyTicket(
  ticket: unknown,
  publicKey: KeyObject,
  expect: { groupId: string | readonly string[]; infoHash: string; nowMs: number },
): TicketCheck {
  if (typeof ticket !== 'string' || ticket.length > MAX_TICKET_LENGTH) return { ok: false, reason: 'not a ticket' };
  const [body, signature, extra] = ticket.split('.');
  if (!body || !signature || extra !== undefined) return { ok: false, reason: 'not a ticket' };
  let valid = false;
  try {
    valid = verify(null, Buffer.from(body), publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad signature' };
  const payload = parseTicketBody(body);
  if (typeof payload === 'string') return { ok: false, reason: payload };
  const groupOk = typeof expect.groupId === 'string' ? payload.g === expect.groupId : expect.groupId.includes(payload.g);
  if (!groupOk || payload.h !== expect.infoHash) return { ok: false, reason: 'ticket is for another file' };
  if (payload.exp * 1000 <= expect.nowMs) return { ok: false, reason: 'ticket expired' };
  return { ok: true, payload };
}

/**
 * The payload of a ticket body (base64url JSON), or why it is not one. Every field is checked,
 * not only those {@link verifyTicket} compares: a caller reads `u` as the user to serve, so a
 * payload whose fields have other types must never come back typed as a TicketPayload.
 * Never throws.
 */
export function parseTicketBody(body: string): TicketPayload | string {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return 'not a ticket';
  }
  const p = raw as Partial<Record<keyof TicketPayload, unknown>> | null;
  if (typeof p !== 'object' || p === null || p.v !== 1) return 'unknown ticket version';
  if (typeof p.g !== 'string' || typeof p.h !== 'string' || typeof p.u !== 'string' || typeof p.exp !== 'number') {
    return 'not a ticket';
  }
  return { v: 1, g: p.g, h: p.h, u: p.u, exp: p.exp };
}
