/**
 * Moving a finished download to its destination without ever overwriting anything.
 *
 * `rename(2)` silently replaces an existing file, and Node exposes no `RENAME_NOREPLACE`, so the
 * partial file is hard-linked to the destination instead: `link(2)` fails with EEXIST if anything
 * (file, directory, symlink, even a dangling one) is already there, atomically. The partial name
 * is then unlinked. Only on file systems without hard links does it fall back to lstat + rename,
 * which has a small race window against a file created in between.
 *
 * A file already at the destination is accepted only if it has the very bytes we downloaded
 * (same size and SHA-1): then the partial is discarded and the download counts as done.
 */
import { promises as fsp } from 'node:fs';

import { DestinationExistsError, UnsafePathError } from './errors.js';
import { READ_NOFOLLOW_FLAGS, errnoCode, hashRange, openRegular } from './file-io.js';
import { lstatIfExists } from './safe-path.js';

/** Errors from link(2) meaning "this file system has no hard links" rather than a real failure. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * Checks what is at the destination before a download starts, so an obvious conflict is refused
 * before any byte is fetched: a symlink, a non-file, or a file of another size. A file of the
 * same size may be identical; {@link placeFile} decides at the end.
 *
 * @throws {UnsafePathError} for a symlink; {@link DestinationExistsError} for the other cases.
 */
export async function checkDestination(dest: string, size: number): Promise<void> {
  const stats = await lstatIfExists(dest);
  if (stats === undefined) return;
  if (stats.isSymbolicLink()) {
    throw new UnsafePathError(`destination ${dest} is a symbolic link; refusing to write through it`);
  }
  if (!stats.isFile()) throw new DestinationExistsError(`destination ${dest} exists and is not a regular file`);
  if (stats.size !== size) {
    throw new DestinationExistsError(`a different file already exists at ${dest}; move it away or choose another directory`);
  }
}

/** True if `dest` is a regular file (not a symlink) of `size` bytes whose SHA-1 is `sha1`. */
async function isIdentical(dest: string, size: number, sha1: string): Promise<boolean> {
  await checkDestination(dest, size); // throws for a symlink, a non-file or another size
  const { handle } = await openRegular(dest, READ_NOFOLLOW_FLAGS);
  try {
    const { digest, bytesRead } = await hashRange(handle, 0, size + 1); // +1 notices a longer file
    return bytesRead === size && digest.toString('hex') === sha1;
  } finally {
    await handle.close();
  }
}

/**
 * Puts the complete file `part` at `dest`. Returns `'placed'` if it was moved there, or
 * `'identical'` if `dest` already held the same bytes (then `part` is removed).
 *
 * @throws {DestinationExistsError} if a different file or a directory is at `dest`.
 * @throws {UnsafePathError} if `dest` is a symlink.
 */
export async function placeFile(part: string, dest: string, size: number, sha1: string): Promise<'placed' | 'identical'> {
  let outcome: 'placed' | 'identical' = 'placed';
  try {
    await fsp.link(part, dest);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST' || (code !== undefined && NO_HARD_LINKS.has(code) && (await lstatIfExists(dest)))) {
      if (!(await isIdentical(dest, size, sha1))) {
        throw new DestinationExistsError(
          `a different file already exists at ${dest}; it was left untouched (move it away and finish again)`,
          { cause: err },
        );
      }
      outcome = 'identical';
    } else if (code !== undefined && NO_HARD_LINKS.has(code)) {
      await fsp.rename(part, dest);
      return 'placed';
    } else {
      throw err;
    }
  }
  await fsp.unlink(part);
  return outcome;
}
