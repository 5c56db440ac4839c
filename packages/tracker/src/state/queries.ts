/**
 * Read-side views of the state, shaped as the protocol's results. Whether a peer is online comes
 * from the caller (presence is live connection state, not stored).
 */
import { Bitfield, pieceCount, type FileDetail, type FileSummary, type GroupSummary, type PeerInfo } from '@groupshare/protocol';
import type { PrismaClient, SharedFile, Share } from '../generated/prisma/client.js';

export type IsOnline = (userId: string, peerAddress: string) => boolean;

export class TrackerQueries {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly isOnline: IsOnline,
  ) {}

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

  async listMembers(groupId: string, ownerId: string) {
    const members = await this.prisma.membership.findMany({ where: { groupId }, orderBy: [{ joinedAt: 'asc' }, { userId: 'asc' }] });
    return members.map((m) => ({ userId: m.userId, joinedAt: m.joinedAt.toISOString(), owner: m.userId === ownerId }));
  }

  async listRequests(groupId: string) {
    const requests = await this.prisma.joinRequest.findMany({ where: { groupId }, orderBy: [{ requestedAt: 'asc' }, { userId: 'asc' }] });
    return requests.map((r) => ({ userId: r.userId, requestedAt: r.requestedAt.toISOString() }));
  }

  async listFiles(groupId: string): Promise<FileSummary[]> {
    const files = await this.prisma.sharedFile.findMany({ where: { groupId }, orderBy: { name: 'asc' }, include: { shares: true } });
    return files.map((f) => this.summarise(f, f.shares));
  }

  async getFile(groupId: string, name: string): Promise<FileDetail | null> {
    const file = await this.prisma.sharedFile.findUnique({ where: { groupId_name: { groupId, name } }, include: { shares: true } });
    if (!file) return null;
    return { ...this.summarise(file, file.shares), pieces: Buffer.from(file.pieces).toString('hex') };
  }

  /** Online peers offering the file, except the asking peer itself. */
  async getPeers(groupId: string, infoHash: string, except: { userId: string; peerAddress: string | null }): Promise<PeerInfo[] | null> {
    const file = await this.prisma.sharedFile.findUnique({ where: { groupId_infoHash: { groupId, infoHash } }, include: { shares: true } });
    if (!file) return null;
    // Downloaders with no piece yet are listed too (not counted as holders in list_files): members
    // who start a download together find each other at once and trade from their first pieces.
    return file.shares
      .filter((s) => this.isOnline(s.userId, s.peerAddress))
      .filter((s) => !(s.userId === except.userId && s.peerAddress === except.peerAddress))
      .map((s) => ({ userId: s.userId, address: s.peerAddress, bitfield: Buffer.from(s.bitfield).toString('base64'), complete: s.complete }));
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

  /** Shares whose peer is online and has at least one piece (or the whole of an empty file). */
  private onlineShares(shares: Share[]): Share[] {
    return shares.filter((s) => (s.complete || s.bitfield.some((byte) => byte !== 0)) && this.isOnline(s.userId, s.peerAddress));
  }

  private summarise(file: SharedFile, shares: Share[]): FileSummary {
    const size = Number(file.size);
    const count = pieceCount(size, file.pieceLength);
    const online = this.onlineShares(shares);
    // Available when the union of the online peers' bitfields covers every piece.
    let union = new Bitfield(count);
    for (const share of online) union = union.or(new Bitfield(count, share.bitfield));
    return {
      name: file.name,
      infoHash: file.infoHash,
      size,
      sha1: file.sha1,
      pieceLength: file.pieceLength,
      pieceCount: count,
      sharedBy: file.sharedBy,
      sharedAt: file.createdAt.toISOString(),
      seeders: online.filter((s) => s.complete).length,
      partialPeers: online.filter((s) => !s.complete).length,
      // An empty file has no pieces to cover, but still needs someone online to "download" from.
      available: online.length > 0 && union.isComplete(),
    };
  }
}
