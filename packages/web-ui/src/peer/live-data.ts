/**
 * The shell's live data: groups, downloads, shares and synced folders, loaded once and then kept current by the
 * peer's events (downloads merge by id: the `downloads` event carries only changed ones), plus
 * the notices those events deserve (answers to this user's requests, finished or failed
 * downloads, tracker failover).
 */
import { useEffect, useState } from 'preact/hooks';
import { get } from '../ui/api.js';
import { itemsOf, onEvent } from '../ui/events.js';
import type { Download, Group, Share, SyncedFolder } from './types.js';

export interface LiveData {
  groups: Group[];
  downloads: Download[];
  shares: Share[];
  synced: SyncedFolder[];
  reloadGroups: () => Promise<void>;
  reloadSynced: () => void;
}

export function useLiveData(notify: (text: string, kind?: 'info' | 'warning' | 'error') => void): LiveData {
  const [groups, setGroups] = useState<Group[]>([]);
  const [downloads, setDownloads] = useState<Download[]>([]);
  const [shares, setShares] = useState<Share[]>([]);
  const [synced, setSynced] = useState<SyncedFolder[]>([]);

  const reloadGroups = async (): Promise<void> => {
    try {
      setGroups((await get<{ groups: Group[] }>('/api/groups')).groups);
    } catch (err) {
      notify(`Could not load groups: ${(err as Error).message}`, 'error');
    }
  };
  const reloadShares = (): void => {
    get<{ shares: Share[] }>('/api/shares')
      .then((r) => setShares(r.shares))
      .catch(() => {});
  };

  const reloadSynced = (): void => {
    get<{ folders: SyncedFolder[] }>('/api/synced')
      .then((r) => setSynced(r.folders))
      .catch(() => {});
  };

  useEffect(() => {
    void reloadGroups();
    reloadShares();
    reloadSynced();
    get<{ downloads: Download[] }>('/api/downloads')
      .then((r) => setDownloads(r.downloads))
      .catch(() => {});
    const offs = [
      onEvent('groups', () => void reloadGroups()),
      onEvent('shares', reloadShares),
      // The whole list, whenever a folder's state changed.
      onEvent('synced', (data) => setSynced(itemsOf<SyncedFolder>(data, 'folders').filter((f) => typeof f?.dir === 'string'))),
      onEvent('downloads', (data) => {
        const changed = itemsOf<Download>(data, 'downloads').filter((d) => typeof d?.id === 'string');
        const removed = new Set((data as { removed?: unknown }).removed instanceof Array ? ((data as { removed: string[] }).removed) : []);
        setDownloads((list) => {
          const next = list.filter((d) => !removed.has(d.id));
          for (const d of changed) {
            const i = next.findIndex((x) => x.id === d.id);
            const before = i >= 0 ? next[i] : undefined;
            if (before && before.state !== d.state) {
              if (d.state === 'completed') notify(`Downloaded ${d.name} into ${d.destination}`);
              if (d.state === 'failed') notify(`Download of ${d.name} failed${d.reason ? `: ${d.reason}` : ''}`, 'error');
            }
            if (i >= 0) next[i] = { ...before, ...d };
            else next.push(d);
          }
          return next;
        });
      }),
      onEvent('request-answered', (data) => {
        const a = data as { groupId?: string; accepted?: boolean };
        if (typeof a.groupId !== 'string') return;
        notify(a.accepted ? `Your request to join ${a.groupId} was accepted` : `Your request to join ${a.groupId} was rejected`, a.accepted ? 'info' : 'warning');
        void reloadGroups();
      }),
      onEvent('tracker', (data) => {
        const t = data as { state?: string; address?: string };
        const at = t.address ?? '?';
        if (t.state === 'disconnected') notify(`Lost the tracker at ${at}; trying the others`, 'warning');
        else if (t.state === 'failover') notify(`Moved to the tracker at ${at}; still logged in`, 'warning');
        else notify(`Connected to the tracker at ${at}`);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, []);

  return { groups, downloads, shares, synced, reloadGroups, reloadSynced };
}
