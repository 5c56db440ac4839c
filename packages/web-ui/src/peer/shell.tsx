/**
 * Everything after login: the header (who, the join-request inbox with its badge, Log out),
 * notices, the groups list, the open group's page, the synced folders, and this peer's
 * downloads and shares.
 */
import { useEffect, useState } from 'preact/hooks';
import { get, messageOf, post } from '../ui/api.js';
import { onEventStatus } from '../ui/events.js';
import { Groups } from './groups.js';
import { GroupView } from './group-view.js';
import { Inbox } from './inbox.js';
import { useLiveData } from './live-data.js';
import { Notices, useNotices } from './notices.js';
import { useRequests } from './requests.js';
import { useOpenGroup } from './route.js';
import { SyncedFolders } from './synced-folders.js';
import { Transfers } from './transfers.js';
import { isOwner, type Root, type Session } from './types.js';

export interface ShellProps {
  session: Session;
  /** `notice`: what the login form should say after this logout (e.g. that no tracker was told). */
  onLoggedOut: (notice?: string) => Promise<void>;
}

/** The shell's own warning when a logout reached no tracker, word for word. */
export const TRACKERS_NOT_TOLD = 'no tracker reachable, so the trackers were not told: the session ends there when it expires';

export function Shell({ session, onLoggedOut }: ShellProps) {
  const me = session.userId;
  const { notices, notify, dismiss } = useNotices();
  const { groups, downloads, shares, synced, reloadGroups, reloadSynced } = useLiveData(notify);
  const { requests, answered } = useRequests(groups, me, (r) => notify(`${r.userId} asks to join ${r.groupId}`));
  const openId = useOpenGroup();
  const [roots, setRoots] = useState<{ roots: Root[]; downloadsDir: string }>({ roots: [], downloadsDir: '' });
  const [live, setLive] = useState(true);
  const [error, setError] = useState('');

  useEffect(() => {
    get<{ roots: Root[]; downloadsDir: string }>('/api/roots')
      .then(setRoots)
      .catch(() => {});
    return onEventStatus(setLive);
  }, []);

  const logout = async (): Promise<void> => {
    try {
      const { trackerTold } = await post<{ trackerTold?: boolean }>('/api/session/logout');
      window.location.hash = '';
      await onLoggedOut(trackerTold === false ? TRACKERS_NOT_TOLD : undefined);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const onAnswered = (r: { groupId: string; userId: string }, accepted: boolean): void => {
    answered(r);
    notify(`${accepted ? 'Accepted' : 'Rejected'} ${r.userId} in ${r.groupId}`);
  };

  const group = openId === undefined ? undefined : groups.find((g) => g.id === openId);
  return (
    <div class="shell">
      <header class="top">
        <h1>groupshare</h1>
        <span class="who">
          {me}
          {session.peer?.address ? <span class="muted small"> · peer {session.peer.address}</span> : null}
        </span>
        {!live ? (
          <span class="warning small" role="status">
            Live updates interrupted; reconnecting…
          </span>
        ) : null}
        <Inbox requests={requests} onAnswered={onAnswered} />
        <button type="button" class="secondary" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      <Notices notices={notices} dismiss={dismiss} />
      <div class="layout">
        <Groups groups={groups} me={me} openId={openId} reload={reloadGroups} notify={notify} />
        <main class="main">
          {openId !== undefined ? (
            <GroupView
              key={openId}
              group={group}
              groupId={openId}
              owner={group ? isOwner(group, me) : false}
              requests={requests}
              roots={roots.roots}
              downloadsDir={roots.downloadsDir}
              maxUploadBytes={session.peer?.maxUploadBytes}
              shares={shares}
              onAnswered={onAnswered}
              notify={notify}
            />
          ) : (
            <section class="card">
              <h2>Welcome, {me}</h2>
              <p class="muted">Pick a group to see its files, or create one.</p>
            </section>
          )}
          <SyncedFolders folders={synced} groups={groups} roots={roots.roots} reload={reloadSynced} notify={notify} />
          <Transfers downloads={downloads} shares={shares} />
        </main>
      </div>
    </div>
  );
}
