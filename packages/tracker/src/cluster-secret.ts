/**
 * The cluster secret: what trackers prove to each other on every replication link
 * (docs/replication.md) and derive the ticket-signing key from.
 *
 * Where it comes from, first match wins:
 *
 * 1. `--cluster-secret-file FILE`;
 * 2. the environment variable `GROUPSHARE_CLUSTER_SECRET`;
 * 3. nothing, for a lone tracker (tracker_info.txt lists one): it replicates with nobody;
 * 4. `<tracker_info>.secret`, beside the tracker_info file, as Erlang does with its cookie: the
 *    first tracker started from that file creates it (256 random bits in hex, mode 0600), every
 *    other tracker started from the same file reads it, and trackers on other hosts need a copy.
 *
 * A secret file must be private to its owner (no group or other permission bits) and a secret
 * at least {@link MIN_SECRET_LENGTH} characters long; anything else is refused with a
 * {@link ClusterSecretError} naming the file and the fix.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rm } from 'node:fs/promises';
import path from 'node:path';

/** The environment variable holding the secret. */
export const SECRET_ENV = 'GROUPSHARE_CLUSTER_SECRET';
/** Short secrets are guessable offline from one captured handshake. */
export const MIN_SECRET_LENGTH = 16;
/** Random bytes in a secret a tracker creates: 256 bits, written as 64 hex digits. */
const CREATED_SECRET_BYTES = 32;
/** Permission bits a secret file must not have: any access for the group or other users. */
const NOT_PRIVATE = 0o077;

/** Any reason the tracker cannot have a usable cluster secret; the message says what to do. */
export class ClusterSecretError extends Error {
  readonly code = 'ERR_CLUSTER_SECRET';
  override readonly name = 'ClusterSecretError';
}

/** Where a tracker's secret came from (for the start-up log line). */
export type ClusterSecretSource =
  | { kind: 'flag'; file: string }
  | { kind: 'env' }
  /** `<tracker_info>.secret`; `created` if this tracker made it. */
  | { kind: 'beside-info'; file: string; created: boolean };

export interface ClusterSecret {
  secret: string;
  source: ClusterSecretSource;
}

