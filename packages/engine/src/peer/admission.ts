/**
 * Whom we serve: the decision taken once per connection, after the remote's extended
 * handshake (or at once, for a remote without BEP 10).
 *
 * Every peer can serve (a seeder, or a downloader with verified pieces), so every connection
 * asks: did the remote prove, with a tracker-signed ticket (`gs_ticket`), that it is a member
 * of the file's group and may fetch this file now? Only then is it *authorized*: sent our
 * bitfield, unchoked, served. Tickets are checked locally with the trackers' public key, so
 * serving needs no tracker round trip.
 *
 * - A ticket that does not verify (forged, expired, another group, another file): refused,
 *   always. Someone is trying; there is nothing to gain from them.
 * - No ticket but a member certificate (`gs_cert`) with its proof (`gs_proof`): a member fetching
 *   while no tracker is reachable; admitted or refused by `certificate-admission.ts`, with the
 *   same rule: only members of the file's group.
 * - No ticket: the remote only wants to be fetched from (a seeder answering our connection).
 *   That is fine if *we* came to fetch (we hold a ticket for this file): we stay, and serve it
 *   nothing. If we did not, the connection has no purpose: refused.
 *
 * The ticket is checked when the connection opens, not again: it is short-lived by design (a
 * few minutes, enough to connect), and a transfer that started with a valid one may finish.
 */
import type { KeyObject } from 'node:crypto';

import { toHex, verifyTicket, type MemberCertificatePayload } from '@groupshare/protocol';

import { admitByCertificate } from './certificate-admission.js';
import type { PeerCloseInfo } from './errors.js';

/** What the decision depends on. */
export interface AdmissionInput {
  /** The remote's `gs_ticket`, if it sent one. */
  ticket: string | undefined;
  /** The trackers' ticket public key. */
  ticketKey: KeyObject;
  /**
   * The groups the file is served in: a ticket naming any of them is accepted. Usually one; the
   * same content under the same name shared in two groups has one info-hash.
   */
  groupIds: readonly string[];
  infoHash: Uint8Array;
  nowMs: number;
  /** We hold a ticket (or a certificate) for this file, i.e. we want to fetch from the remote. */
  weFetch: boolean;
  /** The remote's `gs_cert` and `gs_proof`, if it sent them. */
  certificate?: string | undefined;
  proof?: Uint8Array | undefined;
  /** The `gs_nonce` we sent (a certificate's proof must sign it). */
  nonce?: Uint8Array;
  /** Our own user (a certificate naming it is refused). */
  selfUser?: string | undefined;
  /** A further check on a certificate (an older group-key epoch is refused): a reason refuses it. */
  certificateCheck?: ((cert: MemberCertificatePayload) => string | undefined) | undefined;
}

/** The remote may stay; `authorized` says whether we serve it. */
export interface Admitted {
  authorized: boolean;
  /** The user named in its ticket. */
  user?: string;
}

/** Admits or refuses the remote; see the module comment. Never throws for any ticket. */
export function admitRemote(input: AdmissionInput): Admitted | PeerCloseInfo {
  if (input.ticket === undefined && input.certificate !== undefined && input.nonce !== undefined) {
    const byCert = admitByCertificate({
      certificate: input.certificate, proof: input.proof, nonce: input.nonce, infoHash: input.infoHash, ticketKey: input.ticketKey,
      groupIds: input.groupIds, selfUser: input.selfUser, nowMs: input.nowMs,
      ...(input.certificateCheck !== undefined ? { extraCheck: input.certificateCheck } : {}),
    });
    return 'code' in byCert ? byCert : { authorized: true, user: byCert.user };
  }
  if (input.ticket === undefined) {
    if (input.weFetch) return { authorized: false };
    return { code: 'ERR_PEER_NO_TICKET', reason: 'the peer sent no ticket, so it may not fetch this file' };
  }
  const check = verifyTicket(input.ticket, input.ticketKey, {
    groupId: input.groupIds,
    infoHash: toHex(input.infoHash),
    nowMs: input.nowMs,
  });
  if (!check.ok) return { code: 'ERR_PEER_TICKET_REFUSED', reason: `the peer's ticket was refused: ${check.reason}` };
  return { authorized: true, user: check.payload.u };
}

/** Narrows {@link admitRemote}'s result. */
export function isRefusal(r: Admitted | PeerCloseInfo): r is PeerCloseInfo {
  return 'code' in r;
}
