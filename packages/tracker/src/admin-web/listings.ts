/**
 * What the admin page lists besides users (admin/users.ts) and the cluster: every group with its
 * members, and every shared file with who shares it. Read from this tracker's state, which is
 * the cluster's once the digests agree. Capped at MAX_LISTED rows, with the total, so a large
 * tracker answers quickly.
 */
import type { TrackerServices } from '../api/context.js';

export const MAX_LISTED = 1_000;

export interface GroupRow {
  groupId: string;
  ownerId: string;
  members: Array<{ userId: string; joinedAt: string }>;
  /** Join requests waiting for the owner. */
  requests: number;
  files: number;
}

export interface FileRow {
  groupId: string;
  infoHash: string;
  name: string;
  size: number;
  sharedBy: string;
  /** Every member offering it: a seeder has it complete. */
  holders: Array<{ userId: string; complete: boolean; serving: boolean; online: boolean }>;
  seeders: number;
}

export async function listGroupsWithMembers(services: Pick<TrackerServices, 'reader'>): Promise<{ total: number; groups: GroupRow[] }> {
  const [total, groups] = await Promise.all([
    services.reader.group.count(),
    services.reader.group.findMany({
      orderBy: { id: 'asc' },
      take: MAX_LISTED,
      include: { members: { orderBy: { userId: 'asc' }, select: { userId: true, joinedAt: true } }, _count: { select: { requests: true, files: true } } },
    }),
  ]);
  return {
    total,
    groups: groups.map((g) => ({
      groupId: g.id,
      ownerId: g.ownerId,
      members: g.members.map((m) => ({ userId: m.userId, joinedAt: m.joinedAt.toISOString() })),
      requests: g._count.requests,
      files: g._count.files,
    })),
  };
}

export async function listSharedFiles(services: Pick<TrackerServices, 'reader' | 'hub'>): Promise<{ total: number; files: FileRow[] }> {
  const [total, files] = await Promise.all([
    services.reader.sharedFile.count(),
    services.reader.sharedFile.findMany({
      orderBy: [{ groupId: 'asc' }, { name: 'asc' }],
      take: MAX_LISTED,
      select: { groupId: true, infoHash: true, name: true, size: true, sharedBy: true, shares: { orderBy: { userId: 'asc' }, select: { userId: true, complete: true, serving: true } } },
    }),
  ]);
  const online = services.hub.onlineUsers();
  return {
    total,
    files: files.map((f) => {
      const holders = f.shares.map((s) => ({ userId: s.userId, complete: s.complete, serving: s.serving, online: online.has(s.userId) }));
      return {
        groupId: f.groupId,
        infoHash: f.infoHash,
        name: f.name,
        size: Number(f.size),
        sharedBy: f.sharedBy,
        holders,
        seeders: holders.filter((h) => h.complete && h.serving && h.online).length,
      };
    }),
  };
}
