/**
 * Creating an account, shared by a client's `register` and the operator's `add_user`, and the
 * hashing limit's refusal as a protocol error.
 */
import { ProtocolError } from '@groupshare/protocol';
import type { TrackerServices } from '../api/context.js';
import { registrationOpen } from '../state/settings.js';
import { QueueFullError } from '../util/limiter.js';

/** Retry hint for ERR_BUSY: roughly a few argon2 hashes' time. */
const BUSY_RETRY_MS = 1_000;

/** Runs password hashing work, turning a full hashing queue into ERR_BUSY. */
export async function limited<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof QueueFullError) {
      throw new ProtocolError('ERR_BUSY', 'the tracker is busy hashing passwords; try again shortly', BUSY_RETRY_MS);
    }
    throw err;
  }
}

function registrationClosed(): ProtocolError {
  return new ProtocolError('ERR_REGISTRATION_CLOSED', "registration is closed: this tracker's operator makes the accounts");
}

function userExists(userId: string): ProtocolError {
  return new ProtocolError('ERR_USER_EXISTS', `user id "${userId}" is taken`);
}

/**
 * Creates the account `userId` (already normalised and checked) with an argon2id hash of
 * `password`. A client's registration (`selfService`) is refused while the operator has closed
 * registration; the operator's own `add_user` is not.
 *
 * @throws {ProtocolError} ERR_REGISTRATION_CLOSED, ERR_USER_EXISTS, ERR_BUSY, or what `admit` throws
 */
export async function createUser(
  services: Pick<TrackerServices, 'store' | 'reader' | 'hasher'>,
  userId: string,
  password: string,
  opts: {
    selfService: boolean;
    /**
     * Called once the id is known free, before the hash: may refuse (a per-address limit) by
     * throwing; returns what to call when the hashing is over.
     */
    admit?: () => () => void;
  },
): Promise<void> {
  const { store, reader, hasher } = services;
  if (opts.selfService && !(await registrationOpen(reader))) throw registrationClosed();
  if (await reader.user.findUnique({ where: { id: userId } })) throw userExists(userId);
  const release = opts.admit?.();
  let passwordHash: string;
  try {
    passwordHash = await limited(() => hasher.hash(password));
  } finally {
    release?.();
  }
  await store.mutate(async (w) => {
    // Checked again under the write lock: another registration, or the operator, may have
    // acted while the password was hashed.
    if (opts.selfService && !(await w.read.registrationOpen())) throw registrationClosed();
    if (w.read.userExists(userId)) throw userExists(userId);
    await w.commit({ kind: 'user_created', userId, passwordHash });
  });
}
