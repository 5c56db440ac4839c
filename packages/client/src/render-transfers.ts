/**
 * Transfers as text: the `show_downloads` line of a download, the live status line of the
 * running ones (what aria2c shows under its console), and the `list_shares` table. The line
 * starts `[D] [group] file` (downloading, or checking the whole file), `[C]` (complete) or
 * `[F]` (failed, or stalled with a reason), as the original specification fixed, then what
 * aria2c and qBittorrent show: bytes done of the total, percentage, download and upload rates,
 * time left, peers. Pure: everything comes from the entries' snapshots.
 */
import type { DownloadEntry, DownloadProgress, ServedFileRow } from '@groupshare/engine';

import { humanSize, safeText, table } from './render.js';

/** A progress snapshot; a `stalled` download (no online holder for pieces it lacks) shows as `[F]`. */
export type ProgressView = DownloadProgress;

/** What the lines are made from: a download of this session (a DownloadEntry fits). */
export interface DownloadView {
  groupId: string;
  name: string;
  outcome?: DownloadEntry['outcome'];
  download: { readonly state: string; progress(): ProgressView };
}

/** `12.1 MiB/s`, `3.0 MiB/s`, `512 B/s`: rates keep one decimal from KiB up, so they do not jump. */
export function humanRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 1024) return `${Math.max(0, Math.round(bytesPerSecond) || 0)} B/s`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytesPerSecond / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit] as string}/s`;
}

/** `45s`, `3m05s`, `2h04m`, `5d03h`: the two largest units, as download clients show time left. */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3600) % 24)}h`;
}

/** Floor of done/total in percent (100 only when done), 0 for an empty total. */
function percent(done: number, total: number): number {
  return total <= 0 ? 0 : Math.min(100, Math.floor((100 * done) / total));
}

/** `ETA 12s`, or `ETA -` while nothing arrives. */
function eta(p: DownloadProgress): string {
  const left = p.bytesTotal - p.bytesDone;
  return p.bytesPerSecond >= 1 ? `ETA ${humanDuration(left / p.bytesPerSecond)}` : 'ETA -';
}

function peers(n: number): string {
  return `${n} peer${n === 1 ? '' : 's'}`;
}

/**
 * The `show_downloads` line:
 * `[D] [lab] big.iso  45%  144 MiB/288 MiB  down 12.1 MiB/s  up 3.0 MiB/s  ETA 12s  3 peers`,
 * `[D] [lab] big.iso  100%  checking SHA-1 of the whole file`,
 * `[C] [lab] big.iso  100%  288 MiB  up 3.0 MiB/s  /home/ann/big.iso`,
 * `[F] [lab] big.iso  failed: <why>` or
 * `[F] [lab] big.iso  45%  no online member has 29 of its pieces (waiting; resumes when one comes online)`.
 */
export function downloadLine(entry: DownloadView): string {
  const head = `[${safeText(entry.groupId)}] ${safeText(entry.name)}`;
  const p = entry.download.progress();
  const outcome = entry.outcome;
  if (outcome !== undefined && 'path' in outcome) {
    return `[C] ${head}  100%  ${humanSize(p.bytesTotal)}  up ${humanRate(p.uploadBytesPerSecond)}  ${safeText(outcome.path)}`;
  }
  if (outcome !== undefined) return `[F] ${head}  failed: ${safeText(outcome.failed)}`;
  const pct = percent(p.bytesDone, p.bytesTotal);
  if (p.stalled !== undefined) return `[F] ${head}  ${pct}%  ${safeText(p.stalled.reason)} (waiting; resumes when one comes online)`;
  const amount = `${humanSize(p.bytesDone)}/${humanSize(p.bytesTotal)}`;
  if (entry.download.state === 'stopped') return `[D] ${head}  ${pct}%  ${amount}  paused (resumes from disk with download_file)`;
  if (p.phase === 'checking') return `[D] ${head}  100%  checking SHA-1 of the whole file`;
  const rates = `down ${humanRate(p.bytesPerSecond)}  up ${humanRate(p.uploadBytesPerSecond)}`;
  return `[D] ${head}  ${pct}%  ${amount}  ${rates}  ${eta(p)}  ${peers(p.peers)}`;
}

/** The downloads the live status line follows: running or checking, neither ended nor stalled. */
export function activeDownloads<T extends DownloadView>(entries: readonly T[]): T[] {
  return entries.filter((e) => e.outcome === undefined && e.download.state === 'downloading' && e.download.progress().stalled === undefined);
}

/**
 * The one-line live status of the running downloads, like aria2c's readout:
 * `[big.iso 45% 144 MiB/288 MiB down 12.1 MiB/s up 3.0 MiB/s ETA 12s 3 peers]`, or for several
 * `[3 downloads 38% 1.1 GiB/2.9 GiB down 24.0 MiB/s up 5.0 MiB/s ETA 1m15s]`; undefined when
 * none runs. Checking downloads count as done.
 */
export function statusLine(entries: readonly DownloadView[]): string | undefined {
  const active = activeDownloads(entries);
  const only = active.length === 1 ? active[0] : undefined;
  if (active.length === 0) return undefined;
  const ps = active.map((e) => e.download.progress());
  if (only !== undefined && ps[0]?.phase === 'checking') return `[${safeText(only.name)} checking SHA-1]`;
  const sum = (f: (p: DownloadProgress) => number): number => ps.reduce((s, p) => s + f(p), 0);
  const total: DownloadProgress = {
    verified: sum((p) => p.verified), total: sum((p) => p.total), peers: sum((p) => p.peers), phase: 'downloading',
    bytesDone: sum((p) => p.bytesDone), bytesTotal: sum((p) => p.bytesTotal),
    bytesPerSecond: sum((p) => p.bytesPerSecond), uploadBytesPerSecond: sum((p) => p.uploadBytesPerSecond),
  };
  const what = only !== undefined ? safeText(only.name) : `${active.length} downloads`;
  const amount = `${humanSize(total.bytesDone)}/${humanSize(total.bytesTotal)}`;
  const rates = `down ${humanRate(total.bytesPerSecond)} up ${humanRate(total.uploadBytesPerSecond)}`;
  const tail = only !== undefined ? ` ${peers(total.peers)}` : '';
  return `[${what} ${percent(total.bytesDone, total.bytesTotal)}% ${amount} ${rates} ${eta(total)}${tail}]`;
}

const AS: Record<ServedFileRow['kind'], string> = { share: 'shared', download: 'download' };

/** list_shares: what this peer serves, with this session's uploads and the peers connected now. */
export function renderServedFiles(rows: readonly ServedFileRow[]): string {
  if (rows.length === 0) return 'not serving anything; upload_file shares a file, and downloads are served as they arrive';
  return table(
    [
      { header: 'group' },
      { header: 'file' },
      { header: 'size', align: 'right' },
      { header: 'pieces', align: 'right' },
      { header: 'uploaded', align: 'right' },
      { header: 'peers', align: 'right' },
      { header: 'from' },
    ],
    rows.map((r) => [
      safeText(r.groupId),
      safeText(r.name),
      humanSize(r.size),
      `${r.piecesHave}/${r.piecesTotal}`,
      humanSize(r.uploadedBytes),
      String(r.peers),
      r.kind === 'download' && r.piecesHave < r.piecesTotal ? 'download (partial)' : AS[r.kind],
    ]),
  );
}
