/**
 * Cancelling a download (`PeerNode.cancelDownload`): unlike logout or exit, which stop a
 * download to resume it at the next login, a cancelled download is over. It is stopped (its
 * store flushed and closed), dropped from this session's list and from the remembered list (not
 * resumed at the next login), and its piece map is withdrawn from the tracker (`stop_share`), so
 * other members stop being sent to this peer for it. Then, with the download's files closed and
 * their size final, the caller decides whether its partial data goes (`partial-files.ts`): the
 * shell asks the user, with the real size, or follows `--delete` / `--keep`.
 *
 * A complete download is refused: there is nothing to cancel, and its file is never deleted.
 */
import type { Result } from '@groupshare/protocol';

import type { DownloadEntry } from '../peer-node.js';
import { goneOnTracker } from '../share/records.js';
import type { RequestFields } from '../tracker-link/index.js';
import type { RememberedDownload } from './download-list.js';
import { DownloadCompleteError, NoSuchDownloadError } from './errors.js';
import { partialData, removePartialData, type PartialData } from './partial-files.js';

/** What cancelling needs from the peer node. */
export interface CancelContext {
  /** This session's downloads; cancelled entries are removed from it. */
  entries: DownloadEntry[];
  /** The logged-in user's remembered downloads. */
  remembered(): Promise<RememberedDownload[]>;
  /** Drops one from the remembered list. */
  forget(d: RememberedDownload): Promise<void>;
  link: { request(type: 'stop_share', fields: RequestFields<'stop_share'>): Promise<Result<'stop_share'>> };
  /** True when the user shares this very file from the share library: that share stays. */
  sharedFromLibrary(groupId: string, name: string): boolean;
}

/** How one destination of the cancelled download ended. */
export interface CancelledDownload {
  groupId: string;
  name: string;
  dir: string;
  /** It was running in this session (else it was only remembered for the next login). */
  wasRunning: boolean;
  /** Its partial data as it was once stopped. */
  partial: PartialData;
  /** The files of `partial` that were deleted (none when kept). */
  deleted: string[];
  /** Why its piece map could not be withdrawn from the tracker, if it could not. */
  trackerProblem?: string;
}

/**
 * Decides, per destination, whether the partial data is deleted; called only when there is
 * some (at least one of the partial, journal and state files exists).
 */
export type PartialDecision = (info: { groupId: string; name: string; partial: PartialData }) => boolean | Promise<boolean>;

/**
 * Cancels every unfinished download of `name` from `groupId` (normally one; one per destination
 * folder otherwise). See the module comment.
 *
 * @throws {NoSuchDownloadError} if none is running or remembered.
 * @throws {DownloadCompleteError} if the only downloads of it are complete.
 */
export async function cancelDownload(ctx: CancelContext, groupId: string, name: string, decide: PartialDecision): Promise<CancelledDownload[]> {
  const same = (d: { groupId: string; name: string }): boolean => d.groupId === groupId && d.name === name;
  const all = ctx.entries.filter(same);
  const complete = (e: DownloadEntry): boolean => e.outcome !== undefined && 'path' in e.outcome;
  // Every piece is in and the whole file is being checked: it completes in a moment (or fails).
  const checking = (e: DownloadEntry): boolean => e.outcome === undefined && e.download.progress().phase !== 'downloading';
  const running = all.filter((e) => !complete(e) && !checking(e));
  const remembered = (await ctx.remembered()).filter((d) => same(d) && !all.some((e) => e.dir === d.dir && (complete(e) || checking(e))));
  if (running.length === 0 && remembered.length === 0) {
    const done = all.find(complete)?.outcome;
    if (done !== undefined && 'path' in done) {
      throw new DownloadCompleteError(`the download of ${name} from ${groupId} is complete (${done.path}); there is nothing to cancel`);
    }
    if (all.some(checking)) {
      throw new DownloadCompleteError(`every piece of ${name} from ${groupId} is here and the whole file is being checked; there is nothing to cancel`);
    }
    throw new NoSuchDownloadError(`no download of ${name} from ${groupId} is running or waiting to resume; show_downloads lists them`);
  }

  // Stop first, so nothing reports pieces to the tracker after the withdrawal below.
  await Promise.all(running.map((e) => e.download.stop()));
  for (const e of running) ctx.entries.splice(ctx.entries.indexOf(e), 1);
  for (const d of remembered) await ctx.forget(d);
  const trackerProblem = await withdraw(ctx, groupId, name);

  const dirs = new Map<string, boolean>();
  for (const e of running) dirs.set(e.dir, true);
  for (const d of remembered) if (!dirs.has(d.dir)) dirs.set(d.dir, false);
  const results: CancelledDownload[] = [];
  for (const [dir, wasRunning] of dirs) {
    const partial = await partialData(dir, name);
    const remove = partial.files.length > 0 && (await decide({ groupId, name, partial }));
    const deleted = remove ? await removePartialData(partial) : [];
    results.push({ groupId, name, dir, wasRunning, partial, deleted, ...(trackerProblem !== undefined ? { trackerProblem } : {}) });
  }
  return results;
}

/**
 * `stop_share` for the file, unless the user shares it from the library. "You are not sharing
 * it" (nothing was verified yet, or the tracker forgot) is success; any other failure is
 * returned as a sentence, the cancel having happened locally anyway.
 */
async function withdraw(ctx: CancelContext, groupId: string, name: string): Promise<string | undefined> {
  if (ctx.sharedFromLibrary(groupId, name)) return undefined;
  try {
    await ctx.link.request('stop_share', { groupId, name });
    return undefined;
  } catch (err) {
    if (goneOnTracker(err)) return undefined;
    return err instanceof Error ? err.message : String(err);
  }
}
