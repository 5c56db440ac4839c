/**
 * Synced folders (docs/sync.md, docs/web-api.md): /api/synced lists them with their state,
 * binds a folder inside a root to a group, and unbinds one, through the same operations as the
 * shell's list_synced, sync_folder and unsync_folder (service/sync-ops.ts). Their changes reach
 * the page as `synced` events (events-stream.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { SyncedFolder } from '../service/sync-ops.js';
import type { WebContext } from './context.js';
import { errors, obj, str } from './schemas.js';

const bool = { type: 'boolean' } as const;
const int = { type: 'integer' } as const;

/** A synced folder as the API answers it: the service's view and whether the folder lies inside a root. */
export type SyncedFolderView = SyncedFolder & { insideRoots: boolean };

export const syncedFolderSchema = obj(
  {
    groupId: str(),
    dir: str({ description: 'absolute, links resolved' }),
    mirrorDeletes: bool,
    insideRoots: { ...bool, description: 'false for a folder bound from the shell outside the roots: the API cannot unbind it' },
    files: int,
    state: str({ enum: ['scanning', 'syncing', 'up-to-date'] }),
    syncing: { ...int, description: 'files being hashed or fetched in the round running now' },
    hashing: obj({ path: str(), percent: int }),
    conflicts: int,
    conflictCopies: { type: 'array', items: str(), description: "the conflict copies' paths in the folder (at most 100)" },
    watch: str({ enum: ['watching', 'polling'] }),
    summary: str({ description: "the shell's words: up to date, syncing N files (hashing x: 40%), N conflicts, polling" }),
    lastError: obj({ at: str(), path: str(), message: str() }, ['at', 'message']),
    events: {
      type: 'array',
      description: 'the latest five, newest first',
      items: obj({ at: str(), kind: str({ enum: ['fetched', 'deleted', 'conflict', 'skipped', 'polling', 'error'] }), path: str(), text: str(), warn: bool }, ['at', 'kind', 'text', 'warn']),
    },
  },
  ['groupId', 'dir', 'mirrorDeletes', 'insideRoots', 'files', 'state', 'syncing', 'conflicts', 'conflictCopies', 'watch', 'summary', 'events'],
);

/** Every synced folder of the logged-in user, as the API shows it. */
export function syncedViews(ctx: WebContext): SyncedFolderView[] {
  return ctx.service.sync.list().map((f) => ({ ...f, insideRoots: ctx.roots.contains(f.dir) }));
}

const bindingAnswer = obj({ groupId: str(), dir: str(), mirrorDeletes: bool });
const pathField = str({ minLength: 1, maxLength: 4096 });
const groupField = str({ minLength: 1, maxLength: 64 });

export function syncRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { service } = ctx;

  app.get('/api/synced', {
    schema: { summary: 'the folders kept in sync with groups, and their state', response: { 200: obj({ folders: { type: 'array', items: syncedFolderSchema } }), ...errors } },
    handler: async () => ({ folders: syncedViews(ctx) }),
  });

  app.post('/api/synced', {
    schema: {
      summary: 'keep a folder inside a root (created when missing) in sync with a group (sync_folder)',
      body: obj({ groupId: groupField, path: pathField, mirrorDeletes: bool }, ['groupId', 'path']),
      response: { 200: bindingAnswer, ...errors },
    },
    handler: async (request) => {
      const body = request.body as { groupId: string; path: string; mirrorDeletes?: boolean };
      // Confined, then the group checked, before the folder is made: a refusal leaves nothing behind.
      await ctx.roots.resolve(body.path);
      const groupId = await service.sync.checkGroup(body.groupId);
      const dir = await ctx.roots.folder(body.path);
      return service.sync.bind(groupId, dir, { mirrorDeletes: body.mirrorDeletes ?? false });
    },
  });

  app.post('/api/synced/unsync', {
    schema: {
      summary: 'stop keeping a folder in sync (unsync_folder): its files stay, no longer shared',
      body: obj({ groupId: groupField, path: pathField }),
      response: { 200: bindingAnswer, ...errors },
    },
    handler: async (request) => {
      const body = request.body as { groupId: string; path: string };
      return service.sync.unbind(body.groupId, await ctx.roots.resolve(body.path));
    },
  });
}
