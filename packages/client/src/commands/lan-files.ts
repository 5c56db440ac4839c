/**
 * lan_files: a group's LAN catalog, the files its members on the LAN announce (docs/lan.md). It
 * asks no tracker, so it answers while every tracker is unreachable; it says where the list
 * comes from, since it holds only what members heard lately serve. list_files and download_file
 * fall back to the same catalog when no tracker is reachable ({@link noTrackerReachable}).
 */
import type { LanCatalogFile, TrackerLink } from '@groupshare/engine';
import { CommandError } from '../errors.js';
import { humanSize, safeText, table } from '../render.js';
import { checkId } from '../input-checks.js';
import { NOT_AVAILABLE } from '../service/peer-service.js';
import type { CommandSpec } from './types.js';

/** How long a command waits for the tracker link to (re)connect before working from the LAN. */
export const TRACKER_GRACE_MS = 500;

/**
 * True when no tracker is connected now and none connects within {@link TRACKER_GRACE_MS} (the
 * link moving to another tracker takes less): every tracker is unreachable.
 */
export async function noTrackerReachable(link: Pick<TrackerLink, 'connectedTracker'>, graceMs = TRACKER_GRACE_MS): Promise<boolean> {
  for (let waited = 0; link.connectedTracker === undefined; waited += 50) {
    if (waited >= graceMs) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** The tracker link's own failures: no tracker answered (as opposed to a tracker refusing). */
const LINK_DOWN = new Set(['ERR_TRACKER_UNAVAILABLE', 'ERR_CONNECTION_LOST', 'ERR_REQUEST_TIMEOUT']);

/** `err` says no tracker could be reached (a request made just before the link noticed it lost its tracker). */
export function isTrackerDown(err: unknown): boolean {
  return LINK_DOWN.has(String((err as { code?: unknown } | undefined)?.code));
}

/** The catalog as lan_files shows it; `noTracker` for list_files' fallback, which says why it shows it. */
export function renderLanCatalog(groupId: string, files: readonly LanCatalogFile[], noTracker = false): string {
  const head = noTracker
    ? `no tracker reachable: from the LAN catalog of ${safeText(groupId)} (what members heard on the LAN announce):`
    : `from the LAN catalog of ${safeText(groupId)} (what members heard on the LAN announce; no tracker asked):`;
  if (files.length === 0) return `${head}\nno files announced`;
  return `${head}\n${table(
    [{ header: 'name' }, { header: 'size', align: 'right' }, { header: 'held by' }, { header: 'info-hash' }],
    files.map((f) => [safeText(f.name), humanSize(f.size), f.holders.map(safeText).join(','), `${f.infoHash.slice(0, 12)}…`]),
  )}`;
}

export const lanFiles: CommandSpec = {
  name: 'lan_files',
  args: [{ name: 'group_id', kind: 'group' }],
  summary: "a group's files as members on the LAN announce them (works with no tracker reachable)",
  details: [
    'Lists what the members of the group heard on the LAN lately serve, from their announces: name,',
    'size, who holds it. No tracker is asked, so it works while every tracker is unreachable.',
  ],
  async run(ctx, [groupArg]) {
    const groupId = checkId('group id', groupArg as string);
    if (!ctx.node) throw new CommandError(NOT_AVAILABLE);
    if (!ctx.link.session) throw new CommandError('log in first');
    const files = ctx.node.lanCatalog(groupId);
    if (files === undefined) {
      const why = ctx.node.lanProblem;
      throw new CommandError(why === undefined ? 'LAN discovery is off (--no-lan)' : `LAN discovery is off: ${safeText(why)}`);
    }
    ctx.out.info(renderLanCatalog(groupId, files));
  },
};
