/**
 * Files in a group. upload_file hashes the file and shares it through the peer node (it keeps
 * serving while you are logged in, and again after the next login); stop_share withdraws it.
 * download_file runs a download in the background through the node, and show_downloads lists
 * this session's downloads in the specification's `[D]`/`[C]` format.
 */
import { CommandError } from '../errors.js';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DownloadEntry } from '@groupshare/engine';
import { pieceCount } from '@groupshare/protocol';
import { humanSize, renderFiles, safeText } from '../render.js';
import { checkFileName, checkId } from './checks.js';
import type { CommandContext, CommandSpec } from './types.js';

const groupArg = { name: 'group_id', kind: 'group' } as const;
const fileArg = { name: 'file_name', kind: 'file' } as const;

export const listFiles: CommandSpec = {
  name: 'list_files',
  args: [groupArg],
  summary: 'files shared in a group: size, who can serve them now, info-hash',
  details: [
    'seeders: online peers with the whole file; peers: online peers with part of it;',
    'available: whether the online peers together hold every piece, so a download can finish now.',
  ],
  async run(ctx, [arg]) {
    const groupId = checkId('group id', arg as string);
    const { files } = await ctx.link.request('list_files', { groupId });
    ctx.cache.setFiles(groupId, files.map((f) => f.name));
    ctx.out.info(renderFiles(groupId, files));
  },
};

export const stopShare: CommandSpec = {
  name: 'stop_share',
  args: [groupArg, fileArg],
  summary: 'stop sharing a file in a group',
  details: ['Quote names with spaces: stop_share lab "my file.txt"'],
  async run(ctx, [g, f]) {
    const groupId = checkId('group id', g as string);
    const name = checkFileName(f as string);
    // Through the node when there is one, so the local copy stops being served and is forgotten.
    const { withdrawn } = ctx.node ? await ctx.node.shares.stopShare(groupId, name) : await ctx.link.request('stop_share', { groupId, name });
    const what = `${safeText(name)} in ${safeText(groupId)}`;
    ctx.out.info(withdrawn ? `stopped sharing ${what}; nobody shares it now, so it was withdrawn` : `stopped sharing ${what}; others still share it`);
  },
};

/** The answer when the shell runs without a peer node (tests that only talk to trackers). */
export const NOT_AVAILABLE = 'not available: this shell runs without a peer (no file transfers)';


export const uploadFile: CommandSpec = {
  name: 'upload_file',
  args: [
    { name: 'file_path', kind: 'path' },
    { name: 'group_id', kind: 'group' },
  ],
  summary: 'share a file with a group (the bytes stay here; members fetch them from you)',
  details: [
    'The file is hashed once (whole-file and per-piece SHA-1), registered with the tracker, and',
    'served while you are logged in. Sharing the same unchanged file again changes nothing.',
    'example: upload_file "my file.txt" lab',
  ],
  async run(ctx, [p, g]) {
    if (!ctx.node) throw new CommandError(NOT_AVAILABLE);
    if (!ctx.link.session) throw new CommandError('log in first');
    const groupId = checkId('group id', g as string);
    const file = path.resolve(p as string);
    const started = Date.now();
    let shown = 0;
    const onHashing = (info: { path: string; bytesDone: number; total: number }): void => {
      // Progress for long hashes only, and on a terminal, at most every 10%.
      const pct = info.total === 0 ? 100 : Math.floor((100 * info.bytesDone) / info.total);
      if (ctx.interactive && info.path === file && Date.now() - started > 1_000 && pct >= shown + 10) {
        shown = pct;
        ctx.out.info(`hashing ${safeText(path.basename(file))}: ${pct}%`);
      }
    };
    ctx.node.shares.on('hashing', onHashing);
    try {
      const result = await ctx.node.shares.share(file, groupId);
      const what = `${safeText(result.name)} in ${safeText(result.groupId)}`;
      ctx.out.info(
        result.alreadyShared
          ? `already sharing ${what}`
          : `sharing ${what}: ${humanSize(result.size)}, ${pieceCount(result.size, result.pieceLength)} pieces, info-hash ${result.infoHash.slice(0, 12)}…`,
      );
    } finally {
      ctx.node.shares.off('hashing', onHashing);
    }
  },
};

export const downloadFile: CommandSpec = {
  name: 'download_file',
  args: [groupArg, fileArg, { name: 'destination_path', kind: 'path' }],
  summary: 'fetch a file shared in a group from its peers (runs in the background)',
  details: [
    'Pieces come from several peers at once, rarest first; each is checked against its SHA-1 and',
    'shared with others as soon as it is verified. The file appears as <destination_path>/<file_name>',
    'only when its whole-file SHA-1 matches; an existing different file there is never overwritten.',
    'A line is printed when it completes or fails; show_downloads shows progress.',
    'example: download_file lab notes.txt downloads/',
  ],
  async run(ctx, [g, f, d]) {
    if (!ctx.node) throw new CommandError(NOT_AVAILABLE);
    if (!ctx.link.session) throw new CommandError('log in first');
    const groupId = checkId('group id', g as string);
    const name = checkFileName(f as string);
    const dir = path.resolve(d as string);
    await mkdir(dir, { recursive: true });
    const before = ctx.node.downloads.length;
    const entry = await ctx.node.download(groupId, name, dir);
    if (ctx.node.downloads.length === before) {
      ctx.out.info(`already downloading ${safeText(name)} from ${safeText(groupId)} into ${safeText(dir)}; show_downloads shows how far`);
      return;
    }
    const what = `${safeText(name)} from ${safeText(groupId)}`;
    const peers = entry.download.progress().peers;
    ctx.out.info(`downloading ${what} into ${safeText(dir)} (${peers} peer${peers === 1 ? '' : 's'} so far)`);
    announceWhenSettled(ctx, entry);
  },
};

