/**
 * Admission by member certificate: how a peer serves a member while no tracker is reachable to
 * hand out tickets (docs/lan.md, "Downloading with no tracker").
 *
 * At login each member gets, per group, a member certificate the trackers signed with their
 * ticket key: `{t: "lan-member", u, g, k, exp}`, binding the user to an announce key `k` that
 * only its client holds (made per login, never stored). A downloader that holds no ticket sends
 * the certificate (`gs_cert`) and a proof (`gs_proof`): the signature, by the certificate's key,
 * over {@link PROOF_CONTEXT}, the server's fresh `gs_nonce` for this connection and the
 * info-hash. So a copied certificate is useless without its private key, and a proof seen on one
 * connection is useless on any other.
 *
 * Who may download does not change: the certificate must be for a group the file is served in,
 * as a ticket must. It admits the connection it was shown on; expiry is checked then, as for
 * tickets.
 */
import { sign, verify, type KeyObject } from 'node:crypto';

import { verifyMemberCertificate, type MemberCertificatePayload } from '@groupshare/protocol';

import { ed25519PublicKey } from '../lan/member-key.js';
import type { PeerCloseInfo } from './errors.js';

/** Domain separation: a proof is never a valid signature of anything else the key signs (announces). */
export const PROOF_CONTEXT = 'groupshare-peer-proof-v1';

/** What a downloader holds to be admitted without a ticket: its certificate and the key it names. */
export interface CertificateCredential {
  certificate: string;
  privateKey: KeyObject;
}

function proofMessage(nonce: Uint8Array, infoHash: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(PROOF_CONTEXT), Buffer.from(nonce), Buffer.from(infoHash)]);
}

/** The proof for a connection whose server sent `nonce`, about `infoHash`. */
export function proveCertificate(privateKey: KeyObject, nonce: Uint8Array, infoHash: Uint8Array): Buffer {
  return sign(null, proofMessage(nonce, infoHash), privateKey);
}

/** What {@link admitByCertificate} decides on. */
export interface CertificateAdmissionInput {
  /** The remote's `gs_cert`. */
  certificate: string;
  /** The remote's `gs_proof`, if any. */
  proof: Uint8Array | undefined;
  /** The `gs_nonce` we sent on this connection. */
  nonce: Uint8Array;
  infoHash: Uint8Array;
  /** The trackers' ticket public key (certificates are signed with it). */
  ticketKey: KeyObject;
  /** The groups the file is served in. */
  groupIds: readonly string[];
  /** Our own user: a certificate naming it is refused (someone replaying ours, or ourselves). */
  selfUser: string | undefined;
  nowMs: number;
  /**
   * A further check on a certificate that passed every other (e.g. one of an older group-key
   * epoch): a reason refuses it with `ERR_PEER_CERT_WRONG_GROUP`.
   */
  extraCheck?: (payload: MemberCertificatePayload) => string | undefined;
}

/**
 * Admits the remote by its certificate, or says why not with a stable code. Never throws for any
 * input.
 */
export function admitByCertificate(input: CertificateAdmissionInput): { user: string } | PeerCloseInfo {
  const check = verifyMemberCertificate(input.certificate, input.ticketKey, input.nowMs);
  if (!check.ok) {
    if (check.reason === 'certificate expired') return { code: 'ERR_PEER_CERT_EXPIRED', reason: "the peer's member certificate has expired" };
    return { code: 'ERR_PEER_CERT_BAD_SIGNATURE', reason: `the peer's member certificate was refused: ${check.reason}` };
  }
  const cert = check.payload;
  if (!input.groupIds.includes(cert.g)) {
    return { code: 'ERR_PEER_CERT_WRONG_GROUP', reason: `the peer's member certificate is for group ${JSON.stringify(cert.g)}, not one this file is served in` };
  }
  if (input.selfUser !== undefined && cert.u === input.selfUser) {
    return { code: 'ERR_PEER_CERT_SELF', reason: "the peer's member certificate names our own user" };
  }
  const extra = input.extraCheck?.(cert);
  if (extra !== undefined) return { code: 'ERR_PEER_CERT_WRONG_GROUP', reason: `the peer's member certificate was refused: ${extra}` };
  if (input.proof === undefined) return { code: 'ERR_PEER_CERT_BAD_PROOF', reason: 'the peer sent a member certificate without proof of its key' };
  let valid = false;
  try {
    valid = verify(null, proofMessage(input.nonce, input.infoHash), ed25519PublicKey(cert.k), input.proof);
  } catch {
    valid = false; // a malformed key in a signed certificate: the trackers would not sign one, but never trust
  }
  if (!valid) return { code: 'ERR_PEER_CERT_BAD_PROOF', reason: "the peer's proof is not its certificate key's signature over this connection's challenge" };
  return { user: cert.u };
}
