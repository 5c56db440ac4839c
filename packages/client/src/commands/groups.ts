/**
 * Groups and membership: create, list, join, leave, and the owner's side of join requests.
 * Each prints one line saying what changed (or a table), and keeps the completion cache in
 * step with what the tracker answered.
 */
import { renderGroups, renderMembers, renderRequests, safeText } from '../render.js';
import { checkId } from '../input-checks.js';
import type { CommandSpec } from './types.js';

const groupArg = { name: 'group_id', kind: 'group' } as const;
const userArg = { name: 'user_id', kind: 'user' } as const;

export const createGroup: CommandSpec = {
  name: 'create_group',
  args: [groupArg],
  summary: 'create a group; you become its owner and first member',
  details: ['Group ids follow the same rules as user ids.', 'example: create_group lab'],
  async run(ctx, [arg]) {
    const groupId = checkId('group id', arg as string);
    const result = await ctx.service.createGroup(groupId);
    ctx.cache.addGroup(result.groupId);
    ctx.out.info(`created group ${safeText(result.groupId)}; you are its owner`);
  },
};

export const listGroups: CommandSpec = {
  name: 'list_groups',
  args: [],
  summary: 'every group on the tracker, with its owner and your membership',
  details: ['The "you" column: owner, member, requested (waiting for the owner) or -.'],
  async run(ctx) {
    const { groups } = await ctx.service.listGroups();
    ctx.cache.setGroups(groups.map((g) => g.groupId));
    ctx.out.info(renderGroups(groups));
  },
};

export const joinGroup: CommandSpec = {
  name: 'join_group',
  args: [groupArg],
  summary: "ask a group's owner to let you in",
  details: ['You are told when the owner accepts or rejects.', 'example: join_group lab'],
  async run(ctx, [arg]) {
    const groupId = checkId('group id', arg as string);
    const result = await ctx.service.joinGroup(groupId);
    ctx.out.info(`asked to join ${safeText(result.groupId)}; you will be told when its owner answers`);
  },
};

export const leaveGroup: CommandSpec = {
  name: 'leave_group',
  args: [groupArg],
  summary: 'leave a group; your shares in it end',
  details: ['If you own the group, the member who joined earliest becomes its owner.'],
  async run(ctx, [arg]) {
    const groupId = checkId('group id', arg as string);
    const result = await ctx.service.leaveGroup(groupId);
    const group = safeText(result.groupId);
    if (result.groupDeleted) {
      ctx.cache.forgetGroup(result.groupId);
      ctx.out.info(`left ${group}; you were its last member, so the group is gone`);
    } else if (result.newOwner !== null) {
      ctx.out.info(`left ${group}; ${safeText(result.newOwner)} owns it now`);
    } else {
      ctx.out.info(`left ${group}`);
    }
  },
};

export const listMembers: CommandSpec = {
  name: 'list_members',
  args: [groupArg],
  summary: "a group's members in the order they joined (members only)",
  async run(ctx, [arg]) {
    const groupId = checkId('group id', arg as string);
    const { members } = await ctx.service.listMembers(groupId);
    ctx.out.info(renderMembers(members));
  },
};

export const listRequests: CommandSpec = {
  name: 'list_requests',
  args: [groupArg],
  summary: 'pending requests to join a group you own',
  async run(ctx, [arg]) {
    const groupId = checkId('group id', arg as string);
    const { requests } = await ctx.service.listRequests(groupId);
    ctx.cache.setRequesters(groupId, requests.map((r) => r.userId));
    ctx.out.info(renderRequests(groupId, requests));
  },
};

export const acceptRequest: CommandSpec = {
  name: 'accept_request',
  args: [groupArg, userArg],
  summary: 'let a user who asked into a group you own',
  details: ['example: accept_request lab bob'],
  async run(ctx, [g, u]) {
    const groupId = checkId('group id', g as string);
    const userId = checkId('user id', u as string);
    const result = await ctx.service.acceptRequest(groupId, userId);
    ctx.cache.forgetRequester(groupId, userId);
    ctx.out.info(`${safeText(result.userId)} is now a member of ${safeText(result.groupId)}`);
  },
};

export const rejectRequest: CommandSpec = {
  name: 'reject_request',
  args: [groupArg, userArg],
  summary: 'turn down a request to join a group you own (they may ask again)',
  async run(ctx, [g, u]) {
    const groupId = checkId('group id', g as string);
    const userId = checkId('user id', u as string);
    const result = await ctx.service.rejectRequest(groupId, userId);
    ctx.cache.forgetRequester(groupId, userId);
    ctx.out.info(`rejected ${safeText(result.userId)}'s request to join ${safeText(result.groupId)}`);
  },
};