/** On a terminal, a long download's progress is shown at each quarter, after this long. */
const PROGRESS_AFTER_MS = 2_000;

/**
 * Prints one line when a background download completes or fails, and on a terminal a
 * `show_downloads` line at 25, 50 and 75 % of a download that takes more than a moment
 * (printed above the prompt, which stays usable).
 */
export function announceWhenSettled(ctx: CommandContext, entry: DownloadEntry): void {
  const what = `${safeText(entry.name)} from ${safeText(entry.groupId)}`;
  if (ctx.interactive) {
    const started = Date.now();
    let quarter = Math.floor((4 * entry.download.progress().verified) / Math.max(1, entry.download.progress().total));
    const onProgress = ({ verified, total }: { verified: number; total: number }): void => {
      const now = Math.floor((4 * verified) / Math.max(1, total));
      if (now <= quarter || now >= 4) return;
      quarter = now;
      if (Date.now() - started >= PROGRESS_AFTER_MS) ctx.out.event(downloadLine(entry));
    };
    entry.download.on('progress', onProgress);
    void entry.settled.then(() => entry.download.off('progress', onProgress));
  }
  // A download waiting for pieces no online member holds says so, and again when it goes on.
  const onStalled = ({ reason }: { reason: string }): void =>
    ctx.out.warn(`[F] [${safeText(entry.groupId)}] ${safeText(entry.name)}: ${safeText(reason)}; waiting, it resumes when one comes online`);
  const onUnstalled = (): void => ctx.out.info(`[D] [${safeText(entry.groupId)}] ${safeText(entry.name)}: resumed, the missing pieces have an online holder again`);
  entry.download.on('stalled', onStalled);
  entry.download.on('unstalled', onUnstalled);
  void entry.settled.then(() => {
    entry.download.off('stalled', onStalled);
    entry.download.off('unstalled', onUnstalled);
    const outcome = entry.outcome;
    if (outcome && 'path' in outcome) {
      ctx.out.info(`[C] [${safeText(entry.groupId)}] ${safeText(entry.name)}: complete, SHA-1 verified: ${safeText(outcome.path)}`);
      const sources = sourcesLine(entry.download.blocksFrom, entry.download.bannedPeers);
      if (sources !== undefined) ctx.out.info(sources);
    } else if (outcome) ctx.out.warn(`download of ${what} failed: ${safeText(outcome.failed)}`);
  });
}

/**
 * `  blocks from 2 peers: 127.0.0.1:4001 61%, 127.0.0.1:4002 39%; dropped for bad data: 127.0.0.1:4003`
 * (this session's blocks, bad ones included), or undefined if no block came.
 */
export function sourcesLine(blocksFrom: ReadonlyMap<string, number>, banned: ReadonlySet<string> = new Set()): string | undefined {
  const counts = [...blocksFrom].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return undefined;
  const parts = counts.map(([address, n]) => `${safeText(address)} ${Math.round((100 * n) / total)}%`);
  const dropped = banned.size === 0 ? '' : `; dropped for bad data: ${[...banned].map(safeText).join(', ')}`;
  return `  blocks from ${counts.length} peer${counts.length === 1 ? '' : 's'}: ${parts.join(', ')}${dropped}`;
}

export const showDownloads: CommandSpec = {
  name: 'show_downloads',
  args: [],
  summary: 'downloads of this session: [D] downloading, [C] complete',
  details: ['Each line: [D] or [C], the group, the file, then progress, speed and connected peers.'],
  async run(ctx) {
    const downloads = ctx.node?.downloads ?? [];
    if (downloads.length === 0) {
      ctx.out.info('no downloads in this session');
      return;
    }
    for (const entry of downloads) ctx.out.info(downloadLine(entry));
  },
};

/** `[D] [group] file  45%  1.2 MiB/s  3 peers`, exactly so at the start (the specification's format). */
function downloadLine(entry: DownloadEntry): string {
  const head = `[${safeText(entry.groupId)}] ${safeText(entry.name)}`;
  const p = entry.download.progress();
  const pct = p.total === 0 ? 100 : Math.floor((100 * p.verified) / p.total);
  if (entry.outcome && 'path' in entry.outcome) return `[C] ${head}  100%  ${safeText(entry.outcome.path)}`;
  if (entry.outcome) return `[F] ${head}  failed: ${safeText(entry.outcome.failed)}`;
  if (p.stalled !== undefined) return `[F] ${head}  ${pct}%  ${safeText(p.stalled.reason)} (waiting; resumes when one comes online)`;
  if (entry.download.state === 'stopped') return `[D] ${head}  ${pct}%  paused (resumes from disk with download_file)`;
  return `[D] ${head}  ${pct}%  ${humanSize(p.bytesPerSecond)}/s  ${p.peers} peer${p.peers === 1 ? '' : 's'}`;
}
