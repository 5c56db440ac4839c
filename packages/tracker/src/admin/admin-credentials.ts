/**
 * The credentials of this tracker's admin page (`--admin`), both in the data directory and
 * both private (0600):
 *
 * - `admin-password`: an argon2id hash of the password the operator sets with the console's
 *   `set_admin_password`. Per tracker, not replicated: each tracker's admin page is reached on
 *   that machine (loopback by default) by whoever runs that tracker, and a password changed on
 *   one console should not silently open, or lock, the admin pages of other machines.
 * - `admin-token`: a random token made at the first start with `--admin`, so the page is usable
 *   before any password is set, and by scripts (`Authorization: Bearer <token>`). There is no
 *   default password anywhere.
 */
import { passwordProblem } from '@groupshare/protocol';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TrackerServices } from '../api/context.js';
import { limited } from '../auth/accounts.js';
import { DATA_FILE_MODE, tightenIfExists } from '../db/data-dir.js';
import { OperatorError } from './errors.js';

export const ADMIN_PASSWORD_FILE = 'admin-password';
export const ADMIN_TOKEN_FILE = 'admin-token';
const TOKEN_PREFIX = 'gsa_';

/** Writes `text` to `file` whole or not at all, private from its first byte. */
async function writePrivate(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'wx', DATA_FILE_MODE);
    try {
      await handle.chmod(DATA_FILE_MODE); // open()'s mode passes through the umask
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Sets this tracker's admin password (console `set_admin_password`): checked by the same rules
 * as users' passwords, stored as an argon2id hash. Admin sessions already open stay open until
 * they expire or log out.
 */
export async function setAdminPassword(services: Pick<TrackerServices, 'hasher' | 'log'>, dataDir: string, password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new OperatorError('ERR_BAD_PASSWORD', `${problem}; nothing was changed`);
  const hash = await limited(() => services.hasher.hash(password));
  const file = path.join(dataDir, ADMIN_PASSWORD_FILE);
  await writePrivate(file, `${hash}\n`);
  services.log.info({ event: 'admin_password_set' }, 'admin password set on the console');
  return file;
}

/** The stored admin password hash, or undefined when none was set. Read at each login, so a new one holds at once. */
export async function readAdminPasswordHash(dataDir: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path.join(dataDir, ADMIN_PASSWORD_FILE), 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The admin token: read from `admin-token`, or made (0600) when missing. A file others could
 * read is made private again (as every file of the data directory is).
 */
export async function loadAdminToken(dataDir: string): Promise<{ token: string; file: string; created: boolean }> {
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token.length >= 24) {
      tightenIfExists(file);
      return { token, file, created: false };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  await writePrivate(file, `${token}\n`);
  await chmod(file, DATA_FILE_MODE);
  return { token, file, created: true };
}

/** Compares a presented token with the real one in constant time. */
export function tokenMatches(presented: string, token: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
