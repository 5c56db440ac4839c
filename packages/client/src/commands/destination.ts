/**
 * The destination folder of `download_file`, checked before anything is fetched: a folder that
 * does not exist is created (on a terminal only if the user says yes: a typo must not leave
 * folders behind), a path that is a file is a clear error rather than an errno code, and
 * `~/...` means the home folder (ctx.resolvePath).
 */
import { mkdir, stat } from 'node:fs/promises';

import { CommandError } from '../errors.js';
import { safeText } from '../render.js';
import type { CommandContext } from './types.js';

/** Why a folder could not be created, in words. */
function mkdirProblem(err: unknown): string {
  switch ((err as { code?: unknown }).code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of that path is a file';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The absolute destination folder for `typed`, existing once this returns.
 *
 * @throws {CommandError} if it is a file, the user declined to create it, or it cannot be made.
 */
export async function destinationFolder(ctx: CommandContext, typed: string): Promise<string> {
  const dir = ctx.resolvePath(typed);
  const shown = safeText(dir);
  let exists = false;
  try {
    const stats = await stat(dir);
    if (!stats.isDirectory()) throw new CommandError(`${shown} is a file, not a folder`);
    exists = true;
  } catch (err) {
    if (err instanceof CommandError) throw err;
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOTDIR') throw new CommandError(`${shown}: a part of that path is a file, not a folder`);
    if (code !== 'ENOENT') throw new CommandError(`cannot use ${shown}: ${mkdirProblem(err)}`);
  }
  if (exists) return dir;
  if (ctx.interactive && !(await ctx.confirm(`create folder ${shown}?`, true))) {
    throw new CommandError(`did not create ${shown}; nothing was downloaded`);
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new CommandError(`cannot create folder ${shown}: ${mkdirProblem(err)}`);
  }
  if (!ctx.interactive) ctx.out.info(`created folder ${shown}`);
  return dir;
}
