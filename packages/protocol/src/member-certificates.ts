/**
 * Member certificates and group keys for LAN discovery (docs/lan.md).
 *
 * A member certificate is the trackers' signed statement that a user is a member of one group and
 * announces itself on the LAN with one Ed25519 key, until an expiry. Peers on a LAN check it with
 * the trackers' public key (the ticket key, given at login), so a member's announce can be
 * believed while no tracker is reachable, and nobody without the certificate's private key can
 * speak for that member. Same shape as a ticket (tickets.ts): `<base64url(payload)>.<base64url(sig)>`,
 * signed by the same key; its payload has `t: "lan-member"` and no `h`, so neither is ever taken
 * for the other.
 *
 * A group key is a 32-byte secret the trackers give to each member of a group (derived from their
 * signing seed, the group id and the group's key epoch, so every tracker of a cluster hands out
 * the same key without replicating it). Announces are sealed per group under it, so a non-member
 * on the LAN learns no group id, file or user id. The epoch is replicated tracker state, raised
 * whenever a membership of the group ends: the key changes with it, so a member who left cannot
 * read what the group announces afterwards. A certificate names the epoch it was issued at (`e`),
 * and peers refuse one older than the key they hold.
 *
 * Certificates from before epochs existed have no `e`: they are read as epoch 0, and the epoch-0
 * key is the key those releases derived, so old and new peers agree until the first rotation.
 */
import { hkdfSync, sign, verify, type KeyObject } from 'node:crypto';

export interface MemberCertificatePayload {
  v: 1;
  t: 'lan-member';
  /** User id. */
  u: string;
  /** Group id. */
  g: string;
  /** The member's announce key: a raw 32-byte Ed25519 public key, base64. */
  k: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** The group's key epoch when it was issued (absent in certificates from before epochs: 0). */
  e: number;
}

/** Longest certificate accepted (a user id and a group id are at most a few dozen characters). */
export const MAX_MEMBER_CERTIFICATE_LENGTH = 1024;

/**
 * The group key of `groupId` at key epoch `epoch` under the trackers' 32-byte signing seed
 * (HKDF-SHA-256). Epoch 0 keeps the derivation of releases without epochs; later epochs add the
 * epoch after a `/`, which no group id contains, so no (group, epoch) pair can meet another's key.
 */
export function deriveGroupKey(seed: Uint8Array, groupId: string, epoch = 0): Buffer {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError('a key epoch is a whole number from 0');
  const info = epoch === 0 ? `group:${groupId}` : `group:${groupId}/epoch:${epoch}`;
  return Buffer.from(hkdfSync('sha256', seed, 'groupshare-lan-group-key', info, 32));
}

/**
 * What is signed: a payload, its epoch `e` optional (left out, the certificate reads as epoch 0,
 * like one from before epochs). The trackers always name it.
 */
export type MemberCertificateInput = Omit<MemberCertificatePayload, 'e'> & { e?: number };

export function signMemberCertificate(payload: MemberCertificateInput, privateKey: KeyObject): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(null, Buffer.from(body), privateKey).toString('base64url')}`;
}

export type MemberCertificateCheck = { ok: true; payload: MemberCertificatePayload } | { ok: false; reason: string };

/** Whether `cert` is a certificate the trackers signed that is unexpired at `nowMs`. Never throws. */
export function verifyMemberCertificate(cert: unknown, publicKey: KeyObject, nowMs: number): MemberCertificateCheck {
  if (typeof cert !== 'string' || cert.length > MAX_MEMBER_CERTIFICATE_LENGTH) return { ok: false, reason: 'not a certificate' };
  const [body, signature, extra] = cert.split('.');
  if (!body || !signature || extra !== undefined) return { ok: false, reason: 'not a certificate' };
  let valid = false;
  try {
    valid = verify(null, Buffer.from(body), publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad signature' };
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'not a certificate' };
  }
  const p = raw as Partial<Record<keyof MemberCertificatePayload, unknown>> | null;
  if (typeof p !== 'object' || p === null || p.v !== 1 || p.t !== 'lan-member') return { ok: false, reason: 'not a certificate' };
  if (typeof p.u !== 'string' || typeof p.g !== 'string' || typeof p.k !== 'string' || typeof p.exp !== 'number') {
    return { ok: false, reason: 'not a certificate' };
  }
  const e = p.e === undefined ? 0 : p.e;
  if (typeof e !== 'number' || !Number.isSafeInteger(e) || e < 0) return { ok: false, reason: 'not a certificate' };
  if (p.exp * 1000 <= nowMs) return { ok: false, reason: 'certificate expired' };
  return { ok: true, payload: { v: 1, t: 'lan-member', u: p.u, g: p.g, k: p.k, exp: p.exp, e } };
}
