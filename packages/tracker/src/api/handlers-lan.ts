/**
 * lan_credentials: what a member needs to announce itself and recognise other members on a LAN
 * (docs/lan.md): per group of the caller, the group's key epoch, the key of that epoch and a
 * member certificate for its announce key issued at that epoch. Only the caller's own memberships
 * are answered, so a user gets no key of a group it is not in (nor, once it left, of the epochs
 * that follow).
 */
import { MEMBER_CERTIFICATE_TTL_MS } from '../auth/tickets.js';
import { requireSession, type HandlerTable } from './context.js';

type LanHandlers = Pick<HandlerTable, 'lan_credentials'>;

export const lanHandlers: LanHandlers = {
  async lan_credentials(ctx, req) {
    const session = requireSession(ctx);
    const { tickets, queries, now } = ctx.services;
    // Never beyond the session: a certificate must not outlive the login it came from.
    const expiresAtMs = Math.min(session.expiresAtMs, now() + MEMBER_CERTIFICATE_TTL_MS);
    const mine = (await queries.listGroups(session.userId)).filter((g) => g.membership === 'owner' || g.membership === 'member');
    const epochs = await queries.keyEpochs(mine.map((g) => g.groupId));
    return {
      expiresAt: new Date(Math.floor(expiresAtMs / 1000) * 1000).toISOString(),
      groups: mine.map((g) => {
        const epoch = epochs.get(g.groupId) ?? 0;
        return {
          groupId: g.groupId,
          epoch,
          groupKey: tickets.groupKey(g.groupId, epoch).toString('base64'),
          certificate: tickets.memberCertificate(session.userId, g.groupId, epoch, req.memberKey, expiresAtMs),
        };
      }),
    };
  },
};
