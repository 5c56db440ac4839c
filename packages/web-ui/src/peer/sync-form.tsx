/**
 * "Sync a folder": a group this user is a member of, a folder under one of the folders the peer
 * was given (the API's roots; a missing subfolder is created), and whether deletions are
 * mirrored. The peer confines the path to the roots whatever is typed.
 */
import { useState } from 'preact/hooks';
import { post } from '../ui/api.js';
import { useBusy } from '../ui/use-busy.js';
import type { Group, Root } from './types.js';

export interface SyncFormProps {
  groups: Group[];
  roots: Root[];
  onSynced: (binding: { groupId: string; dir: string }) => void;
  onClose: () => void;
}

export function SyncForm({ groups, roots, onSynced, onClose }: SyncFormProps) {
  const member = groups.filter((g) => g.member);
  const [groupId, setGroupId] = useState(member[0]?.id ?? '');
  const [rootId, setRootId] = useState(roots[0]?.id ?? '');
  const [sub, setSub] = useState('');
  const [mirror, setMirror] = useState(false);
  const { busy, error, attempt } = useBusy();
  const root = roots.find((r) => r.id === rootId);

  if (member.length === 0 || roots.length === 0) {
    return (
      <div class="card inset">
        <p class="muted">{member.length === 0 ? 'Join or create a group first: a folder syncs with a group.' : 'This peer has no folders configured, so none can be synced from the browser.'}</p>
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    );
  }

  const path = `${(root?.path ?? '').replace(/\/+$/, '')}/${sub.trim().replace(/^\/+/, '')}`.replace(/\/+$/, '') || '/';
  return (
    <form
      class="card inset"
      aria-label="Sync a folder"
      onSubmit={(e) => {
        e.preventDefault();
        void attempt(async () => {
          onSynced(await post<{ groupId: string; dir: string }>('/api/synced', { groupId, path, mirrorDeletes: mirror }));
        });
      }}
    >
      {/* Labelled by `for`, not by wrapping: a wrapping label's name would take in every option. */}
      <div class="field">
        <label for="sync-group">Sync with group</label>
        <select id="sync-group" value={groupId} onChange={(e) => setGroupId(e.currentTarget.value)}>
          {member.map((g) => (
            <option key={g.id} value={g.id}>
              {g.id}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="sync-root">In folder</label>
        <select id="sync-root" value={rootId} onChange={(e) => setRootId(e.currentTarget.value)}>
          {roots.map((r) => (
            <option key={r.id} value={r.id}>
              {r.path}
            </option>
          ))}
        </select>
      </div>
      <label>
        Subfolder to sync
        <input name="subfolder" value={sub} placeholder="(the folder itself)" onInput={(e) => setSub(e.currentTarget.value)} />
      </label>
      <p class="muted small">Syncs {path}; a missing folder is created.</p>
      <label class="check">
        <input type="checkbox" checked={mirror} onChange={(e) => setMirror(e.currentTarget.checked)} />
        Mirror deletions (a file deleted here is deleted at the other members too)
      </label>
      <div class="actions">
        <button type="submit" disabled={busy}>
          Sync folder
        </button>
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
    </form>
  );
}
