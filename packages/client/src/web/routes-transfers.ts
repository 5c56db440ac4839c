/**
 * Downloads, what this peer serves, and the folders the page may pick from: /api/downloads,
 * /api/shares, /api/roots, /api/browse.
 */
import type { FastifyInstance } from 'fastify';
import type { WebContext } from './context.js';
import { errors, obj, str } from './schemas.js';
import { downloadView, downloadViewSchema } from './views.js';
import { WebError } from './web-error.js';

export function transferRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { service } = ctx;
  const find = (id: string) => {
    const entry = service.downloads().find((e) => ctx.ids.of(e) === id);
    if (entry === undefined) throw new WebError(404, 'ERR_NOT_FOUND', `there is no download ${id}`);
    return entry;
  };

  app.get('/api/downloads', {
    schema: { summary: "this session's downloads", response: { 200: obj({ downloads: { type: 'array', items: downloadViewSchema } }), ...errors } },
    handler: async () => ({ downloads: service.downloads().map((e) => downloadView(e, ctx.ids.of(e))) }),
  });

  app.post('/api/downloads', {
    schema: {
      summary: 'download a file of a group into a folder inside a root (default: the downloads folder)',
      body: obj({ groupId: str({ minLength: 1, maxLength: 64 }), name: str({ minLength: 1, maxLength: 1024 }), destination: str({ minLength: 1, maxLength: 4096 }) }, ['groupId', 'name']),
      response: { 200: obj({ id: str(), already: { type: 'boolean' } }), ...errors },
    },
    handler: async (request) => {
      const body = request.body as { groupId: string; name: string; destination?: string };
      // Checked before the folder is made: a mistyped name must not leave a new folder behind.
      await ctx.roots.resolve(body.destination ?? '.');
      const { groupId, name } = await service.checkDownload(body.groupId, body.name);
      const dir = await ctx.roots.folder(body.destination ?? '.');
      const { entry, already } = await service.download(groupId, name, dir);
      return { id: ctx.ids.of(entry), already };
    },
  });

  app.post('/api/downloads/:id/cancel', {
    schema: {
      summary: 'cancel a download for good, deleting its partial data or keeping it',
      params: obj({ id: str({ maxLength: 32 }) }),
      body: obj({ deletePartial: { type: 'boolean' } }),
      response: { 200: obj({ deleted: { type: 'boolean' } }), ...errors },
    },
    handler: async (request) => {
      const entry = find((request.params as { id: string }).id);
      const { deletePartial } = request.body as { deletePartial: boolean };
      const results = await service.cancelDownload(entry.groupId, entry.name, () => Promise.resolve(deletePartial));
      return { deleted: results.some((r) => r.deleted.length > 0) };
    },
  });

  app.get('/api/shares', {
    schema: {
      summary: 'what this peer serves now: shares and downloads',
      response: {
        200: obj({
          shares: {
            type: 'array',
            items: obj({
              groupId: str(),
              name: str(),
              kind: str({ enum: ['share', 'download'] }),
              size: { type: 'number' },
              piecesHave: { type: 'integer' },
              piecesTotal: { type: 'integer' },
              uploaded: { type: 'number' },
              peers: { type: 'integer' },
            }),
          },
        }),
        ...errors,
      },
    },
    handler: async () => ({
      shares: service.servedFiles().map((r) => ({
        groupId: r.groupId,
        name: r.name,
        kind: r.kind,
        size: r.size,
        piecesHave: r.piecesHave,
        piecesTotal: r.piecesTotal,
        uploaded: r.uploadedBytes,
        peers: r.peers,
      })),
    }),
  });

  app.get('/api/roots', {
    schema: {
      summary: 'the folders this peer may list, read and write',
      response: { 200: obj({ roots: { type: 'array', items: obj({ id: str(), path: str() }) }, downloadsDir: str() }), ...errors },
    },
    handler: async () => ({ roots: ctx.roots.list.map((r) => ({ id: r.id, path: r.path })), downloadsDir: ctx.roots.downloadsDir }),
  });

  app.get('/api/browse', {
    schema: {
      summary: 'the entries of a folder inside a root',
      querystring: obj({ root: str({ maxLength: 32 }), path: str({ maxLength: 4096 }) }, ['root']),
      response: {
        200: obj({ path: str(), entries: { type: 'array', items: obj({ name: str(), kind: str({ enum: ['file', 'dir'] }), size: { type: 'number' } }) } }),
        ...errors,
      },
    },
    handler: async (request) => {
      const q = request.query as { root: string; path?: string };
      return ctx.roots.browse(q.root, q.path ?? '');
    },
  });
}
