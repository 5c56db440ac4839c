/**
 * The operator's account operations (tracker console): add and remove a user, reset a password,
 * list users. Each write is an op committed through the store like a client's request, so it reaches
 * every tracker; the sessions it ends are logged out here at once, and on the other trackers when
 * the op arrives there (apply.ts yields the effect, each tracker's hub carries it out).
 */
import { idProblem, normaliseId } from '@groupshare/protocol';
import type { TrackerServices } from '../api/context.js';
import { createUser, limited } from '../auth/accounts.js';
import { OperatorError } from './errors.js';

type Services = Pick<TrackerServices, 'store' | 'reader' | 'hub' | 'hasher' | 'log'>;

/** What one group became when its member was removed. */
export interface GroupLeft {
  groupId: string;
  /** `member`: they were a member; `handed-on`: they owned it and `newOwner` does now; `deleted`: they were the last member. */
  outcome: 'member' | 'handed-on' | 'deleted';
  newOwner?: string;
}

export interface RemovedUser {
  userId: string;
  /** Sessions ended (logins on any tracker that had not logged out). */
  sessions: number;
  groups: GroupLeft[];
  /** Shares withdrawn, and files withdrawn because nobody shared them any more. */
  shares: number;
  filesWithdrawn: number;
  /** Join requests of theirs that were still waiting. */
  requests: number;
}

/** A user id as typed: the same rules as a client's create_user (ids ignore case). */
export function parseUserId(raw: string): string {
  const userId = normaliseId(raw);
  const problem = idProblem(userId);
  if (problem) throw new OperatorError('ERR_BAD_USER_ID', `user id ${JSON.stringify(raw.slice(0, 40))} ${problem}`);
  return userId;
}

function noSuchUser(userId: string): OperatorError {
  return new OperatorError('ERR_NO_SUCH_USER', `there is no user "${userId}"`);
}

/** Throws ERR_NO_SUCH_USER unless the account exists (checked before asking anything). */
export async function requireUser(services: Pick<TrackerServices, 'reader'>, userId: string): Promise<void> {
  if (!(await services.reader.user.findUnique({ where: { id: userId } }))) throw noSuchUser(userId);
}

/** Where the operator acted, for the log lines. */
export type OperatorSurface = 'console' | 'admin page';

/** Creates an account as the operator: allowed while registration is closed. */
export async function addUser(services: Services, userId: string, password: string, via: OperatorSurface = 'console'): Promise<void> {
  await createUser(services, userId, password, { selfService: false });
  services.log.info({ event: 'user_added', userId, via }, `user added on the ${via}`);
}

/**
 * Removes `userId`: their sessions end everywhere, they leave every group as `leave_group` would
 * (ownership handed on, last member out deletes it), their shares and join requests go.
 */
export async function removeUser(services: Services, userId: string, via: OperatorSurface = 'console'): Promise<RemovedUser> {
  const { value, effects } = await services.store.mutate(async (w) => {
    if (!w.read.userExists(userId)) throw noSuchUser(userId);
    const { sessions, shares, requests, memberships } = await w.read.userFootprint(userId);
    await w.commit({ kind: 'user_removed', userId });
    const groups: GroupLeft[] = [];
    for (const m of memberships) {
      const after = w.read.groupOwner(m.groupId);
      if (after === undefined) groups.push({ groupId: m.groupId, outcome: 'deleted' });
      else if (m.ownerId === userId) groups.push({ groupId: m.groupId, outcome: 'handed-on', newOwner: after });
      else groups.push({ groupId: m.groupId, outcome: 'member' });
    }
    return { userId, sessions, groups, shares, requests };
  });
  services.hub.deliver(effects);
  const filesWithdrawn = effects.filter((e) => 'push' in e && e.push.push === 'file_withdrawn').length;
  const removed = { ...value, filesWithdrawn };
  services.log.info({ event: 'user_removed', userId, sessions: removed.sessions, groups: removed.groups.length, via }, `user removed on the ${via}`);
  return removed;
}

/** Gives `userId` a new password; every session of theirs ends. Returns how many did. */
export async function resetPassword(services: Services, userId: string, password: string, via: OperatorSurface = 'console'): Promise<number> {
  await requireUser(services, userId);
  const passwordHash = await limited(() => services.hasher.hash(password));
  const { value: sessions, effects } = await services.store.mutate(async (w) => {
    if (!w.read.userExists(userId)) throw noSuchUser(userId);
    const count = await w.read.sessionCount(userId);
    await w.commit({ kind: 'password_reset', userId, passwordHash });
    return count;
  });
  services.hub.deliver(effects);
  services.log.info({ event: 'password_reset', userId, sessions, via }, `password reset on the ${via}`);
  return sessions;
}

export interface UserListing {
  userId: string;
  createdAt: Date;
  lastLoginAt: Date | null;
  /** Ids of the groups they are a member of, in id order. */
  groups: string[];
  /** Logged in on this tracker or on another one of the cluster. */
  online: boolean;
}

/** Every account, in id order. */
export async function listUsers(services: Pick<TrackerServices, 'reader' | 'hub'>): Promise<UserListing[]> {
  const users = await services.reader.user.findMany({
    orderBy: { id: 'asc' },
    select: { id: true, createdAt: true, lastLoginAt: true, memberships: { select: { groupId: true }, orderBy: { groupId: 'asc' } } },
  });
  const online = services.hub.onlineUsers();
  return users.map((u) => ({
    userId: u.id,
    createdAt: u.createdAt,
    lastLoginAt: u.lastLoginAt,
    groups: u.memberships.map((m) => m.groupId),
    online: online.has(u.id),
  }));
}
