/**
 * All groups: each a link named by its id (opening its files), with Ask to join or Leave, and
 * the form that creates one.
 */
import { useState } from 'preact/hooks';
import { messageOf, post, seg } from '../ui/api.js';
import { groupHref, openGroup } from './route.js';
import { isOwner, type Group } from './types.js';

export interface GroupsProps {
  groups: Group[];
  me: string | undefined;
  openId: string | undefined;
  reload: () => Promise<void>;
  notify: (text: string) => void;
}

export function Groups({ groups, me, openId, reload, notify }: GroupsProps) {
  const [newId, setNewId] = useState('');
  const [error, setError] = useState('');

  /** Runs `what`; on success notes `done` and reloads the list. Resolves whether it worked. */
  const act = async (what: () => Promise<unknown>, done: string): Promise<boolean> => {
    setError('');
    try {
      await what();
      notify(done);
      await reload();
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    }
  };

  return (
    <nav class="groups card" aria-labelledby="groups-heading">
      <h2 id="groups-heading">Groups</h2>
      {groups.length === 0 ? <p class="muted">No groups yet.</p> : null}
      <ul>
        {groups.map((g) => (
          <li key={g.id} class={g.id === openId ? 'open' : undefined}>
            <a href={groupHref(g.id)} aria-current={g.id === openId ? 'page' : undefined}>
              {g.id}
            </a>
            <span class="muted small">{isOwner(g, me) ? 'owner' : g.member ? 'member' : g.requested ? 'requested' : ''}</span>
            {!g.member && !g.requested ? (
              <button type="button" class="small" onClick={() => void act(() => post(`/api/groups/${seg(g.id)}/join`), `Asked to join ${g.id}`)}>
                Ask to join
              </button>
            ) : null}
            {g.member && !isOwner(g, me) ? (
              <button type="button" class="small secondary" onClick={() => void act(() => post(`/api/groups/${seg(g.id)}/leave`), `Left ${g.id}`)}>
                Leave
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          const id = newId.trim();
          // A new group opens at once: sharing its first file is what comes next.
          void act(() => post('/api/groups', { groupId: id }), `Created group ${id}`).then((ok) => {
            if (!ok) return;
            setNewId('');
            openGroup(id.toLowerCase());
          });
        }}
      >
        <label>
          Group id
          <input name="groupId" required value={newId} onInput={(e) => setNewId(e.currentTarget.value)} />
        </label>
        <button type="submit">Create group</button>
      </form>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
    </nav>
  );
}
