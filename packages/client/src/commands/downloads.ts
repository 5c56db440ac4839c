/**
 * The download commands: download_file runs a download in the background through the peer
 * node, show_downloads lists this session's downloads (render-transfers.ts), cancel_download
 * ends one for good. What happens to running downloads when the shell is left is decided here
 * too (`leaveRunningDownloads`).
 */
import type { CancelledDownload, LanStart, PartialData } from '@groupshare/engine';

import { CommandError } from '../errors.js';
import { humanSize, safeText } from '../render.js';
import { activeDownloads, downloadLine } from '../render-transfers.js';
import { checkFileName, checkId } from '../input-checks.js';
import { destinationFolder } from './destination.js';
import { isTrackerDown, noTrackerReachable } from './lan-files.js';
import { syncLine } from './sync.js';
import type { CommandContext, CommandSpec } from './types.js';

import { NOT_AVAILABLE } from '../service/peer-service.js';

const groupArg = { name: 'group_id', kind: 'group' } as const;
const fileArg = { name: 'file_name', kind: 'file' } as const;

export const downloadFile: CommandSpec = {
  name: 'download_file',
  args: [groupArg, fileArg, { name: 'destination_path', kind: 'dir' }],
  summary: 'fetch a file shared in a group from its peers (runs in the background)',
  details: [
    'Pieces come from several peers at once, rarest first; each is checked against its SHA-1 and',
    'shared with others as soon as it is verified. The file appears as <destination_path>/<file_name>',
    'only when its whole-file SHA-1 matches; an existing different file there is never overwritten.',
    'A destination folder that does not exist is created (on a terminal you are asked first).',
    'A line is printed when it completes or fails; show_downloads shows progress.',
    'With every tracker unreachable, the file is found in the LAN catalog (lan_files) and fetched',
    'from the members announcing it, who admit you by the member certificate of your login.',
    'example: download_file lab notes.txt ~/downloads',
  ],
  async run(ctx, [g, f, d]) {
    const node = ctx.node;
    if (!node) throw new CommandError(NOT_AVAILABLE);
    if (!ctx.link.session) throw new CommandError('log in first');
    const groupId = checkId('group id', g as string);
    const name = checkFileName(f as string);
    // Asked before the folder is made: a mistyped name must not leave a new folder behind.
    let lan: LanStart | undefined;
    if (await noTrackerReachable(ctx.link)) lan = await fromLan(ctx, groupId, name);
    else {
      try {
        await ctx.service.checkDownload(groupId, name);
      } catch (err) {
        if (!isTrackerDown(err)) throw err;
        // The tracker went away as we asked: the LAN, or why not (LAN discovery off).
        lan = await fromLan(ctx, groupId, name);
      }
    }
    const dir = await destinationFolder(ctx, d as string);
    const { entry, already } = await ctx.service.download(groupId, name, dir, lan);
    if (already) {
      ctx.out.info(`already downloading ${safeText(name)} from ${safeText(groupId)} into ${safeText(dir)}; show_downloads shows how far`);
      return;
    }
    const peers = entry.download.progress().peers;
    ctx.out.info(`downloading ${safeText(name)} from ${safeText(groupId)} into ${safeText(dir)} (${peers} peer${peers === 1 ? '' : 's'} so far)`);
  },
};

/** With no tracker reachable: the file's metadata from the LAN peers announcing it (lan/lan-metadata.ts in the engine). */
async function fromLan(ctx: CommandContext, groupId: string, name: string): Promise<LanStart> {
  const node = ctx.node as NonNullable<CommandContext['node']>;
  if (node.lanSession === undefined) {
    throw new CommandError(`no tracker reachable, and LAN discovery is off${node.lanProblem === undefined ? ' (--no-lan)' : `: ${safeText(node.lanProblem)}`}`);
  }
  const lan = await node.lanStart(groupId, name);
  const n = lan.peers.length;
  ctx.out.info(`no tracker reachable: downloading from the LAN catalog of ${safeText(groupId)} (${n} peer${n === 1 ? '' : 's'} announce${n === 1 ? 's' : ''} it)`);
  return lan;
}

export const showDownloads: CommandSpec = {
  name: 'show_downloads',
  args: [],
  summary: 'downloads of this session: [D] downloading, [C] complete, [F] failed; [S] synced folders',
  details: [
    'Each line: [D], [C] or [F], the group, the file, then what is done of the total, the',
    'download and upload rates, the time left and the peers; "checking SHA-1 of the whole file"',
    'once every piece is in and before the file is moved into place.',
  ],
  async run(ctx) {
    const downloads = ctx.node?.downloads ?? [];
    const synced = ctx.node?.sync.list() ?? [];
    if (downloads.length === 0 && synced.length === 0) {
      ctx.out.info('no downloads in this session');
      return;
    }
    for (const entry of downloads) ctx.out.info(downloadLine(entry));
    for (const s of synced) ctx.out.info(syncLine(s)); // [S]: a synced folder (sync.ts)
  },
};

