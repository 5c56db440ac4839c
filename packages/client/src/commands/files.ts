/**
 * Files in a group: list_files and stop_share talk to the tracker today. upload_file,
 * download_file and show_downloads need the peer engine (hashing, peer wire, piece store),
 * which is not in this build: they are listed in help and completed like the others, so
 * users see the whole command set, but they refuse plainly, with a failure status, rather than
 * pretend.
 */
import { CommandError } from '../errors.js';
import { renderFiles, safeText } from '../render.js';
import { checkFileName, checkId } from './checks.js';
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
    const { withdrawn } = await ctx.link.request('stop_share', { groupId, name });
    const what = `${safeText(name)} in ${safeText(groupId)}`;
    ctx.out.info(withdrawn ? `stopped sharing ${what}; nobody shares it now, so it was withdrawn` : `stopped sharing ${what}; others still share it`);
  },
};

/** The answer of every command that needs the transfer engine. */
export const NOT_AVAILABLE = 'not available yet in this build: file transfers come with the peer engine';

function notAvailable(spec: Omit<CommandSpec, 'run' | 'available'>): CommandSpec {
  return {
    ...spec,
    available: false,
    run() {
      return Promise.reject(new CommandError(NOT_AVAILABLE));
    },
  };
}

export const uploadFile = notAvailable({
  name: 'upload_file',
  args: [
    { name: 'file_path', kind: 'path' },
    { name: 'group_id', kind: 'group' },
  ],
  summary: 'share a file with a group',
  details: ['example: upload_file "my file.txt" lab'],
});

export const downloadFile = notAvailable({
  name: 'download_file',
  args: [groupArg, fileArg, { name: 'destination_path', kind: 'path' }],
  summary: 'fetch a file shared in a group from its peers',
  details: ['example: download_file lab notes.txt downloads/'],
});

export const showDownloads = notAvailable({
  name: 'show_downloads',
  args: [],
  summary: 'downloads of this session: [D] downloading, [C] complete',
});
