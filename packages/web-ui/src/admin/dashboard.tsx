/**
 * Everything after login: the cluster, users, groups, shared files and security events, read
 * again every REFRESH_MS and after each change (an admin page is opened now and then: polling
 * is simpler than a live stream and costs the tracker little).
 */
import { useEffect, useState } from 'preact/hooks';
import { get, messageOf, post } from '../ui/api.js';
import { ClusterTable } from './cluster-table.js';
import { EventList, FileTable, GroupTable } from './lists.js';
import type { ClusterTracker, FileRow, GroupRow, SecurityEvent, UserRow } from './types.js';
import { Users } from './users.js';

const REFRESH_MS = 5_000;

interface State {
  trackers: ClusterTracker[];
  users: UserRow[];
  groups: { total: number; groups: GroupRow[] };
  files: { total: number; files: FileRow[] };
  events: SecurityEvent[];
}

async function load(): Promise<State> {
  const [cluster, users, groups, files, events] = await Promise.all([
    get<{ trackers: ClusterTracker[] }>('/api/cluster'),
    get<{ users: UserRow[] }>('/api/users'),
    get<State['groups']>('/api/groups'),
    get<State['files']>('/api/files'),
    get<{ events: SecurityEvent[] }>('/api/events'),
  ]);
  return { trackers: cluster.trackers, users: users.users, groups, files, events: events.events };
}

export function Dashboard({ onLoggedOut }: { onLoggedOut: () => Promise<void> }) {
  const [state, setState] = useState<State | undefined>(undefined);
  const [error, setError] = useState('');

  const reload = async (): Promise<void> => {
    try {
      setState(await load());
      setError('');
    } catch (err) {
      // A session that ended (tracker restarted, logged out elsewhere) goes back to the login form.
      if ((err as { status?: number }).status === 401) await onLoggedOut();
      else setError(messageOf(err));
    }
  };

  useEffect(() => {
    void reload();
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  const logout = async (): Promise<void> => {
    try {
      await post('/api/logout');
    } finally {
      await onLoggedOut();
    }
  };

  return (
    <div class="admin">
      <header class="top">
        <h1>groupshare tracker admin</h1>
        <span class="who" />
        <button type="button" class="secondary" onClick={() => void reload()}>
          Refresh
        </button>
        <button type="button" class="secondary" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      <main>
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : null}
        {!state ? (
          <p>Loading…</p>
        ) : (
          <>
            <ClusterTable trackers={state.trackers} />
            <Users users={state.users} reload={reload} />
            <GroupTable {...state.groups} />
            <FileTable {...state.files} />
            <EventList events={state.events} />
          </>
        )}
      </main>
    </div>
  );
}
