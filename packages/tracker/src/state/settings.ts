/**
 * Cluster-wide settings (the Setting table), written only by applying ops (apply.ts) so every
 * tracker holds the same values. A key that was never set has its default.
 */
import type { PrismaClient } from '../generated/prisma/client.js';

/** Whether clients may `register` themselves: `open` (the default) or `closed`. */
export const REGISTRATION_SETTING = 'registration';

/**
 * Whether registration is open, as `prisma` sees it: the read-only client sees the last commit;
 * the writer's client, inside a mutation, that mutation's transaction (tx-reads.ts).
 */
export async function registrationOpen(prisma: PrismaClient): Promise<boolean> {
  const row = await prisma.setting.findUnique({ where: { key: REGISTRATION_SETTING } });
  return row?.value !== 'closed';
}
