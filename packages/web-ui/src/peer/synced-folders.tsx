/**
 * "Synced folders": every folder this user keeps in sync with a group, live from the peer's
 * `synced` events: its state in the shell's words (up to date, scanning, syncing N files with
 * the file being hashed, conflicts), the conflict copies by name (highlighted), the last error
 * and what it did lately; "Sync a folder" binds one, "Unsync" asks before ending a binding.
 */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { post } from '../ui/api.js';
import { useBusy } from '../ui/use-busy.js';
import { ConfirmRow } from '../ui/confirm-row.js';
import { SyncForm } from './sync-form.js';
import type { Group, Root, SyncedFolder } from './types.js';

export interface SyncedFoldersProps {
  folders: SyncedFolder[];
  groups: Group[];
  roots: Root[];
  reload: () => void;
  notify: (text: string) => void;
}

const time = (iso: string): string => new Date(iso).toLocaleTimeString();

function SyncedRow({ f, reload, notify }: { f: SyncedFolder; reload: () => void; notify: (text: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, attempt } = useBusy();
  const unsync = (): Promise<void> =>
    attempt(async () => {
      await post('/api/synced/unsync', { groupId: f.groupId, path: f.dir });
      setConfirming(false);
      notify(`Stopped syncing ${f.dir} with ${f.groupId}; its files stay there`);
      reload();
    });

  return (
    <Fragment>
      <tr data-state={f.state}>
        <th scope="row" class="name">
          {f.dir}
          {f.mirrorDeletes ? <span class="muted small block">mirrors deletions</span> : null}
        </th>
        <td>{f.groupId}</td>
        <td class={`state ${f.state}${f.conflicts > 0 ? ' has-conflicts' : ''}`}>
          <span class="block">{f.summary}</span>
          {f.conflicts > 0 ? (
            <div class="conflicts" role="group" aria-label={`Conflicts in ${f.dir}`}>
              <span class="small">Conflict copies (both versions kept):</span>
              <ul>
                {f.conflictCopies.map((c) => (
                  <li key={c} class="name">
                    {c}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {f.lastError ? (
            <span class="error small block">
              Last error at {time(f.lastError.at)}: {f.lastError.path ? `${f.lastError.path}: ` : ''}
              {f.lastError.message}
            </span>
          ) : null}
        </td>
        <td>{f.files}</td>
        <td class="small">
          <ul>
            {f.events.slice(0, 3).map((e) => (
              <li key={`${e.at}\u0000${e.text}`} class={e.warn ? 'warning' : undefined}>
                {time(e.at)} {e.text}
              </li>
            ))}
          </ul>
        </td>
        <td class="row-actions">
          {f.insideRoots ? (
            <button type="button" aria-expanded={confirming} onClick={() => setConfirming(!confirming)}>
              Unsync
            </button>
          ) : (
            <span class="muted small">synced from the shell, outside this page's folders</span>
          )}
        </td>
      </tr>
      {confirming ? (
        <ConfirmRow colSpan={6} label={`Unsync ${f.dir}`} confirm="Stop syncing" onConfirm={() => void unsync()} keep="Keep syncing" onKeep={() => setConfirming(false)} busy={busy} error={error}>
          <p>Stop syncing {f.dir} with {f.groupId}? Its files stay in the folder and are no longer shared.</p>
        </ConfirmRow>
      ) : null}
    </Fragment>
  );
}

export function SyncedFolders({ folders, groups, roots, reload, notify }: SyncedFoldersProps) {
  const [adding, setAdding] = useState(false);
  return (
    <section class="card synced" aria-labelledby="synced-heading">
      <div class="row-head">
        <h2 id="synced-heading">Synced folders</h2>
        <button type="button" aria-expanded={adding} onClick={() => setAdding(!adding)}>
          Sync a folder
        </button>
      </div>
      {adding ? (
        <SyncForm
          groups={groups}
          roots={roots}
          onClose={() => setAdding(false)}
          onSynced={(b) => {
            setAdding(false);
            notify(`Syncing ${b.dir} with ${b.groupId}`);
            reload();
          }}
        />
      ) : null}
      {folders.length === 0 ? (
        <p class="muted">No folders synced. A synced folder gets every file the group's other synced folders hold, and shares its own.</p>
      ) : (
        <div class="scroll">
          <table class="synced">
            <caption class="sr-only">Synced folders</caption>
            <thead>
              <tr>
                <th scope="col">Folder</th>
                <th scope="col">Group</th>
                <th scope="col">State</th>
                <th scope="col">Files</th>
                <th scope="col">Lately</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {folders.map((f) => (
                <SyncedRow key={`${f.groupId}\u0000${f.dir}`} f={f} reload={reload} notify={notify} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
