/**
 * One file of a group as a table row whose buttons act on it: its availability strip (online
 * holders per piece, red where only offline members hold a piece), holders, Download (opening
 * the download form in the row below) and Stop sharing when this peer shares it.
 */
import { Fragment } from 'preact';
import { useId, useState } from 'preact/hooks';
import { messageOf, post } from '../ui/api.js';
import { decodeBase64, formatBytes } from '../ui/format.js';
import { Strip } from '../ui/strip.js';
import { availabilityColumns } from '../ui/strip-paint.js';
import type { GroupFile } from './types.js';

export interface FileRowProps {
  groupId: string;
  file: GroupFile;
  downloadsDir: string;
  sharedHere: boolean;
  onStop: () => Promise<void>;
  onStarted: (name: string) => void;
}

/** The availability in words: the strip's accessible name and the row's warning. */
function availabilityText(file: GroupFile, holders: Uint8Array): { label: string; warning: string } {
  const count = holders.length || file.pieceCount;
  let online = 0;
  for (const h of holders) if (h > 0) online++;
  const offlineOnly = file.offlineOnlyPieces ?? 0;
  const label = file.availability === null ? 'Availability unknown (the tracker gave no piece maps)' : `Availability: ${online} of ${count} pieces on online members`;
  const warning = offlineOnly > 0 ? `${offlineOnly} ${offlineOnly === 1 ? 'piece is' : 'pieces are'} held only by offline members` : '';
  return { label, warning };
}

export function FileRow({ groupId, file, downloadsDir, sharedHere, onStop, onStarted }: FileRowProps) {
  const [open, setOpen] = useState(false);
  const [destination, setDestination] = useState(downloadsDir);
  const [error, setError] = useState('');
  const holders = decodeBase64(file.availability);
  const { label, warning } = availabilityText(file, holders);
  // Not built from the name: ids must not carry spaces or quotes from hostile names.
  const formId = useId();

  const start = async (): Promise<void> => {
    setError('');
    try {
      await post('/api/downloads', { groupId, name: file.name, destination });
      setOpen(false);
      onStarted(file.name);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const stop = async (): Promise<void> => {
    setError('');
    try {
      await post(`/api/groups/${encodeURIComponent(groupId)}/files/${encodeURIComponent(file.name)}/stop`);
      await onStop();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <Fragment>
      <tr>
        <th scope="row" class="name">
          {file.name}
        </th>
        <td>{formatBytes(file.size)}</td>
        <td>
          {file.seeders} / {file.peers}
        </td>
        <td class="avail">
          <Strip version={file.availability ?? ''} label={label} columns={(w) => availabilityColumns(w, holders)} />
          {warning ? <p class="warning small">⚠ {warning}</p> : null}
        </td>
        <td class="holders">
          <ul>
            {(file.holders ?? []).map((h) => (
              <li key={h.userId}>
                <span class={h.online ? 'dot online' : 'dot offline'} aria-hidden="true" />
                {h.userId} {Math.round((h.pieces / Math.max(1, file.pieceCount)) * 100)}% ({h.online ? 'online' : 'offline'})
              </li>
            ))}
          </ul>
        </td>
        <td class="row-actions">
          <div class="actions">
            <button type="button" aria-expanded={open} aria-controls={formId} onClick={() => setOpen(!open)}>
              Download
            </button>
            {sharedHere ? (
              <button type="button" class="secondary" onClick={() => void stop()}>
                Stop sharing
              </button>
            ) : null}
            {error ? (
              <p role="alert" class="error small">
                {error}
              </p>
            ) : null}
          </div>
        </td>
      </tr>
      {open ? (
        <tr class="form-row" id={formId}>
          <td colSpan={6}>
            <form
              class="inline"
              aria-label={`Download ${file.name}`}
              onSubmit={(e) => {
                e.preventDefault();
                void start();
              }}
            >
              <label>
                Destination folder
                <input name="destination" required value={destination} onInput={(e) => setDestination(e.currentTarget.value)} />
              </label>
              <button type="submit">Start download</button>
            </form>
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}
