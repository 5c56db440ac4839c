/**
 * What happens to a share this peer can no longer serve (at login, or found by a recheck), in
 * one place so login and recheck cannot drift apart. The policy per {@link ShareFailureReason}:
 * - the library: `missing` and `refused` are forgotten (there is nothing left to resume);
 *   `changed` is kept but flagged, so the user sees it and can share the new content;
 *   `unreadable` and `trackerError` are kept as they are, to be retried at the next login;
 * - the tracker: for `missing`, `changed` and `unreadable` a `stop_share` is sent (best effort),
 *   because the tracker otherwise keeps listing this online peer as a seeder of a file it cannot
 *   serve, and downloaders would waste connections on it.
 */
import { entryKey, type ShareLibrary, type ShareRecord } from './library.js';
import type { ServingTable } from './serving-table.js';
import type { ShareFailure, ShareFailureReason, TrackerRequester } from './types.js';

/** What {@link dropShare} works on. */
export interface DropContext {
  lib: ShareLibrary;
  serving: ServingTable;
  link: TrackerRequester;
}

/** Stops serving `r` and updates the library and the tracker as the module comment says. */
export async function dropShare(
  ctx: DropContext,
  r: ShareRecord,
  reason: ShareFailureReason,
  why: { code?: string; message: string },
): Promise<ShareFailure> {
  await ctx.serving.close(r.groupId, r.infoHash);
  const key = entryKey(r.groupId, r.name);
  if (reason === 'missing' || reason === 'refused') ctx.lib.entries.delete(key);
  if (reason === 'changed') ctx.lib.entries.set(key, { ...r, changed: true });
  const onDisk = reason === 'missing' || reason === 'changed' || reason === 'unreadable';
  await Promise.all([ctx.lib.save(), onDisk ? withdraw(ctx, r) : undefined]);
  return { groupId: r.groupId, name: r.name, path: r.path, reason, ...why };
}

/**
 * Stops serving `r` and sends a best-effort `stop_share` for it; a failure (tracker unreachable,
 * share already gone) is ignored: the share cannot be served either way.
 */
export async function withdraw(ctx: Omit<DropContext, 'lib'>, r: ShareRecord): Promise<void> {
  await ctx.serving.close(r.groupId, r.infoHash);
  await ctx.link.request('stop_share', { groupId: r.groupId, name: r.name }).catch(() => undefined);
}
