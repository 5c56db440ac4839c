import type { DownloadProgress, ServedFileRow } from '@groupshare/engine';
import { describe, expect, it } from 'vitest';
import { downloadLine, humanDuration, humanRate, renderServedFiles, statusLine, type DownloadView, type ProgressView } from './render-transfers.js';

const MiB = 1024 * 1024;
const RUNNING: DownloadProgress = {
  verified: 520, total: 1152, peers: 3, phase: 'downloading',
  bytesDone: 144 * MiB, bytesTotal: 288 * MiB, bytesPerSecond: 12.1 * MiB, uploadBytesPerSecond: 3 * MiB,
};

function view(p: Partial<ProgressView>, extra: Partial<DownloadView> = {}, name = 'big.iso'): DownloadView {
  return { groupId: 'lab', name, download: { state: 'downloading', progress: () => ({ ...RUNNING, ...p }) }, ...extra };
}

describe('show_downloads lines', () => {
  it('say what aria2c and qBittorrent say, after the [D] [group] file start', () => {
    expect(downloadLine(view({}))).toBe('[D] [lab] big.iso  50%  144 MiB/288 MiB  down 12.1 MiB/s  up 3.0 MiB/s  ETA 12s  3 peers');
    expect(downloadLine(view({ bytesPerSecond: 0, peers: 1 }))).toBe('[D] [lab] big.iso  50%  144 MiB/288 MiB  down 0 B/s  up 3.0 MiB/s  ETA -  1 peer');
  });

  it('show the whole-file check as its own state, and complete, failed, stalled and paused downloads', () => {
    expect(downloadLine(view({ phase: 'checking', bytesDone: 288 * MiB }))).toBe('[D] [lab] big.iso  100%  checking SHA-1 of the whole file');
    expect(downloadLine(view({ phase: 'seeding' }, { outcome: { path: '/home/ann/big.iso' } }))).toBe('[C] [lab] big.iso  100%  288 MiB  up 3.0 MiB/s  /home/ann/big.iso');
    expect(downloadLine(view({}, { outcome: { failed: 'the file changed' } }))).toBe('[F] [lab] big.iso  failed: the file changed');
    expect(downloadLine(view({ stalled: { reason: 'no online member has 3 of its pieces', since: 0 } }))).toBe('[F] [lab] big.iso  50%  no online member has 3 of its pieces (waiting; resumes when one comes online)');
    expect(downloadLine(view({}, { download: { state: 'stopped', progress: () => RUNNING } }))).toBe('[D] [lab] big.iso  50%  144 MiB/288 MiB  paused (resumes from disk with download_file)');
  });

  it('escape names from the network', () => {
    expect(downloadLine(view({ phase: 'checking' }, { groupId: 'l\u001bab' }))).toBe('[D] [l\\x1bab] big.iso  100%  checking SHA-1 of the whole file');
  });
});

describe('the live status line', () => {
  it('follows one download, sums several, and is absent when none runs', () => {
    expect(statusLine([view({})])).toBe('[big.iso 50% 144 MiB/288 MiB down 12.1 MiB/s up 3.0 MiB/s ETA 12s 3 peers]');
    expect(statusLine([view({ phase: 'checking' })])).toBe('[big.iso checking SHA-1]');
    expect(statusLine([view({}), view({ bytesDone: 0, bytesTotal: 32 * MiB, bytesPerSecond: 0 }, {}, 'b.bin'), view({}, { outcome: { path: '/x' } })])).toBe(
      '[2 downloads 45% 144 MiB/320 MiB down 12.1 MiB/s up 6.0 MiB/s ETA 15s]',
    );
    expect(statusLine([view({}, { outcome: { path: '/x' } }), view({ stalled: { reason: 'stuck', since: 0 } })])).toBeUndefined();
  });
});

describe('units', () => {
  it('rates keep one decimal; durations show their two largest units', () => {
    expect([0, 512, 1536, 12.1 * MiB, 1.5 * 1024 * MiB].map(humanRate)).toEqual(['0 B/s', '512 B/s', '1.5 KiB/s', '12.1 MiB/s', '1.5 GiB/s']);
    expect([0, 12.2, 185, 7_440, 450_000].map(humanDuration)).toEqual(['0s', '13s', '3m05s', '2h04m', '5d05h']);
  });
});

describe('list_shares', () => {
  it('lists shares and downloads with pieces, uploads this session and peers', () => {
    const rows: ServedFileRow[] = [
      { groupId: 'lab', name: 'big.iso', kind: 'share', size: 288 * MiB, piecesHave: 1152, piecesTotal: 1152, uploadedBytes: 1.5 * 1024 * MiB, peers: 3 },
      { groupId: 'lab', name: 'notes.bin', kind: 'download', size: 2 * MiB, piecesHave: 4, piecesTotal: 8, uploadedBytes: 0, peers: 1 },
    ];
    expect(renderServedFiles(rows).split('\n')).toEqual([
      'group  file          size     pieces  uploaded  peers  from',
      'lab    big.iso    288 MiB  1152/1152   1.5 GiB      3  shared',
      'lab    notes.bin    2 MiB        4/8       0 B      1  download (partial)',
    ]);
    expect(renderServedFiles([])).toMatch(/^not serving anything/);
  });
});