export interface ResolveClusterSecretOptions {
  /** The tracker_info file, as given on the command line. */
  infoFile: string;
  /** How many trackers it lists. */
  trackerCount: number;
  /** `--cluster-secret-file`, if given. */
  secretFile?: string | undefined;
  /** Where to look for {@link SECRET_ENV}; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** `<tracker_info>.secret`: where trackers started from `infoFile` keep their shared secret. */
export function secretFileBeside(infoFile: string): string {
  return `${infoFile}.secret`;
}

/**
 * The secret this tracker uses, or undefined for a lone tracker given none (see the module
 * comment for the order). May create `<tracker_info>.secret`; safe when several trackers start
 * at the same instant: exactly one file is created and all of them read the same secret.
 *
 * @throws {ClusterSecretError} for an unreadable, uncreatable, non-private or too short secret.
 */
export async function resolveClusterSecret(opts: ResolveClusterSecretOptions): Promise<ClusterSecret | undefined> {
  const lone = opts.trackerCount === 1;
  if (opts.secretFile !== undefined) {
    const secret = await readSecretFile(opts.secretFile);
    // A lone tracker given an empty file runs without a secret, as it always has.
    if (secret === '' && lone) return undefined;
    checkLength(secret, `the cluster secret in ${opts.secretFile}`, opts.secretFile);
    return { secret, source: { kind: 'flag', file: opts.secretFile } };
  }
  const fromEnv = (opts.env ?? process.env)[SECRET_ENV]?.trim();
  if (fromEnv !== undefined && !(fromEnv === '' && lone)) {
    checkLength(fromEnv, SECRET_ENV);
    return { secret: fromEnv, source: { kind: 'env' } };
  }
  if (lone) return undefined;
  const file = secretFileBeside(opts.infoFile);
  const { secret, created } = await readOrCreateSecretFile(file);
  return { secret, source: { kind: 'beside-info', file, created } };
}

/**
 * Reads `file` (trimmed), first checking through the open descriptor that only its owner may
 * read or write it, so the check and the read are about the same file.
 *
 * @throws {ClusterSecretError} if it cannot be read or other users have access to it.
 */
async function readSecretFile(file: string): Promise<string> {
  const secret = await readIfPresent(file);
  if (secret === undefined) throw new ClusterSecretError(`cannot read the cluster secret file ${file}: ENOENT`);
  return secret;
}

/**
 * The secret in `file`, which is created (no-clobber) if missing. A tracker that loses a race to
 * create it reads the winner's, so trackers started together agree.
 *
 * @throws {ClusterSecretError} as {@link readSecretFile}, for a secret too short, or if the file
 *   cannot be created.
 */
export async function readOrCreateSecretFile(file: string): Promise<{ secret: string; created: boolean }> {
  const existing = await readIfPresent(file);
  const result = existing !== undefined ? { secret: existing, created: false } : await createSecretFile(file);
  checkLength(result.secret, `the cluster secret in ${file}`, file);
  return result;
}

/**
 * The start-up log line for a secret (never the secret itself): where it is, and for the shared
 * file, that trackers on other hosts need a copy. Paths are absolute, to be copied from.
 */
export function clusterSecretLogLine(source: ClusterSecretSource): { fields: Record<string, unknown>; msg: string } {
  if (source.kind === 'env') return { fields: { source: 'env' }, msg: `cluster secret read from ${SECRET_ENV}` };
  const file = path.resolve(source.file);
  if (source.kind === 'flag') {
    return { fields: { source: 'flag', file }, msg: `cluster secret read from ${file} (--cluster-secret-file)` };
  }
  const what = source.created ? `created the cluster secret in ${file} (mode 0600)` : `cluster secret read from ${file}`;
  return {
    fields: { source: 'beside-info', file, created: source.created },
    msg: `${what}; trackers on other hosts need a copy of this file (mode 0600) beside their tracker_info file, or --cluster-secret-file`,
  };
}

/** The trimmed contents of a private file, or undefined if there is no such file. */
async function readIfPresent(file: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw new ClusterSecretError(`cannot read the cluster secret file ${file}: ${errorCode(err)}`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ClusterSecretError(`the cluster secret file ${file} is not a regular file`);
    const { mode } = info;
    // POSIX permission bits mean nothing on Windows, where the file's ACL decides instead.
    if (process.platform !== 'win32' && (mode & NOT_PRIVATE) !== 0) {
      const octal = (mode & 0o777).toString(8).padStart(4, '0');
      throw new ClusterSecretError(
        `the cluster secret file ${file} can be read or written by other users (mode ${octal}): run \`chmod 600 ${file}\``,
      );
    }
    return (await handle.readFile('utf8')).trim();
  } catch (err) {
    if (err instanceof ClusterSecretError) throw err;
    throw new ClusterSecretError(`cannot read the cluster secret file ${file}: ${errorCode(err)}`);
  } finally {
    await handle.close();
  }
}

/**
 * Writes a new secret to a private temporary file, then hard-links it to `file`. The link either
 * makes the whole file appear at once or fails with EEXIST when another tracker got there first
 * (unlike rename, it never replaces a file), and then that tracker's secret is read. A reader
 * therefore never sees a half-written file.
 */
async function createSecretFile(file: string): Promise<{ secret: string; created: boolean }> {
  const secret = randomBytes(CREATED_SECRET_BYTES).toString('hex');
  const temp = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  const cannot = (err: unknown) =>
    new ClusterSecretError(
      `cannot create the cluster secret file ${file}: ${errorCode(err)} (make one: \`openssl rand -hex 32 > ${file} && chmod 600 ${file}\`, or give --cluster-secret-file)`,
    );
  try {
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        // The mode given to open() passes through the umask; say 0600 again so an unusual
        // umask cannot leave the owner unable to read it back.
        await handle.chmod(0o600);
        await handle.writeFile(`${secret}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw cannot(err);
    }
    try {
      await link(temp, file);
      return { secret, created: true };
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw cannot(err);
    }
    return { secret: await readSecretFile(file), created: false };
  } finally {
    await rm(temp, { force: true });
  }
}

/** Refuses a secret shorter than {@link MIN_SECRET_LENGTH}; `file` adds the way to make a good one. */
function checkLength(secret: string, what: string, file?: string): void {
  if (secret.length >= MIN_SECRET_LENGTH) return;
  const fix = file === undefined ? 'use e.g. `openssl rand -hex 32`' : `e.g. \`openssl rand -hex 32 > ${file}\`, the same on every tracker`;
  throw new ClusterSecretError(`${what} is too short (${secret.length} characters, at least ${MIN_SECRET_LENGTH}): ${fix}`);
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}
