/** Console commands about the tracker and the cluster: status, list_groups, registration. */
import { isRegistrationOpen, listAllGroups, setRegistration } from '../admin/cluster.js';
import { setAdminPassword } from '../admin/admin-credentials.js';
import { OperatorError } from '../admin/errors.js';
import { readNewPassword } from './password.js';
import type { TrackerStatus } from '../tracker.js';
import type { ConsoleCommand } from './command.js';
import { formatTable } from './table.js';

export function formatStatus(s: TrackerStatus): string {
  return [
    `tracker ${s.tracker} on ${s.address}, up ${s.uptimeS} s`,
    `clients: ${s.clients} connected, ${s.loggedIn} logged in`,
    `users: ${s.users}  groups: ${s.groups}  files: ${s.files}  shares: ${s.shares}`,
    `replication: ${s.sync}, state digest ${s.digest.slice(0, 16)}`,
    ...s.links.map((l) => `  tracker ${l.peer || '?'}: ${l.state}${l.caughtUp ? ', caught up' : ''} (sent ${l.sentOps} ops, received ${l.receivedOps})`),
  ].join('\n');
}

const REGISTRATION_STATES: Record<string, boolean> = { open: true, closed: false };

function describeRegistration(open: boolean): string {
  return open
    ? 'registration is open: clients may create accounts with create_user'
    : 'registration is closed: accounts are made with add_user on a tracker console';
}

export const clusterCommands: ConsoleCommand[] = [
  {
    name: 'status',
    usage: 'status',
    summary: 'clients, counts of users, groups, files; replication',
    args: [0, 0],
    async run({ tracker, io }) {
      io.print(formatStatus(await tracker.status()));
    },
  },
  {
    name: 'list_groups',
    usage: 'list_groups',
    summary: 'groups: owner, members, files',
    args: [0, 0],
    async run({ tracker, io }) {
      const groups = await listAllGroups(tracker.services);
      if (groups.length === 0) {
        io.print('no groups');
        return;
      }
      const rows = groups.map((g) => [g.groupId, g.ownerId, String(g.members), String(g.files)]);
      io.print(formatTable(['group', 'owner', 'members', 'files'], rows));
    },
  },
  {
    name: 'registration',
    usage: 'registration [open|closed]',
    summary: 'show, or set cluster-wide, whether clients may create_user',
    args: [0, 1],
    async run({ tracker, io }, { args }) {
      const wanted = args[0];
      if (wanted === undefined) {
        io.print(describeRegistration(await isRegistrationOpen(tracker.services)));
        return;
      }
      const open = REGISTRATION_STATES[wanted];
      if (open === undefined) throw new OperatorError('ERR_USAGE', `registration is open or closed, not ${JSON.stringify(wanted.slice(0, 40))}; usage: registration [open|closed]`);
      const changed = await setRegistration(tracker.services, open);
      io.print(changed ? `registration is now ${wanted} on every tracker of the cluster` : `registration was already ${wanted}`);
    },
  },
  {
    name: 'set_admin_password',
    usage: 'set_admin_password [--password-file FILE]',
    summary: "this tracker's admin page password (--admin); asked for, hidden, or FILE's first line",
    args: [0, 0],
    options: { 'password-file': 'value' },
    async run({ tracker, io }, { options }) {
      const password = await readNewPassword(io, 'the admin page', options.get('password-file') as string | undefined);
      const file = await setAdminPassword(tracker.services, tracker.init.dataDir, password);
      io.print(`admin password set for this tracker (its argon2 hash is in ${file}); the admin page accepts it at the next login`);
    },
  },
  {
    name: 'forget_tracker',
    usage: 'forget_tracker <n>',
    summary: 'stop waiting for tracker n (gone for good) before compacting this tracker\'s log',
    args: [1, 1],
    async run({ tracker, io }, { args }) {
      const text = args[0]!;
      const links = tracker.links;
      const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
      if (!links || !links.peers.includes(n)) {
        const peers = links?.peers.join(', ') || 'none: this tracker runs alone';
        throw new OperatorError('ERR_USAGE', `${JSON.stringify(text.slice(0, 40))} is not another tracker of tracker_info.txt (they are ${peers}); usage: forget_tracker <n>`);
      }
      if (!links.forget(n)) throw new OperatorError('ERR_TRACKER_LIVE', `tracker ${n} is connected now: it is not gone, and compaction waits for it only as long as it is behind`);
      io.print(
        `compaction on this tracker no longer waits for tracker ${n}; if it comes back it catches up from a snapshot.\n` +
          'Run forget_tracker on every other tracker too, and take its line out of tracker_info.txt to make it permanent.',
      );
    },
  },
];
