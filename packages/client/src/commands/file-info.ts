/**
 * file_info: one file of a group in full (size, pieces, whole-file SHA-1, the whole info-hash)
 * and who holds it: every member with pieces of it, online or not, and how many pieces each
 * holds. It answers "who hosts this file?" and, for a download that waits, "who would have to
 * come online?".
 */
import type { FileSummary, Holder } from '@groupshare/protocol';
import { humanSize, safeText, shortTime, table } from '../render.js';
import { checkFileName, checkId } from '../input-checks.js';
import type { CommandSpec } from './types.js';

export const fileInfo: CommandSpec = {
  name: 'file_info',
  args: [
    { name: 'group_id', kind: 'group' },
    { name: 'file_name', kind: 'file' },
  ],
  summary: 'one file in full: size, pieces, SHA-1, info-hash, and who holds how much of it',
  details: [
    'Every member holding pieces of the file is listed, online or not: "online" means logged in and',
    'offering it now, so a download can fetch from them.',
    'example: file_info lab notes.txt',
  ],
  async run(ctx, [g, f]) {
    const groupId = checkId('group id', g as string);
    const name = checkFileName(f as string);
    const { file, holders } = await ctx.service.fileInfo(groupId, name);
    ctx.out.info(renderFileInfo(groupId, file, holders));
  },
};

/** The file_info text: a header of key/value lines, then the holders table. */
export function renderFileInfo(groupId: string, file: FileSummary, holders: readonly Holder[]): string {
  const pieces = `${file.pieceCount} piece${file.pieceCount === 1 ? '' : 's'} of ${humanSize(file.pieceLength)}`;
  const online = holders.filter((h) => h.online).length;
  const availability = file.available
    ? 'yes: the members online hold every piece'
    : holders.length > online
      ? 'no: some pieces are held only by members who are offline'
      : 'no: nobody online holds every piece';
  const head = [
    `${safeText(file.name)} in ${safeText(groupId)}`,
    `  size        ${humanSize(file.size)} (${file.size} bytes), ${pieces}`,
    `  SHA-1       ${safeText(file.sha1)}`,
    `  info-hash   ${safeText(file.infoHash)}`,
    `  shared by   ${safeText(file.sharedBy)}, ${shortTime(file.sharedAt)}`,
    `  available   ${availability}`,
  ];
  if (holders.length === 0) return [...head, '  nobody holds any of it now'].join('\n');
  const rows = holders.map((h) => [
    safeText(h.userId),
    h.online ? 'yes' : 'no',
    `${h.pieces}/${file.pieceCount}${h.complete ? ' (complete)' : ''}`,
  ]);
  return [...head, table([{ header: 'member' }, { header: 'online' }, { header: 'pieces', align: 'right' }], rows)].join('\n');
}
