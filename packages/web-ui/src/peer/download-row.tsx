/**
 * One download as a table row, live from the peer's events: state (with the failure's reason),
 * %, done/total, rates, ETA, each peer's share, the piece bar, and Cancel with the choice to
 * delete the partial file.
 */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { messageOf, post, seg } from '../ui/api.js';
import { decodeBase64, formatBytes, formatEta, formatRate, percentOf } from '../ui/format.js';
import { Strip } from '../ui/strip.js';
import { ConfirmRow } from '../ui/confirm-row.js';
import { pieceBarColumns } from '../ui/strip-paint.js';
import type { Download } from './types.js';

const ACTIVE = new Set(['downloading', 'checking', 'waiting', 'stopped']);

function pieceSummary(pieces: Uint8Array): string {
  let held = 0;
  let flight = 0;
  for (const p of pieces) {
    if (p === 2) held++;
    else if (p === 1) flight++;
  }
  return `Pieces: ${held} held, ${flight} in flight, ${pieces.length - held - flight} missing`;
}

export function DownloadRow({ d }: { d: Download }) {
  const [confirming, setConfirming] = useState(false);
  const [deletePartial, setDeletePartial] = useState(false);
  const [error, setError] = useState('');
  const pieces = decodeBase64(d.pieces);
  const pct = d.state === 'completed' ? 100 : percentOf(d.done, d.size);
  const peers = d.peers ?? [];
  const peerBytes = peers.reduce((s, p) => s + p.bytes, 0);

  const cancel = async (): Promise<void> => {
    setError('');
    try {
      await post(`/api/downloads/${seg(d.id)}/cancel`, { deletePartial });
      setConfirming(false);
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <Fragment>
      <tr data-state={d.state}>
        <th scope="row" class="name">
          {d.name}
          <span class="muted small block">
            {d.groupId} → {d.destination}
          </span>
        </th>
        <td class={`state ${d.state}`}>
          {d.state}
          {d.state === 'failed' && d.reason ? <span class="block small">{d.reason}</span> : null}
          {(d.state === 'waiting' || d.state === 'stopped') && d.reason ? <span class="block small">{d.reason}</span> : null}
        </td>
        <td>
          <span class="nowrap">
            <progress max={100} value={pct} aria-label={`${d.name} progress`} /> <span class="pct">{pct} %</span>
          </span>
          <span class="block small">
            {formatBytes(d.done)} / {formatBytes(d.size)}
          </span>
        </td>
        <td class="small">
          ↓ {formatRate(d.down)}
          <span class="block">↑ {formatRate(d.up)}</span>
        </td>
        <td>{ACTIVE.has(d.state) ? formatEta(d.etaSeconds) : '–'}</td>
        <td class="small">
          <ul>
            {peers.map((p) => (
              <li key={p.address}>
                {p.address} {peerBytes > 0 ? Math.round((p.bytes / peerBytes) * 100) : 0}%
              </li>
            ))}
          </ul>
        </td>
        <td class="avail">
          <Strip version={d.pieces ?? ''} label={pieceSummary(pieces)} columns={(w) => pieceBarColumns(w, pieces)} />
        </td>
        <td class="row-actions">
          <div class="actions">
            {ACTIVE.has(d.state) ? (
              <button type="button" aria-expanded={confirming} onClick={() => setConfirming(!confirming)}>
                Cancel
              </button>
            ) : null}
          </div>
        </td>
      </tr>
      {confirming ? (
        <ConfirmRow colSpan={8} label={`Cancel ${d.name}`} confirm="Cancel download" onConfirm={() => void cancel()} keep="Keep downloading" onKeep={() => setConfirming(false)} error={error}>
          <label class="check">
            <input type="checkbox" checked={deletePartial} onChange={(e) => setDeletePartial(e.currentTarget.checked)} />
            Delete the partial file
          </label>
        </ConfirmRow>
      ) : null}
    </Fragment>
  );
}
