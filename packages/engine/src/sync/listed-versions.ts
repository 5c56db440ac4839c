/**
 * The group's files that are versions of synced files, as far as this member believes them. A
 * version name claims an author (docs/sync.md), and any member can share a file under any name:
 * believed are only versions whose claimed author shares them, so that no member can make the
 * others take its bytes as another member's save.
 *
 * Most versions are first shared by their author (the tracker's `sharedBy`). A version another
 * member computed in its author's name (the resolution of a conflict, a conflict copy: each
 * member computes the same one, and whoever gets there first shares it) is believed
 * - by its author, when it carries one of the author's own saves (same time and content; the
 *   author remembers its saves), after which the author holds and shares it;
 * - by the others, once its author is among its holders (`file_info`).
 * Until then it is left out, as if not listed yet.
 */
import type { FileSummary, Result } from '@groupshare/protocol';

import type { RemoteVersion } from './decide.js';
import { saveKey } from './sync-store.js';
import { parseVersionName } from './version-name.js';

/** The tracker requests this needs. */
export interface VersionLister {
  request(type: 'list_files', fields: { groupId: string }): Promise<Result<'list_files'>>;
  request(type: 'file_info', fields: { groupId: string; name: string }): Promise<Result<'file_info'>>;
}

/**
 * The believed versions among `files` of `me.groupId`, for `me.userId` whose own saves are
 * `me.saves` ({@link saveKey}s). `believed` remembers names found held by their author (a name
 * is immutable, so once is enough) and is added to.
 */
export async function listedVersions(
  link: VersionLister,
  me: { groupId: string; userId: string; saves: ReadonlySet<string> },
  files: readonly FileSummary[],
  believed: Set<string>,
): Promise<RemoteVersion[]> {
  const { groupId } = me;
  const out: RemoteVersion[] = [];
  for (const f of files) {
    const v = parseVersionName(f.name);
    if (v === undefined) continue;
    if (v.author === me.userId && f.sharedBy !== me.userId) {
      if (!me.saves.has(saveKey({ time: v.time, sha1: f.sha1 }))) continue; // not a save of mine
    } else if (f.sharedBy !== v.author && !believed.has(f.name)) {
      const info = await link.request('file_info', { groupId, name: f.name }).catch(() => undefined);
      if (!info?.holders.some((h) => h.userId === v.author && h.complete)) continue;
      believed.add(f.name);
    }
    out.push({ ...v, name: f.name, sha1: f.sha1, size: f.size, available: f.available });
  }
  return out;
}
