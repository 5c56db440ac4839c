/**
 * Folder sync in words, the same for every front: a folder's state (`up to date`, `syncing 3
 * files (hashing big.iso: 40%)`, `1 conflict`, …) and what a folder did on its own (a file
 * received, a conflict, a path skipped). The shell prints them (with `[S]` and `[sync]`
 * prefixes), the web API sends them as each folder's `summary` and recent events.
 */
import type { SyncBinding, SyncEvent, SyncStatus } from '@groupshare/engine';

import { safeText } from '../render.js';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * One folder's state: `scanning the folder`, `syncing 3 files (hashing big.iso: 40%)` or
 * `up to date`, then conflicts and polling if any.
 */
export function syncState(s: SyncStatus): string {
  const hashing = s.hashing === undefined ? '' : ` (hashing ${safeText(s.hashing.path)}: ${s.hashing.percent}%)`;
  const syncing = s.syncing > 0 ? `syncing ${plural(s.syncing, 'file')}${hashing}` : 'up to date';
  const parts = [s.scanning ? 'scanning the folder' : syncing];
  if (s.conflicts > 0) parts.push(plural(s.conflicts, 'conflict'));
  if (s.watch === 'polling') parts.push('polling (out of file watches)');
  return parts.join(', ');
}

/**
 * What a synced folder did, as a sentence without the group (the shell puts `[sync] [<group>]`
 * before it); `warn` for what needs the user's attention. Undefined for nothing worth telling.
 */
export function describeSyncEvent(e: SyncEvent, b: SyncBinding): { text: string; warn: boolean } | undefined {
  switch (e.kind) {
    case 'fetched': {
      const how = e.local ? ' (copied from this folder: same content)' : '';
      const kept = e.kept === undefined ? '' : `; the replaced version is kept as ${safeText(e.kept)}`;
      return { text: `${safeText(e.path)}: ${e.kept === undefined ? 'received' : 'updated'}${how}${kept}`, warn: false };
    }
    case 'deleted':
      return { text: `${safeText(e.path)}: deleted by another member${e.kept === undefined ? '' : `; kept as ${safeText(e.kept)}`}`, warn: false };
    case 'conflict':
      return { text: `${safeText(e.path)} was changed here and by another member at once: both kept, one as ${safeText(e.copy)}`, warn: true };
    case 'skipped':
      return { text: `not syncing ${safeText(e.path)}: it ${safeText(e.reason)}`, warn: true };
    case 'polling':
      return { text: `${safeText(b.dir)}: ${safeText(e.reason)}`, warn: true };
    case 'error':
      return { text: `${e.path === undefined ? safeText(b.dir) : safeText(e.path)}: ${safeText(e.message)}`, warn: true };
    case 'idle':
      return undefined;
  }
}
