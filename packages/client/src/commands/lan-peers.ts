/**
 * lan_peers: the members of this user's groups heard on the LAN lately (docs/lan.md): where
 * their peer server is, who they are (from their tracker-signed certificate), how many files
 * they announce in groups we share with them, and when they were last heard.
 */
import type { LanPeer } from '@groupshare/engine';
import { CommandError } from '../errors.js';
import { safeText, table } from '../render.js';
import { humanDuration } from '../render-transfers.js';
import { NOT_AVAILABLE } from '../service/peer-service.js';
import type { CommandSpec } from './types.js';

/** The lan_peers table; `nowMs` for the "last seen" ages. */
export function renderLanPeers(peers: readonly LanPeer[], nowMs: number): string {
  if (peers.length === 0) return 'no members heard on the LAN yet (they announce when they start sharing, and every minute)';
  return table(
    [{ header: 'address' }, { header: 'user' }, { header: 'files', align: 'right' }, { header: 'groups' }, { header: 'last seen', align: 'right' }],
    peers.map((p) => [safeText(p.address), safeText(p.userId), String(p.files), p.groups.map(safeText).join(','), `${humanDuration((nowMs - p.lastSeen) / 1000)} ago`]),
  );
}

export const lanPeers: CommandSpec = {
  name: 'lan_peers',
  args: [],
  summary: 'members of your groups heard on the LAN: address, user, files, last seen',
  details: [
    'Members announce themselves on the LAN (UDP multicast) when they start sharing, on change and',
    'every minute; only members of a group can read its announces. Downloads use these peers beside',
    "the tracker's. Off with --no-lan; --lan-interface picks the interface (docs/lan.md).",
  ],
  async run(ctx) {
    if (!ctx.node) throw new CommandError(NOT_AVAILABLE);
    if (!ctx.link.session) throw new CommandError('log in first');
    const peers = ctx.node.lanPeers();
    if (peers === undefined) {
      const why = ctx.node.lanProblem;
      throw new CommandError(why === undefined ? 'LAN discovery is off (--no-lan)' : `LAN discovery is off: ${safeText(why)}`);
    }
    ctx.out.info(renderLanPeers(peers, Date.now()));
  },
};
