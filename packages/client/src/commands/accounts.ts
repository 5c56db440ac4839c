/**
 * Accounts and sessions: create_user, login, logout. The session itself (token, resume after a
 * failover) belongs to the engine's tracker link; these commands only start and end it and
 * tell the user what happened. The token is never printed.
 */
import { CommandError } from '../errors.js';
import type { LoginReport } from '../service/peer-service.js';
import { safeText } from '../render.js';
import { checkId, checkNewPassword } from '../input-checks.js';
import { passwordFrom } from './password-from.js';
import type { CommandContext, CommandSpec } from './types.js';

/** Prints the login/resume notices (things that happened while the user was away). */
export function printNotices(ctx: Pick<CommandContext, 'out'>, notices: readonly { message: string }[]): void {
  for (const n of notices) ctx.out.info(`notice: ${safeText(n.message)}`);
}

export const createUser: CommandSpec = {
  name: 'create_user',
  args: [
    { name: 'user_id', kind: 'user' },
    { name: 'password', kind: 'password', optional: true },
  ],
  summary: 'register a new account (does not log in)',
  details: [
    'User ids are 1-32 characters of a-z, 0-9, ".", "_" and "-" and ignore case.',
    'Passwords need at least 8 characters. Without one on the line, you are asked twice, hidden.',
    'example: create_user alice',
  ],
  async run(ctx, [userArg, passwordArg]) {
    const userId = checkId('user id', userArg as string);
    let password: string;
    if (passwordArg !== undefined) {
      password = checkNewPassword(passwordArg);
    } else {
      password = checkNewPassword(await passwordFrom(ctx, undefined, `new password for ${userId}:`));
      const again = await ctx.askPassword('the same password again:');
      if (again !== password) throw new CommandError('the two passwords differ; nothing was created');
    }
    const result = await ctx.service.createUser(userId, password);
    ctx.out.info(`created user ${safeText(result.userId)}; log in with: login ${safeText(result.userId)}`);
  },
};

export const login: CommandSpec = {
  name: 'login',
  args: [
    { name: 'user_id', kind: 'user' },
    { name: 'password', kind: 'password', optional: true },
  ],
  summary: 'log in; the session survives a tracker failing over',
  details: [
    'Without a password on the line you are asked for it, hidden.',
    "The tracker records this client's peer address, so other members can fetch what you share.",
    'example: login alice',
  ],
  async run(ctx, [userArg, passwordArg]) {
    const userId = checkId('user id', userArg as string);
    const current = ctx.link.session;
    if (current !== undefined) {
      throw new CommandError(`you are logged in as ${safeText(current.userId)}; logout first`);
    }
    const password = await passwordFrom(ctx, passwordArg, `password for ${userId}:`);
    const report = await ctx.service.login(userId, password);
    printLogin(ctx, report);
    // Fill the completion cache with the groups there are; it is only a convenience, so a
    // failure here is not the login's failure.
    try {
      const { groups } = await ctx.link.request('list_groups');
      ctx.cache.setGroups(groups.map((g) => g.groupId));
    } catch {
      // The next list_groups will try again and report.
    }
  },
};

export const logout: CommandSpec = {
  name: 'logout',
  args: [],
  summary: 'end the session on every tracker',
  async run(ctx) {
    const { userId: who, trackerTold } = await ctx.service.logout();
    ctx.out.info(who === undefined ? 'logged out' : `logged out ${safeText(who)}`);
    if (!trackerTold) ctx.out.warn('no tracker reachable, so the trackers were not told: the session ends there when it expires');
  },
};

/** The lines a login prints: who, notices, the shares and downloads started again. */
export function printLogin(ctx: Pick<CommandContext, 'out'>, report: LoginReport): void {
  const address = report.peerAddress === null ? 'no peer address' : `peer address ${safeText(report.peerAddress)}`;
  ctx.out.info(`logged in as ${safeText(report.userId)} (${address})`);
  printNotices(ctx, report.notices);
  const { resumed, failed } = report.shares;
  if (resumed.length > 0) ctx.out.info(`sharing again: ${resumed.map((r) => `${safeText(r.name)} in ${safeText(r.groupId)}`).join(', ')}`);
  for (const f of failed) ctx.out.warn(`not sharing ${safeText(f.name)} in ${safeText(f.groupId)} any more: ${safeText(describeFailure(f.reason))}`);
  for (const d of report.downloads.resumed) {
    const p = d.download.progress();
    ctx.out.info(`resuming the download of ${safeText(d.name)} from ${safeText(d.groupId)} (${d.download.piecesAtStart} of ${p.total} pieces already here)`);
  }
  for (const f of report.downloads.failed) ctx.out.warn(`could not resume the download of ${safeText(f.name)} from ${safeText(f.groupId)}: ${safeText(f.reason)}`);
}

/** Why a remembered share could not be resumed, in the user's terms. */
function describeFailure(reason: string): string {
  switch (reason) {
    case 'missing':
      return 'the file is gone';
    case 'changed':
      return 'the file changed since it was shared; upload_file it again to share the new content';
    case 'unreadable':
      return 'the file cannot be read now (it stays remembered)';
    case 'refused':
      return 'the tracker refused it (no longer a member, or the name is taken)';
    default:
      return 'the tracker could not be reached (it stays remembered for the next login)';
  }
}
