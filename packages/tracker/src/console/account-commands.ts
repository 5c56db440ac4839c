/** Console commands for accounts: add_user, reset_password, remove_user, list_users. */
import { OperatorError } from '../admin/errors.js';
import { addUser, listUsers, parseUserId, removeUser, requireUser, resetPassword, type RemovedUser } from '../admin/users.js';
import type { ConsoleCommand } from './command.js';
import { readNewPassword } from './password.js';
import { formatTable, formatTime } from './table.js';

/** Past this many groups, list_users shows a count instead of the ids. */
const MAX_GROUP_IDS = 3;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The summary of a removal, one line and then one line per group left. */
export function describeRemoval(r: RemovedUser): string {
  const dropped = [plural(r.shares, 'share'), plural(r.requests, 'join request')];
  const withdrawn = r.filesWithdrawn > 0 ? ` (${plural(r.filesWithdrawn, 'file')} nobody else shared withdrawn)` : '';
  const lines = [`removed user ${r.userId}: ${plural(r.sessions, 'session')} ended, ${dropped.join(' and ')} dropped${withdrawn}`];
  for (const g of r.groups) {
    if (g.outcome === 'deleted') lines.push(`  group ${g.groupId}: deleted (${r.userId} was its last member)`);
    else if (g.outcome === 'handed-on') lines.push(`  group ${g.groupId}: ${g.newOwner} owns it now`);
    else lines.push(`  group ${g.groupId}: left`);
  }
  return lines.join('\n');
}

const PASSWORD_FILE = { 'password-file': 'value' } as const;

export const accountCommands: ConsoleCommand[] = [
  {
    name: 'list_users',
    usage: 'list_users',
    summary: 'accounts: created, last login, groups, online (on any tracker)',
    args: [0, 0],
    async run({ tracker, io }) {
      const users = await listUsers(tracker.services);
      if (users.length === 0) {
        io.print('no users');
        return;
      }
      const rows = users.map((u) => [
        u.userId,
        formatTime(u.createdAt),
        u.lastLoginAt ? formatTime(u.lastLoginAt) : 'never',
        u.groups.length === 0 ? '-' : u.groups.length > MAX_GROUP_IDS ? plural(u.groups.length, 'group') : u.groups.join(','),
        u.online ? 'yes' : 'no',
      ]);
      io.print(formatTable(['user', 'created (UTC)', 'last login (UTC)', 'groups', 'online'], rows));
    },
  },
  {
    name: 'add_user',
    usage: 'add_user <id> [--password-file FILE]',
    summary: "create an account; password asked for, hidden, or FILE's first line",
    args: [1, 1],
    options: PASSWORD_FILE,
    async run({ tracker, io }, { args, options }) {
      const userId = parseUserId(args[0]!);
      const password = await readNewPassword(io, userId, options.get('password-file') as string | undefined);
      await addUser(tracker.services, userId, password);
      io.print(`added user ${userId}`);
    },
  },
  {
    name: 'reset_password',
    usage: 'reset_password <id> [--password-file FILE]',
    summary: "new password; the user's sessions end on every tracker",
    args: [1, 1],
    options: PASSWORD_FILE,
    async run({ tracker, io }, { args, options }) {
      const userId = parseUserId(args[0]!);
      await requireUser(tracker.services, userId); // before asking for a password in vain
      const password = await readNewPassword(io, userId, options.get('password-file') as string | undefined);
      const sessions = await resetPassword(tracker.services, userId, password);
      io.print(`new password set for ${userId}; ${sessions === 0 ? 'no session was open' : `${plural(sessions, 'session')} ended`}`);
    },
  },
  {
    name: 'remove_user',
    usage: 'remove_user <id> [--yes]',
    summary: 'remove an account and everything of theirs (asks first)',
    args: [1, 1],
    options: { yes: 'flag' },
    async run({ tracker, io }, { args, options }) {
      const userId = parseUserId(args[0]!);
      await requireUser(tracker.services, userId);
      if (!options.has('yes')) {
        if (!io.interactive) {
          throw new OperatorError('ERR_NEEDS_TERMINAL', 'this console is not a terminal, so it cannot ask for confirmation: add --yes; nothing was removed');
        }
        const answer = await io.ask(`remove user ${userId} and everything of theirs? [y/N] `);
        if (!/^y(es)?$/i.test(answer.trim())) throw new OperatorError('ERR_CANCELLED', `${userId} was not removed`);
      }
      io.print(describeRemoval(await removeUser(tracker.services, userId)));
    },
  },
];
