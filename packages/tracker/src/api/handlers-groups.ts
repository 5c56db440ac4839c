/**
 * create_group, list_groups, join_group, leave_group, list_requests, accept_request,
 * reject_request, list_members.
 */
import { ProtocolError } from '@groupshare/protocol';
import { requireMember, requireMemberToRead, requireOwner, requireOwnerToRead, requireSession, type HandlerContext, type HandlerTable } from './context.js';

type GroupHandlers = Pick<
  HandlerTable,
  'create_group' | 'list_groups' | 'join_group' | 'leave_group' | 'list_requests' | 'accept_request' | 'reject_request' | 'list_members'
>;

function resolveRequest(accepted: boolean) {
  return async (ctx: HandlerContext, req: { groupId: string; userId: string }) => {
    const { userId, account } = requireSession(ctx);
    const { store, hub, log } = ctx.services;
    const { effects } = await store.mutate(async (w) => {
      requireOwner(w.read, req.groupId, userId);
      if (!w.read.hasRequest(req.groupId, req.userId)) throw new ProtocolError('ERR_NO_SUCH_REQUEST', `${req.userId} has not asked to join "${req.groupId}"`);
      await w.commit({ kind: 'join_resolved', account, groupId: req.groupId, userId: req.userId, accepted, by: userId });
    });
    hub.deliver(effects);
    const event = accepted ? 'request_accepted' : 'request_rejected';
    log.info({ event, groupId: req.groupId, userId: req.userId, by: userId }, event.replace('_', ' '));
    return { groupId: req.groupId, userId: req.userId };
  };
}

export const groupHandlers: GroupHandlers = {
  async create_group(ctx, req) {
    const { userId, account } = requireSession(ctx);
    await ctx.services.store.mutate(async (w) => {
      if (w.read.groupOwner(req.groupId) !== undefined) {
        throw new ProtocolError('ERR_GROUP_EXISTS', `group "${req.groupId}" already exists`);
      }
      await w.commit({ kind: 'group_created', account, groupId: req.groupId, ownerId: userId });
    });
    ctx.services.log.info({ event: 'group_created', groupId: req.groupId, userId }, 'group created');
    return { groupId: req.groupId };
  },

  async list_groups(ctx) {
    const { userId } = requireSession(ctx);
    return { groups: await ctx.services.queries.listGroups(userId) };
  },

  async join_group(ctx, req) {
    const { userId, account } = requireSession(ctx);
    const { effects } = await ctx.services.store.mutate(async (w) => {
      const ownerId = w.read.groupOwner(req.groupId);
      if (ownerId === undefined) throw new ProtocolError('ERR_NO_SUCH_GROUP', `there is no group "${req.groupId}"`);
      if (w.read.isMember(req.groupId, userId)) {
        throw new ProtocolError('ERR_ALREADY_MEMBER', `you are already a member of "${req.groupId}"`);
      }
      if (w.read.hasRequest(req.groupId, userId)) {
        throw new ProtocolError('ERR_ALREADY_REQUESTED', `you have already asked to join "${req.groupId}"; the owner (${ownerId}) has not answered yet`);
      }
      await w.commit({ kind: 'join_requested', account, groupId: req.groupId, userId });
    });
    ctx.services.hub.deliver(effects);
    ctx.services.log.info({ event: 'join_requested', groupId: req.groupId, userId }, 'join requested');
    return { groupId: req.groupId, status: 'requested' as const };
  },

  async leave_group(ctx, req) {
    const { userId, account } = requireSession(ctx);
    const { value, effects } = await ctx.services.store.mutate(async (w) => {
      const before = requireMember(w.read, req.groupId, userId);
      await w.commit({ kind: 'member_left', account, groupId: req.groupId, userId });
      const after = w.read.groupOwner(req.groupId);
      const newOwner = after !== undefined && after !== before.ownerId ? after : null;
      return { groupDeleted: after === undefined, newOwner };
    });
    ctx.services.hub.deliver(effects);
    ctx.services.log.info({ event: 'member_left', groupId: req.groupId, userId, ...value }, 'member left group');
    return { groupId: req.groupId, ...value };
  },

  async list_requests(ctx, req) {
    const { userId } = requireSession(ctx);
    requireOwnerToRead(ctx, req.groupId, userId);
    return { requests: await ctx.services.queries.listRequests(req.groupId) };
  },

  accept_request: resolveRequest(true),
  reject_request: resolveRequest(false),

  async list_members(ctx, req) {
    const { userId } = requireSession(ctx);
    const group = requireMemberToRead(ctx, req.groupId, userId);
    return { members: await ctx.services.queries.listMembers(req.groupId, group.ownerId) };
  },
};
