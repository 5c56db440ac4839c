/**
 * Bad data, as libtorrent's smart ban handles it: who is dropped when a piece fails its hash.
 *
 * A piece failing its hash is fetched again. When one peer alone delivered it, that peer is
 * dropped at once (and never reconnected in this download). When several did, blocks are usually
 * fine and one is bad: counting a strike against each would drop honest peers with the guilty one
 * (a test saw a corrupting and an honest seeder both dropped after four mixed pieces). Instead a
 * digest of each block of the failed piece is kept with the peer that sent it; the piece is
 * retried from one of those peers (the others are banned for that piece) and from anyone else.
 * Once it verifies, every peer whose remembered block differs from the good bytes is proven to
 * have sent bad data and is dropped. Should piece bans leave a piece with no eligible peer, they
 * are lifted.
 *
 * The swarm owns the connections; this decides, and tells it whom to drop through `drop`.
 */
import { createHash } from 'node:crypto';

/** A block of a failed piece as it was received: who sent it and the SHA-1 of its bytes. */
interface Evidence {
  begin: number;
  length: number;
  peer: string;
  digest: Buffer;
}

export interface SmartBanInit {
  /** Uniform numbers in [0, 1), to choose the contributor a failed piece is retried from. */
  rng: () => number;
  /** The length of the block of piece `index` at `begin` (the request ledger knows). */
  blockLength(index: number, begin: number): number | undefined;
  /** Drops the peer for bad data: close its connection, never reconnect it in this download. */
  drop(peer: string, reason: string): void;
}

export class SmartBan {
  /** Peers dropped for bad data: never reconnected in this download. */
  readonly banned = new Set<string>();
  /** `peer#piece`: the peer is not asked for that piece (it contributed to a failed copy). */
  private readonly pieceBans = new Set<string>();
  /** Piece → the contributor a failed piece is being retried from (the one left unbanned for it). */
  private readonly retryFrom = new Map<number, string>();
  /** Blocks of pieces that failed, kept until the piece verifies and shows who was wrong. */
  private readonly evidence = new Map<number, Evidence[]>();

  constructor(private readonly init: SmartBanInit) {}

  /** True if `peer` must not be asked for piece `index` now. */
  bannedFor(peer: string, index: number): boolean {
    return this.pieceBans.size > 0 && this.pieceBans.has(`${peer}#${index}`);
  }

  /** True while some peer is banned for some piece. */
  get hasPieceBans(): boolean {
    return this.pieceBans.size > 0;
  }

  /**
   * Piece `index` failed its hash. `piece` holds the bytes received, `sent` who sent the block at
   * each offset, `contributors` every peer that sent some of it, `present` whether a peer is still
   * connected. Returns the contributors to penalise (neither dropped nor the one retried from).
   */
  pieceFailed(index: number, piece: Buffer, contributors: readonly string[], sent: ReadonlyMap<number, string>, present: (peer: string) => boolean): string[] {
    for (const id of contributors) this.pieceBans.add(`${id}#${index}`);
    if (contributors.length === 1) {
      this.ban(contributors[0] as string, `it alone sent piece ${index}, which failed its hash check`);
      return [];
    }
    if (contributors.length === 0) return [];
    // Keep a digest of each block with its sender, then retry from one contributor and others.
    const kept = this.evidence.get(index) ?? [];
    for (const [begin, peer] of sent) {
      const length = this.init.blockLength(index, begin) ?? 0;
      kept.push({ begin, length, peer, digest: blockDigest(piece, begin, length) });
    }
    this.evidence.set(index, kept);
    // Retried from a contributor still here: the piece may verify after one of them was dropped
    // (writes and hashing are asynchronous), and a dropped one cannot retry it.
    const here = contributors.filter((id) => present(id) && !this.banned.has(id));
    const pool = here.length > 0 ? here : contributors;
    const retry = pool[Math.floor(this.init.rng() * pool.length)] as string;
    this.pieceBans.delete(`${retry}#${index}`);
    this.retryFrom.set(index, retry);
    if (here.length === 0) this.peerLeft(retry);
    return contributors.filter((id) => id !== retry);
  }

  /** Piece `index` verified as `good`: drops every peer that had sent one of its blocks with other bytes. */
  pieceVerified(index: number, good: Buffer): void {
    const evidence = this.evidence.get(index);
    if (evidence === undefined) return;
    this.evidence.delete(index);
    for (const e of evidence) {
      if (!blockDigest(good, e.begin, e.length).equals(e.digest)) {
        this.ban(e.peer, `it sent a corrupt block of piece ${index} (the verified piece differs there)`);
      }
    }
  }

  /**
   * `peer` left (often dropped for the very bad data that made the piece fail): the pieces being
   * retried from it lose their bans, so their other contributors may fetch them again. Left
   * banned, they waited for `liftAll`, which never fires while a peer that never answers keeps
   * getting requests (found by the peer-evil robustness scenario: a stall at 59 of 64 pieces).
   * The evidence stays, so a bad contributor is still convicted once the piece verifies.
   */
  peerLeft(peer: string): void {
    for (const [index, retry] of this.retryFrom) {
      if (retry !== peer) continue;
      this.retryFrom.delete(index);
      for (const ban of this.pieceBans) if (ban.endsWith(`#${index}`)) this.pieceBans.delete(ban);
    }
  }

  /** Lifts every piece ban (some piece is wanted only from peers banned for it). */
  liftAll(): void {
    this.pieceBans.clear();
  }

  private ban(peer: string, reason: string): void {
    if (this.banned.has(peer)) return;
    this.banned.add(peer);
    this.init.drop(peer, reason);
  }
}

function blockDigest(piece: Buffer, begin: number, length: number): Buffer {
  return createHash('sha1').update(piece.subarray(begin, begin + length)).digest();
}
