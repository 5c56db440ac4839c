/**
 * The listening half of LAN discovery, without sockets: a datagram in, a verdict out. A datagram
 * is believed only if it opens under one of our group keys with valid certificates and member
 * signatures (announce-packet.ts) and is fresh (replay-guard.ts); our own announces, looped back
 * by multicast, are ignored. What is believed goes into the peer table.
 */
import type { KeyObject } from 'node:crypto';
import { openAnnounce, peekAnnounce, type GroupSecret } from './announce-packet.js';
import { LanPeerTable } from './peer-table.js';
import { ReplayGuard } from './replay-guard.js';

export type ReceiveVerdict =
  | { accepted: true; newPeer: boolean; newFiles: Array<{ address: string; groupId: string; infoHash: string }> }
  | { accepted: false; reason: string };

export class AnnounceReceiver {
  readonly table = new LanPeerTable();

  constructor(
    private readonly ticketKey: KeyObject,
    private readonly guard = new ReplayGuard(),
  ) {}

  /**
   * Judges `packet` from source address `from`, read with `secrets`; `ownKey` is this member's
   * announce key (its own datagrams are `own`, neither accepted nor counted as forged).
   */
  receive(packet: Buffer, from: string, secrets: readonly GroupSecret[], ownKey: string | undefined, nowMs: number): ReceiveVerdict {
    const header = peekAnnounce(packet);
    if (header === undefined) return { accepted: false, reason: 'not an announce' };
    if (!this.guard.fresh(header.sentAt, header.nonce, nowMs)) return { accepted: false, reason: 'stale or replayed' };
    const opened = openAnnounce(packet, secrets, this.ticketKey, nowMs);
    if (!opened.ok) return { accepted: false, reason: opened.reason };
    if (opened.sections.some((s) => s.memberKey === ownKey)) return { accepted: false, reason: 'own' };
    if (!this.guard.accept(opened.sentAt, opened.nonce, nowMs)) return { accepted: false, reason: 'stale or replayed' };
    return { accepted: true, ...this.table.heard(from, opened.sections, nowMs) };
  }
}
