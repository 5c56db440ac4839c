/**
 * Cluster-wide settings (the Setting table), written only by applying ops (apply.ts) so every
 * tracker holds the same values. A key that was never set has its default.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Tx } from './store.js';

/** Whether clients may `register` themselves: `open` (the default) or `closed`. */
export const REGISTRATION_SETTING = 'registration';

/** Whether registration is open, as `db` sees it (inside a mutation: as of its transaction). */
export async function registrationOpen(db: Tx | PrismaClient): Promise<boolean> {
  const row = await db.setting.findUnique({ where: { key: REGISTRATION_SETTING } });
  return row?.value !== 'closed';
}
