/**
 * Read-side views of the state, shaped as the protocol's results. Whether a peer is online comes
 * from the caller (presence is live connection state, not stored).
 *
 * The requests every client sends often (membership checks, list_files, get_file, get_peers) read
 * through {@link SqlReads}' prepared statements and caches; the rarer ones through Prisma's
 * read-only client. A group's file summaries are kept until its rows or presence change, so a
 * thousand clients polling list_files cost one computation between two changes.
 */
import { Bitfield, pieceCount, type FileDetail, type FileSummary, type GroupSummary, type Holder, type PeerInfo } from '@groupshare/protocol';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { FileRow, GroupFiles, MembershipRow, ShareRow, SqlReads } from './sql/reads.js';

/** Who is online (the client hub): a share counts only while its peer is. */
export interface Presence {
  isOnline(userId: string, peerAddress: string): boolean;
  /** Changes whenever the answer of isOnline may have changed for some pair. */
  readonly presenceVersion: number;
}

export class TrackerQueries {
  /** Summaries per group's rows (SqlReads returns the same object until a commit). */
  private readonly summaries = new WeakMap<GroupFiles, { presenceVersion: number; files: FileSummary[] }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlReads,
    private readonly presence: Presence,
  ) {}

  /** The group's owner and whether `userId` is a member; undefined if there is no such group. */
  membership(groupId: string, userId: string): MembershipRow | undefined {
    return this.sql.membership(groupId, userId);
  }

  async listGroups(viewer: string): Promise<GroupSummary[]> {
    const groups = await this.prisma.group.findMany({
      orderBy: { id: 'asc' },
      include: { _count: { select: { members: true } }, members: { where: { userId: viewer } }, requests: { where: { userId: viewer } } },
    });
    return groups.map((g) => ({
      groupId: g.id,
      owner: g.ownerId,
      memberCount: g._count.members,
      membership: g.ownerId === viewer ? 'owner' : g.members.length > 0 ? 'member' : g.requests.length > 0 ? 'requested' : 'none',
    }));
  }

  /** The LAN key epoch of each of `groupIds` (docs/lan.md); a group never rotated is at 0. */
  async keyEpochs(groupIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.prisma.groupKeyEpoch.findMany({ where: { groupId: { in: [...groupIds] } } });
    return new Map(groupIds.map((id) => [id, rows.find((r) => r.groupId === id)?.epoch ?? 0]));
  }

  async listMembers(groupId: string, ownerId: string) {
    const members = await this.prisma.membership.findMany({ where: { groupId }, orderBy: [{ joinedAt: 'asc' }, { userId: 'asc' }] });
    return members.map((m) => ({ userId: m.userId, joinedAt: m.joinedAt.toISOString(), owner: m.userId === ownerId }));
  }

  async listRequests(groupId: string) {
    const requests = await this.prisma.joinRequest.findMany({ where: { groupId }, orderBy: [{ requestedAt: 'asc' }, { userId: 'asc' }] });
    return requests.map((r) => ({ userId: r.userId, requestedAt: r.requestedAt.toISOString() }));
  }

  /** The group's files, sorted by name. The result is shared between callers: do not modify it. */
  listFiles(groupId: string): FileSummary[] {
    const rows = this.sql.groupFiles(groupId);
    const presenceVersion = this.presence.presenceVersion;
    const known = this.summaries.get(rows);
    if (known?.presenceVersion === presenceVersion) return known.files;
    const byFile = new Map<string, ShareRow[]>();
    for (const share of rows.shares) {
      const list = byFile.get(share.infoHash);
      if (list) list.push(share);
      else byFile.set(share.infoHash, [share]);
    }
    const files = rows.files.map((f) => this.summarise(f, byFile.get(f.infoHash) ?? []));
    this.summaries.set(rows, { presenceVersion, files });
    return files;
  }

  getFile(groupId: string, name: string): FileDetail | null {
    const found = this.sql.file(groupId, name);
    if (!found) return null;
    return { ...this.summarise(found.file, found.shares), pieces: found.file.pieces.toString('hex') };
  }

  /**
   * The file and every member holding pieces of it, online or not (most pieces first), so a
   * user can see who could serve it and whether someone offline holds what is missing.
   */
  fileInfo(groupId: string, name: string): { file: FileSummary; holders: Holder[] } | null {
    const found = this.sql.file(groupId, name);
    if (!found) return null;
    const count = pieceCount(found.file.size, found.file.pieceLength);
    const holders = found.shares
      .map((s) => ({
        userId: s.userId,
        online: this.offered(s),
        pieces: s.complete ? count : new Bitfield(count, s.bitfield).count(),
        complete: s.complete,
      }))
      .sort((a, b) => b.pieces - a.pieces || a.userId.localeCompare(b.userId));
    return { file: this.summarise(found.file, found.shares), holders };
  }

  /** Online peers offering the file, except the asking peer itself; null if there is no such file. */
  getPeers(groupId: string, infoHash: string, except: { userId: string; peerAddress: string | null }): PeerInfo[] | null {
    const shares = this.sql.fileShares(groupId, infoHash);
    if (!shares) return null;
    // Downloaders with no piece yet are listed too (not counted as holders in list_files): members
    // who start a download together find each other at once and trade from their first pieces.
    const peers: PeerInfo[] = [];
    for (const s of shares) {
      if (s.userId === except.userId && s.peerAddress === except.peerAddress) continue;
      if (!this.offered(s)) continue;
      peers.push({ userId: s.userId, address: s.peerAddress, bitfield: s.bitfield.toString('base64'), complete: s.complete });
    }
    return peers;
  }

  async counts(): Promise<{ users: number; groups: number; files: number; shares: number }> {
    const [users, groups, files, shares] = await Promise.all([
      this.prisma.user.count(),
      this.prisma.group.count(),
      this.prisma.sharedFile.count(),
      this.prisma.share.count(),
    ]);
    return { users, groups, files, shares };
  }

  /** Advertised: its peer said it serves it since its last login, and is online now. */
  private offered(s: ShareRow): boolean {
    return s.serving && this.presence.isOnline(s.userId, s.peerAddress);
  }

  private summarise(file: FileRow, shares: readonly ShareRow[]): FileSummary {
    const count = pieceCount(file.size, file.pieceLength);
    // Online shares with at least one piece (or the whole of an empty file).
    let seeders = 0;
    let partialPeers = 0;
    let union: Uint8Array | undefined;
    for (const s of shares) {
      if (!(s.complete || s.bitfield.some((byte) => byte !== 0)) || !this.offered(s)) continue;
      if (s.complete) {
        seeders += 1;
        continue;
      }
      partialPeers += 1;
      // Only needed while no seeder is online; stored bitfields have the file's length.
      if (seeders === 0) {
        union ??= new Uint8Array(s.bitfield.length);
        for (let i = 0; i < union.length; i++) union[i]! |= s.bitfield[i] ?? 0;
      }
    }
    // Available when the online peers together have every piece: a seeder has them all; else the
    // union of the partial peers' bitfields must cover the file. An empty file has no pieces to
    // cover, but still needs someone online to "download" from.
    const available = seeders > 0 || (union !== undefined && new Bitfield(count, union).isComplete());
    return {
      name: file.name,
      infoHash: file.infoHash,
      size: file.size,
      sha1: file.sha1,
      pieceLength: file.pieceLength,
      pieceCount: count,
      sharedBy: file.sharedBy,
      sharedAt: file.createdAt.toISOString(),
      seeders,
      partialPeers,
      available,
    };
  }
}
