/**
 * "Share a file" from this machine, two ways, the bytes staying on this peer either way: a path
 * picked under one of the folders the user chose (the API's roots), or a browser upload stored
 * into one of those folders and then shared.
 */
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, messageOf, post, postBytes, seg } from '../ui/api.js';
import { formatBytes } from '../ui/format.js';
import { useBusy } from '../ui/use-busy.js';
import type { Entry, Root } from './types.js';

export interface ShareFormProps {
  groupId: string;
  roots: Root[];
  /** Files over this many bytes are refused before sending (the server's 413 still decides). */
  maxUploadBytes?: number | undefined;
  onShared: (name: string) => void;
  onClose: () => void;
}

/** Why `file` cannot be uploaded (over this peer's limit), or '' when it may be. */
function tooBig(file: File, limit: number | undefined): string {
  if (limit === undefined || file.size <= limit) return '';
  return `${file.name} is ${formatBytes(file.size)}, larger than this peer accepts from the web page (${formatBytes(limit)}; see --web-max-upload)`;
}

function joinPath(base: string, rel: string): string {
  if (!rel) return base;
  return `${base.replace(/\/+$/, '')}/${rel}`;
}

export function ShareForm({ groupId, roots, maxUploadBytes, onShared, onClose }: ShareFormProps) {
  const [rootId, setRootId] = useState(roots[0]?.id ?? '');
  const [dir, setDir] = useState('');
  const [entries, setEntries] = useState<Entry[]>([]);
  const [picked, setPicked] = useState('');
  const [file, setFile] = useState<File | undefined>(undefined);
  const [folder, setFolder] = useState('');
  const { busy, error, setError, attempt } = useBusy();
  const root = roots.find((r) => r.id === rootId);

  useEffect(() => {
    if (!rootId) return;
    let cancelled = false;
    get<{ entries: Entry[] }>(`/api/browse?root=${seg(rootId)}&path=${seg(dir)}`)
      .then((r) => !cancelled && setEntries(r.entries))
      .catch((err) => !cancelled && setError(messageOf(err)));
    return () => {
      cancelled = true;
    };
  }, [rootId, dir]);

  const run = (what: () => Promise<{ name: string }>): Promise<void> =>
    attempt(async () => {
      const { name } = await what();
      onShared(name);
    });

  if (roots.length === 0) {
    return (
      <section class="card" aria-label="Share a file">
        <p class="muted">This peer has no shared folders configured, so nothing can be shared from the browser.</p>
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </section>
    );
  }

  const up = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
  return (
    <section class="card share" aria-labelledby="share-heading">
      <h3 id="share-heading">Share a file in {groupId}</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => post<{ name: string }>(`/api/groups/${seg(groupId)}/shares`, { path: picked }));
        }}
      >
        {/* Labelled by `for`, not by wrapping: a wrapping label's name would take in every option. */}
        <div class="field">
          <label for="share-folder">Folder</label>
          <select
            id="share-folder"
            value={rootId}
            onChange={(e) => {
              setRootId(e.currentTarget.value);
              setDir('');
            }}
          >
            {roots.map((r) => (
              <option key={r.id} value={r.id}>
                {r.path}
              </option>
            ))}
          </select>
        </div>
        <div class="browser" role="group" aria-label="Files in this folder">
          <p class="muted small">{joinPath(root?.path ?? '', dir)}</p>
          <ul>
            {dir ? (
              <li>
                <button type="button" class="link" onClick={() => setDir(up)}>
                  .. (up)
                </button>
              </li>
            ) : null}
            {entries.map((en) => (
              <li key={en.name}>
                {/* The hidden verb makes each button's name say what it does, and contains its visible text. */}
                {en.kind === 'dir' ? (
                  <button type="button" class="link" onClick={() => setDir(dir ? `${dir}/${en.name}` : en.name)}>
                    <span class="sr-only">Open folder </span>
                    {en.name}/
                  </button>
                ) : (
                  <Fragment>
                    <button type="button" class="link" onClick={() => setPicked(joinPath(root?.path ?? '', dir ? `${dir}/${en.name}` : en.name))}>
                      <span class="sr-only">Pick </span>
                      {en.name}
                    </button>{' '}
                    <span class="muted small">{en.size === undefined ? '' : formatBytes(en.size)}</span>
                  </Fragment>
                )}
              </li>
            ))}
          </ul>
        </div>
        <label>
          Path
          <input name="path" required value={picked} onInput={(e) => setPicked(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Share
        </button>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!file) return;
          const over = tooBig(file, maxUploadBytes);
          if (over) {
            setError(over);
            return;
          }
          const into = joinPath(root?.path ?? '', folder.trim().replace(/^\/+/, ''));
          const url = `/api/groups/${seg(groupId)}/uploads?folder=${seg(into)}&name=${seg(file.name)}`;
          void run(() => postBytes<{ name: string }>(url, file));
        }}
      >
        <h4>Or upload from this browser</h4>
        <p class="muted small">The file is stored in the folder above ({root?.path ?? ''}) and shared from there.</p>
        <label>
          File to upload
          <input
            name="upload"
            type="file"
            required
            onChange={(e) => {
              const chosen = e.currentTarget.files?.[0];
              setFile(chosen);
              // Said at once, not after the bytes are sent and refused.
              setError(chosen ? tooBig(chosen, maxUploadBytes) : '');
            }}
          />
        </label>
        {maxUploadBytes !== undefined ? <p class="muted small">At most {formatBytes(maxUploadBytes)} per file.</p> : null}
        <label>
          Subfolder
          <input name="folder" value={folder} placeholder="(the folder itself)" onInput={(e) => setFolder(e.currentTarget.value)} />
        </label>
        <div class="actions">
          <button type="submit" disabled={busy || !file}>
            Upload and share
          </button>
          <button type="button" class="secondary" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
      {busy ? <p role="status">Working…</p> : null}
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
    </section>
  );
}
