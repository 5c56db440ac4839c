/**
 * The operator's cluster-wide views and settings (tracker console): every group, and whether
 * clients may register themselves. The setting is an op, so it holds on every tracker.
 */
import type { TrackerServices } from '../api/context.js';
import { registrationOpen } from '../state/settings.js';

export interface GroupListing {
  groupId: string;
  ownerId: string;
  members: number;
  files: number;
}

/** Every group, in id order. */
export async function listAllGroups(services: Pick<TrackerServices, 'reader'>): Promise<GroupListing[]> {
  const groups = await services.reader.group.findMany({ orderBy: { id: 'asc' }, include: { _count: { select: { members: true, files: true } } } });
  return groups.map((g) => ({ groupId: g.id, ownerId: g.ownerId, members: g._count.members, files: g._count.files }));
}

export function isRegistrationOpen(services: Pick<TrackerServices, 'reader'>): Promise<boolean> {
  return registrationOpen(services.reader);
}

/**
 * Opens or closes registration on every tracker of the cluster. Returns false, writing nothing,
 * when it already was so.
 */
export async function setRegistration(services: Pick<TrackerServices, 'store' | 'log'>, open: boolean): Promise<boolean> {
  const { value: changed } = await services.store.mutate(async (w) => {
    if ((await w.read.registrationOpen()) === open) return false;
    await w.commit({ kind: 'registration_set', open });
    return true;
  });
  if (changed) services.log.info({ event: 'registration_set', open }, `registration ${open ? 'opened' : 'closed'} on the console`);
  return changed;
}
