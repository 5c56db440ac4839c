/**
 * list_shares: what this peer serves right now, the files shared with upload_file and the
 * downloads serving what they have (partial or complete) alike, with how much of each is here,
 * what was uploaded this session and how many peers are connected about it now.
 */
import { CommandError } from '../errors.js';
import { renderServedFiles } from '../render-transfers.js';
import { NOT_AVAILABLE } from '../service/peer-service.js';
import type { CommandSpec } from './types.js';

export const listShares: CommandSpec = {
  name: 'list_shares',
  args: [],
  summary: 'what this peer serves: size, pieces here, uploaded this session, peers connected',
  details: [
    'Files shared with upload_file or downloaded completely ("shared") and downloads, which serve',
    'every verified piece as soon as it arrives ("download (partial)"). uploaded: bytes sent to other',
    'peers since login; peers: connections about the file open now.',
  ],
  async run(ctx) {
    if (!ctx.node) throw new CommandError(NOT_AVAILABLE);
    if (!ctx.link.session) throw new CommandError('log in first');
    ctx.out.info(renderServedFiles(ctx.service.servedFiles()));
  },
};
