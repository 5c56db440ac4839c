/**
 * Files in a group. upload_file hashes the file and shares it through the peer node (it keeps
 * serving while you are logged in, and again after the next login); stop_share withdraws it.
 * Downloads are in downloads.ts.
 */
import { CommandError } from '../errors.js';
import path from 'node:path';
import { pieceCount } from '@groupshare/protocol';
import { humanSize, renderFiles, safeText } from '../render.js';
import { checkFileName, checkId } from '../input-checks.js';
import { isTrackerDown, noTrackerReachable, renderLanCatalog } from './lan-files.js';
import { NOT_AVAILABLE } from '../service/peer-service.js';
import type { CommandSpec } from './types.js';

const groupArg = { name: 'group_id', kind: 'group' } as const;
const fileArg = { name: 'file_name', kind: 'file' } as const;

export const listFiles: CommandSpec = {
  name: 'list_files',
  args: [groupArg],
  summary: 'files shared in a group: size, who can serve them now, info-hash',
  details: [
    'seeders: online peers with the whole file; peers: online peers with part of it;',
    'available: whether the online peers together hold every piece, so a download can finish now.',
    'With every tracker unreachable it lists the LAN catalog instead (as lan_files), and says so.',
  ],
  async run(ctx, [arg]) {
    const groupId = checkId('group id', arg as string);
    const lan = ctx.link.session !== undefined && ctx.node?.lanSession !== undefined;
    const fromLan = (): void => {
      const files = ctx.node?.lanCatalog(groupId) ?? [];
      ctx.cache.setFiles(groupId, files.map((f) => f.name));
      ctx.out.info(renderLanCatalog(groupId, files, true));
    };
    if (lan && (await noTrackerReachable(ctx.link))) return fromLan();
    let listed;
    try {
      listed = await ctx.service.listFiles(groupId);
    } catch (err) {
      if (lan && isTrackerDown(err)) return fromLan(); // the tracker went away as we asked
      throw err;
    }
    const { files, syncVersions } = listed;
    ctx.cache.setFiles(groupId, files.map((f) => f.name));
    ctx.out.info(renderFiles(groupId, files));
    if (syncVersions > 0) ctx.out.info(`(and ${syncVersions} version${syncVersions === 1 ? '' : 's'} of synced folders' files, not listed: see list_synced)`);
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
    const { withdrawn } = await ctx.service.stopShare(groupId, name);
    const what = `${safeText(name)} in ${safeText(groupId)}`;
    ctx.out.info(withdrawn ? `stopped sharing ${what}; nobody shares it now, so it was withdrawn` : `stopped sharing ${what}; others still share it`);
  },
};


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
    'example: upload_file "~/my file.txt" lab',
  ],
  async run(ctx, [p, g]) {
    if (!ctx.node) throw new CommandError(NOT_AVAILABLE);
    if (!ctx.link.session) throw new CommandError('log in first');
    const groupId = checkId('group id', g as string);
    const file = ctx.resolvePath(p as string);
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
    const result = await ctx.service.share(file, groupId, onHashing);
    const what = `${safeText(result.name)} in ${safeText(result.groupId)}`;
    ctx.out.info(
      result.alreadyShared
        ? `already sharing ${what}`
        : `sharing ${what}: ${humanSize(result.size)}, ${pieceCount(result.size, result.pieceLength)} pieces, info-hash ${result.infoHash.slice(0, 12)}…`,
    );
  },
};
