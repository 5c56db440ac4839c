/**
 * `POST /api/groups/:groupId/uploads`: a file sent by the page as raw bytes, stored as
 * `<folder>/<name>` inside a root (never overwriting) and then shared with the group.
 *
 * Bounded (upload-limit.ts): a declared Content-Length over `--web-max-upload` or over the disk's
 * free space is refused before any file is made; otherwise the bytes are counted on their way to
 * disk and the upload fails with 413 the moment they pass the limit. A failed upload (too large,
 * disk full, connection lost, not shared) leaves nothing behind: what it wrote is removed.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkFileName } from '../input-checks.js';
import { humanSize } from '../render.js';
import type { WebContext } from './context.js';
import { errors, groupParams, obj, str } from './schemas.js';
import { ByteLimit, drainRefused, freeBytes, noSpace, tooLarge } from './upload-limit.js';
import { WebError } from './web-error.js';

/** The answer of a share (also `POST …/shares`'s). */
export const shareAnswer = obj({ name: str(), alreadyShared: { type: 'boolean' } });

/** The link that puts a whole upload in place failed for want of hard links (some FUSE and FAT file systems). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP']);

/**
 * Writes the request's body into `file`. Until it is whole it is a hidden file of its own in the
 * same folder, so that `file` never exists half written (a peer killed meanwhile leaves only the
 * hidden one); a hard link then puts it in place, which, unlike a rename, never replaces a file
 * that appeared meanwhile (EEXIST).
 */
async function receive(request: FastifyRequest, file: string, limit: number): Promise<void> {
  const part = path.join(path.dirname(file), `.groupshare-upload-${randomBytes(8).toString('hex')}`);
  // `wx`: a fresh file, never one planted at that name.
  const handle = await open(part, 'wx', 0o644);
  const raw = request.raw;
  const counter = new ByteLimit(limit);
  // Not pipeline(raw, …): on a failure it would destroy the request, and the connection with
  // it, before the answer could be sent.
  const interrupted = (): void => {
    if (!raw.complete) counter.destroy(new WebError(400, 'ERR_BAD_REQUEST', 'the upload was interrupted before its end'));
  };
  raw.once('error', interrupted).once('close', interrupted);
  raw.pipe(counter);
  try {
    await pipeline(counter, handle.createWriteStream());
    try {
      await link(part, file);
    } catch (err) {
      if (!NO_HARD_LINKS.has((err as NodeJS.ErrnoException).code ?? '') || (await exists(file))) throw err;
      await rename(part, file);
    }
  } catch (err) {
    raw.unpipe(counter);
    if ((err as { code?: unknown }).code === 'ENOSPC') throw noSpace(`the disk of ${path.dirname(file)} is full`);
    throw err;
  } finally {
    raw.off('error', interrupted).off('close', interrupted);
    await rm(part, { force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  return (await lstat(file).catch(() => undefined)) !== undefined;
}

/**
 * Refuses an upload: the answer goes out at once (browsers and curl read an answer that comes
 * while they are still sending), what is left of the body is read and discarded for a while so
 * that the connection can carry that answer, and past that allowance the connection is closed.
 */
function refuse(request: FastifyRequest, reply: FastifyReply, err: WebError): never {
  const drained = drainRefused(request.raw);
  void Promise.all([drained, finished(reply.raw).catch(() => undefined)]).then(([ended]) => {
    if (!ended) request.raw.socket?.destroy();
  });
  throw err;
}

export function uploadRoute(app: FastifyInstance, ctx: WebContext): void {
  const { service } = ctx;
  app.post('/api/groups/:groupId/uploads', {
    schema: {
      summary: `store the request body as <folder>/<name> (inside a root, never overwriting; at most --web-max-upload bytes) and share it`,
      params: groupParams,
      querystring: obj({ folder: str({ minLength: 1, maxLength: 4096 }), name: str({ minLength: 1, maxLength: 255 }) }),
      response: { 200: shareAnswer, ...errors },
    },
    handler: async (request, reply) => {
      const { folder, name } = request.query as { folder: string; name: string };
      const fileName = checkFileName(name);
      if (fileName === '.' || fileName === '..' || fileName.includes('/') || fileName.includes('\\')) throw new WebError(400, 'ERR_INPUT', 'a file name, not a path');
      service.requireNode();
      const dir = await ctx.roots.folder(folder);
      const file = path.join(dir, fileName);
      const body = request.body as NodeJS.ReadableStream | undefined;
      if (body === undefined || typeof (body as { pipe?: unknown }).pipe !== 'function') throw new WebError(400, 'ERR_BAD_REQUEST', 'send the bytes as application/octet-stream');
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared)) {
        if (declared > ctx.maxUploadBytes) refuse(request, reply, tooLarge(ctx.maxUploadBytes));
        const free = await freeBytes(dir);
        if (free !== undefined && declared > free) refuse(request, reply, noSpace(`it has ${humanSize(declared)}, the disk of ${dir} ${humanSize(free)} free`));
      }
      const taken = new WebError(409, 'ERR_PATH', `${fileName} exists already in that folder`);
      if (await exists(file)) throw taken;
      try {
        await receive(request, file, ctx.maxUploadBytes);
      } catch (err) {
        if ((err as { code?: unknown }).code === 'EEXIST') throw taken;
        if (err instanceof WebError) refuse(request, reply, err);
        throw err;
      }
      try {
        const result = await service.share(file, (request.params as { groupId: string }).groupId);
        return { name: result.name, alreadyShared: result.alreadyShared };
      } catch (err) {
        // Not shared (not a member, the name taken): the copy would only be litter.
        await rm(file, { force: true });
        throw err;
      }
    },
  });
}
