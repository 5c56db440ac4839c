/**
 * Groups, requests and a group's files: /api/groups/…, sharing a path, stopping a share (a
 * browser upload is routes-upload.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { WebContext } from './context.js';
import { shareAnswer, uploadRoute } from './routes-upload.js';
import { empty, errors, groupParams, obj, str } from './schemas.js';
import { fileViews, fileViewSchema } from './views.js';

type GroupParams = { groupId: string };

export function groupRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { service } = ctx;

  app.get('/api/groups', {
    schema: {
      summary: 'every group, with its owner and this user\'s relation to it',
      response: {
        200: obj({
          groups: {
            type: 'array',
            items: obj({ id: str(), owner: str(), memberCount: { type: 'integer' }, member: { type: 'boolean' }, isOwner: { type: 'boolean' }, requested: { type: 'boolean' } }),
          },
        }),
        ...errors,
      },
    },
    handler: async () => {
      const { groups } = await service.listGroups();
      return {
        groups: groups.map((g) => ({
          id: g.groupId,
          owner: g.owner,
          memberCount: g.memberCount,
          member: g.membership === 'owner' || g.membership === 'member',
          isOwner: g.membership === 'owner',
          requested: g.membership === 'requested',
        })),
      };
    },
  });

  app.post('/api/groups', {
    schema: { summary: 'create a group (you own it)', body: obj({ groupId: str({ minLength: 1, maxLength: 64 }) }), response: { 200: obj({ groupId: str() }), ...errors } },
    handler: async (request) => service.createGroup((request.body as GroupParams).groupId),
  });

  app.get('/api/groups/:groupId/members', {
    schema: {
      summary: "a group's members (members only)",
      params: groupParams,
      response: { 200: obj({ members: { type: 'array', items: obj({ userId: str(), owner: { type: 'boolean' }, joinedAt: str() }) } }), ...errors },
    },
    handler: async (request) => service.listMembers((request.params as GroupParams).groupId),
  });

  app.post('/api/groups/:groupId/join', {
    schema: { summary: "ask the group's owner to let you in", params: groupParams, response: { 200: obj({ groupId: str() }), ...errors } },
    handler: async (request) => ({ groupId: (await service.joinGroup((request.params as GroupParams).groupId)).groupId }),
  });

  app.post('/api/groups/:groupId/leave', {
    schema: {
      summary: 'leave a group (your shares in it end)',
      params: groupParams,
      response: { 200: obj({ groupId: str(), groupDeleted: { type: 'boolean' }, newOwner: { type: ['string', 'null'] } }), ...errors },
    },
    handler: async (request) => service.leaveGroup((request.params as GroupParams).groupId),
  });

  app.get('/api/groups/:groupId/requests', {
    schema: {
      summary: 'pending requests to join a group you own',
      params: groupParams,
      response: { 200: obj({ requests: { type: 'array', items: obj({ userId: str(), requestedAt: str() }) } }), ...errors },
    },
    handler: async (request) => service.listRequests((request.params as GroupParams).groupId),
  });

  const requestParams = obj({ groupId: str({ minLength: 1, maxLength: 64 }), userId: str({ minLength: 1, maxLength: 64 }) });
  for (const verb of ['accept', 'reject'] as const) {
    app.post(`/api/groups/:groupId/requests/:userId/${verb}`, {
      schema: { summary: `${verb} a request to join a group you own`, params: requestParams, response: { 200: empty, ...errors } },
      handler: async (request) => {
        const { groupId, userId } = request.params as { groupId: string; userId: string };
        await (verb === 'accept' ? service.acceptRequest(groupId, userId) : service.rejectRequest(groupId, userId));
        return {};
      },
    });
  }

  app.get('/api/groups/:groupId/files', {
    schema: {
      summary: "a group's files, who holds them, and how many online members hold each piece",
      params: groupParams,
      response: { 200: obj({ files: { type: 'array', items: fileViewSchema } }), ...errors },
    },
    handler: async (request) => ({ files: await fileViews(service, (request.params as GroupParams).groupId) }),
  });

  app.post('/api/groups/:groupId/shares', {
    schema: {
      summary: 'share a file of this machine (a path inside a root) with the group',
      params: groupParams,
      body: obj({ path: str({ minLength: 1, maxLength: 4096 }) }),
      response: { 200: shareAnswer, ...errors },
    },
    handler: async (request) => {
      const file = await ctx.roots.file((request.body as { path: string }).path);
      const result = await service.share(file, (request.params as GroupParams).groupId);
      return { name: result.name, alreadyShared: result.alreadyShared };
    },
  });

  uploadRoute(app, ctx);

  app.post('/api/groups/:groupId/files/:name/stop', {
    schema: {
      summary: 'stop sharing a file in the group',
      params: obj({ groupId: str({ minLength: 1, maxLength: 64 }), name: str({ minLength: 1, maxLength: 1024 }) }),
      response: { 200: obj({ withdrawn: { type: 'boolean' } }), ...errors },
    },
    handler: async (request) => {
      const { groupId, name } = request.params as { groupId: string; name: string };
      return service.stopShare(groupId, name);
    },
  });
}
