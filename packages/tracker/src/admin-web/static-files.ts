/**
 * The admin page's files, built by Vite into packages/web-ui/dist-admin (the web-ui package's
 * admin app, apart from the peer's page): `/` is its `index.html`, `/assets/<file>` its scripts
 * and styles. Only plain file names inside those two places are served (no `..`, no
 * sub-folders), so nothing else on the disk can be reached through a crafted path.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/**
 * packages/web-ui/dist-admin (web-ui's `outDir('admin')`), from this file's place in
 * packages/tracker/{src,dist}/admin-web/. Found by path rather than by importing the web-ui
 * package, so the tracker does not depend on the pages' build tools.
 */
export const DEFAULT_ADMIN_PAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web-ui/dist-admin');
export const ADMIN_ENTRY = 'index.html';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

export function registerStaticFiles(app: FastifyInstance, dir: string): void {
  const send = async (file: string, immutable: boolean) => {
    const body = await readFile(file);
    return { body, type: TYPES[path.extname(file)] ?? 'application/octet-stream', cache: immutable ? 'public, max-age=31536000, immutable' : 'no-cache' };
  };
  app.get('/', async (_request, reply) => {
    try {
      const { body, type, cache } = await send(path.join(dir, ADMIN_ENTRY), false);
      return reply.type(type).header('cache-control', cache).send(body);
    } catch {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(`The admin page is not built (no ${path.join(dir, ADMIN_ENTRY)}): run \`pnpm run setup\`. The JSON API under /api/ works meanwhile.\n`);
    }
  });
  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const name = request.params.name;
    if (!SAFE_NAME.test(name)) return reply.code(404).send({ error: { code: 'ERR_NOT_FOUND', message: 'no such file' } });
    try {
      // Vite names built assets by their content hash: they never change, so they may be cached.
      const { body, type, cache } = await send(path.join(dir, 'assets', name), true);
      return reply.type(type).header('cache-control', cache).send(body);
    } catch {
      return reply.code(404).send({ error: { code: 'ERR_NOT_FOUND', message: 'no such file' } });
    }
  });
}
