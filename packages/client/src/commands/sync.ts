/**
 * Folder sync (docs/sync.md): sync_folder binds a folder to a group, so every member's synced
 * folder ends up with the union of their files and the newest version of each; list_synced
 * shows the bound folders and how far they are; unsync_folder ends a binding. What the folders
 * do on their own (a file fetched, a conflict, watching given up for polling) is told by
 * `attachSyncEvents`. The sync itself runs in the engine (PeerNode.sync) while logged in.
 */
import type { PeerNode, SyncBinding, SyncEvent, SyncStatus } from '@groupshare/engine';

import { CommandError } from '../errors.js';
import type { Output } from '../output.js';
import { safeText } from '../render.js';
import { describeSyncEvent, syncState } from '../service/sync-text.js';
import { destinationFolder } from './destination.js';
import type { CommandSpec } from './types.js';

const groupArg = { name: 'group_id', kind: 'group' } as const;
const dirArg = { name: 'folder', kind: 'dir' } as const;
const MIRROR = '--mirror-deletes';

/** The show_downloads line of a synced folder. */
export function syncLine(s: SyncStatus): string {
  return `[S] [${safeText(s.groupId)}] ${safeText(s.dir)}: ${syncState(s)}`;
}

export const syncFolder: CommandSpec = {
  name: 'sync_folder',
  args: [groupArg, dirArg, { name: MIRROR, kind: 'choice', optional: true, choices: [MIRROR] }],
  summary: "keep a folder in sync with a group: every member's synced folder gets every member's files",
  details: [
    'Every regular file in the folder and its subfolders is shared in the group under its path in',
    "the folder, and every file the other members' synced folders share is fetched into it. A file",
    'changed anywhere replaces the older version everywhere; the replaced one is kept in',
    '.groupshare/versions/ inside the folder. Two members changing a file at once keep both: the',
    'older save is renamed name.sync-conflict-<date>-<user>.ext. Deleting a file here does not delete',
    'it elsewhere (and the others bring it back) unless --mirror-deletes is given: then a deletion',
    'reaches every member syncing with --mirror-deletes (the file kept among their versions), and is',
    'never forgotten. A change made without knowing of a deletion wins over it. Symbolic links are',
    'never followed.',
    'The binding is remembered: the folder syncs at every login and catches up on what it missed.',
    'example: sync_folder lab ~/lab-files',
  ],
  async run(ctx, [g, d, flag]) {
    ctx.service.requireNode();
    if (flag !== undefined && flag !== MIRROR) throw new CommandError(`"${safeText(flag)}" is not ${MIRROR}`);
    const groupId = await ctx.service.sync.checkGroup(g as string); // a member? before any folder is made
    const dir = await destinationFolder(ctx, d as string);
    const b = await ctx.service.sync.bind(groupId, dir, { mirrorDeletes: flag === MIRROR });
    const deletes = b.mirrorDeletes ? ', deletions included' : '';
    ctx.out.info(`syncing ${safeText(b.dir)} with ${safeText(b.groupId)}${deletes}; list_synced shows how far it is`);
  },
};

export const listSynced: CommandSpec = {
  name: 'list_synced',
  args: [],
  summary: 'the folders kept in sync with groups, and their state',
  async run(ctx) {
    ctx.service.requireNode();
    const folders = ctx.service.sync.list();
    if (folders.length === 0) {
      ctx.out.info('no folders synced; sync_folder <group_id> <folder> binds one');
      return;
    }
    for (const s of folders) {
      const deletes = s.mirrorDeletes ? ' (mirrors deletions)' : '';
      ctx.out.info(`${safeText(s.groupId)}  ${safeText(s.dir)}${deletes}  ${s.files} file${s.files === 1 ? '' : 's'}, ${s.summary}`);
    }
  },
};

export const unsyncFolder: CommandSpec = {
  name: 'unsync_folder',
  args: [groupArg, dirArg],
  summary: 'stop keeping a folder in sync (its files stay, and are no longer shared)',
  async run(ctx, [g, d]) {
    const b = await ctx.service.sync.unbind(g as string, ctx.resolvePath(d as string));
    ctx.out.info(`stopped syncing ${safeText(b.dir)} with ${safeText(b.groupId)}; its files stay there`);
  },
};

/** One line for what a synced folder did on its own, or undefined for nothing worth a line. */
export function formatSyncEvent(e: SyncEvent, b: SyncBinding): { line: string; warn: boolean } | undefined {
  const words = describeSyncEvent(e, b);
  return words === undefined ? undefined : { line: `[sync] [${safeText(b.groupId)}] ${words.text}`, warn: words.warn };
}

/** Prints what `node`'s synced folders do on their own; returns a function that stops it. */
export function attachSyncEvents(node: PeerNode, out: Output): () => void {
  const listener = (e: SyncEvent, b: SyncBinding): void => {
    const f = formatSyncEvent(e, b);
    if (f === undefined) return;
    if (f.warn) out.warn(f.line);
    else out.event(f.line);
  };
  node.sync.on('event', listener);
  return () => node.sync.off('event', listener);
}