const CHOICES = ['--delete', '--keep'] as const;

export const cancelDownload: CommandSpec = {
  name: 'cancel_download',
  args: [groupArg, fileArg, { name: '--delete|--keep', kind: 'choice', optional: true, choices: CHOICES }],
  summary: 'stop a download for good (running or waiting to resume); its partial data may go too',
  details: [
    'The download stops, is not resumed at the next login, and other members are no longer sent',
    'to you for it. On a terminal you are asked whether to delete what was downloaded so far;',
    '--delete or --keep decides without asking (piped input without either keeps it).',
    'Only its hidden partial, journal and state files are deleted, never a complete file.',
    'example: cancel_download lab big.iso --delete',
  ],
  async run(ctx, [g, f, flag]) {
    if (!ctx.node) throw new CommandError(NOT_AVAILABLE);
    if (!ctx.link.session) throw new CommandError('log in first');
    const groupId = checkId('group id', g as string);
    const name = checkFileName(f as string);
    if (flag !== undefined && !(CHOICES as readonly string[]).includes(flag)) {
      throw new CommandError(`"${safeText(flag)}" is neither --delete nor --keep`);
    }
    await cancelOne(ctx, groupId, name, flag === undefined ? undefined : flag === '--delete');
  },
};

/**
 * Cancels `name` of `groupId`, asking (terminal) or following `remove` about its partial data;
 * `named` puts the file's name in the question (when several are cancelled at once).
 */
async function cancelOne(ctx: CommandContext, groupId: string, name: string, remove: boolean | undefined, named = false): Promise<void> {
  if (ctx.node === undefined) return;
  const results = await ctx.service.cancelDownload(groupId, name, ({ partial }) => decide(ctx, partial, remove, named ? name : undefined));
  for (const r of results) report(ctx, r, remove);
}

/** Whether to delete `partial`: the flag, else the user on a terminal, else keep. Empty data goes. */
async function decide(ctx: CommandContext, partial: PartialData, remove: boolean | undefined, name?: string): Promise<boolean> {
  if (remove !== undefined) return remove;
  if (partial.bytes === 0) return true; // nothing of value: no question, no litter
  if (!ctx.interactive) return false;
  const of = name === undefined ? '' : ` of ${safeText(name)}`;
  return ctx.confirm(`delete the ${humanSize(partial.bytes)}${of} already downloaded?`, false);
}

function report(ctx: CommandContext, r: CancelledDownload, remove: boolean | undefined): void {
  const what = `${safeText(r.name)} from ${safeText(r.groupId)}`;
  const where = safeText(r.partial.dir);
  let data: string;
  // Empty files (a download that got nothing yet) go without a question: nothing of value.
  if (r.partial.files.length === 0 || (r.partial.bytes === 0 && r.deleted.length > 0)) data = 'nothing had been downloaded';
  else if (r.deleted.length > 0) data = `deleted the ${humanSize(r.partial.bytes)} downloaded into ${where}`;
  else {
    const why = remove === undefined && !ctx.interactive ? 'no --delete given; ' : '';
    data = `kept the ${humanSize(r.partial.bytes)} downloaded into ${where} (${why}download_file resumes from it)`;
  }
  ctx.out.info(`cancelled the download of ${what}; ${data}`);
  if (r.trackerProblem !== undefined) ctx.out.warn(`the tracker was not told (${safeText(r.trackerProblem)}); it forgets this peer's copy at logout`);
}

/**
 * Leaving the shell on a terminal (`exit`, `quit`, Ctrl-D) with downloads running: asks whether
 * to leave them to resume at the next login (the default, and what happens without a question
 * in piped mode, where the shell waits for them first) or to cancel them, then whether their
 * data goes.
 */
export async function leaveRunningDownloads(ctx: CommandContext): Promise<void> {
  const node = ctx.node;
  if (!ctx.interactive || node === undefined || ctx.link.session === undefined) return;
  const running = activeDownloads(node.downloads);
  if (running.length === 0) return;
  const names = running.map((e) => safeText(e.name)).join(', ');
  const count = running.length === 1 ? '1 download is' : `${running.length} downloads are`;
  ctx.out.info(`${count} still running: ${names}`);
  if (await ctx.confirm('leave them to resume at your next login?', true)) {
    ctx.out.info('they resume at your next login');
    return;
  }
  for (const e of running) {
    try {
      await cancelOne(ctx, e.groupId, e.name, undefined, running.length > 1);
    } catch (err) {
      // Completed while the question was asked: its line was printed, and it stays.
      if ((err as { code?: unknown }).code === 'ERR_DOWNLOAD_COMPLETE') continue;
      ctx.out.warn(`could not cancel the download of ${safeText(e.name)}: ${safeText(err instanceof Error ? err.message : String(err))}`);
    }
  }
}
