/**
 * What the web API answers about downloads and files: plain JSON views of the engine's objects
 * and the tracker's answers (docs/web-api.md: DownloadView, FileView), and their JSON schemas.
 */
import type { DownloadEntry } from '@groupshare/engine';
import type { FileSummary, Holder } from '@groupshare/protocol';
import type { PeerService } from '../service/peer-service.js';
import { offlineOnlyPieces, pieceAvailability } from './availability.js';

export interface DownloadView {
  id: string;
  groupId: string;
  name: string;
  destination: string;
  state: 'downloading' | 'checking' | 'completed' | 'failed' | 'waiting' | 'stopped';
  reason?: string;
  size: number;
  done: number;
  pieceCount: number;
  piecesDone: number;
  down: number;
  up: number;
  etaSeconds?: number;
  peers: Array<{ address: string; bytes: number }>;
  pieces: string;
}

/** Stable ids for the downloads of this process (`d1`, `d2`, …). */
export class DownloadIds {
  private readonly ids = new WeakMap<DownloadEntry, string>();
  private next = 1;

  of(entry: DownloadEntry): string {
    let id = this.ids.get(entry);
    if (id === undefined) this.ids.set(entry, (id = `d${this.next++}`));
    return id;
  }
}

export function downloadView(entry: DownloadEntry, id: string): DownloadView {
  const d = entry.download;
  const p = d.progress();
  let state: DownloadView['state'] = 'downloading';
  let reason: string | undefined;
  const outcome = entry.outcome;
  if (outcome !== undefined && 'path' in outcome) state = 'completed';
  else if (outcome !== undefined) [state, reason] = ['failed', outcome.failed];
  else if (d.state === 'stopped' || d.state === 'failed') state = 'stopped';
  else if (p.stalled !== undefined) [state, reason] = ['waiting', p.stalled.reason];
  else if (p.phase === 'checking') state = 'checking';
  else if (p.phase === 'seeding') state = 'completed';
  const down = Math.round(p.bytesPerSecond);
  const left = p.bytesTotal - p.bytesDone;
  return {
    id,
    groupId: entry.groupId,
    name: entry.name,
    destination: entry.dir,
    state,
    ...(reason !== undefined ? { reason } : {}),
    size: p.bytesTotal,
    done: p.bytesDone,
    pieceCount: p.total,
    piecesDone: p.verified,
    down,
    up: Math.round(p.uploadBytesPerSecond),
    ...(state === 'downloading' && down > 0 ? { etaSeconds: Math.ceil(left / down) } : {}),
    peers: [...d.bytesFrom].map(([address, bytes]) => ({ address, bytes })),
    pieces: Buffer.from(d.pieceMap()).toString('base64'),
  };
}

export const downloadViewSchema = {
  type: 'object',
  required: ['id', 'groupId', 'name', 'destination', 'state', 'size', 'done', 'pieceCount', 'piecesDone', 'down', 'up', 'peers', 'pieces'],
  properties: {
    id: { type: 'string' },
    groupId: { type: 'string' },
    name: { type: 'string' },
    destination: { type: 'string' },
    state: { type: 'string', enum: ['downloading', 'checking', 'completed', 'failed', 'waiting', 'stopped'] },
    reason: { type: 'string' },
    size: { type: 'number' },
    done: { type: 'number' },
    pieceCount: { type: 'integer' },
    piecesDone: { type: 'integer' },
    down: { type: 'number', description: 'bytes/s' },
    up: { type: 'number', description: 'bytes/s' },
    etaSeconds: { type: 'number' },
    peers: { type: 'array', items: { type: 'object', required: ['address', 'bytes'], properties: { address: { type: 'string' }, bytes: { type: 'number' } } } },
    pieces: { type: 'string', description: 'base64, one byte per piece: 0 missing, 1 in flight, 2 held' },
  },
} as const;

export interface FileView extends FileSummary {
  peers: number;
  holders: Holder[];
  availability: string | null;
  offlineOnlyPieces: number;
}

/** A group's files with their holders and per-piece availability (one file_info and one get_peers per file). */
export async function fileViews(service: PeerService, groupId: string): Promise<FileView[]> {
  const { files } = await service.listFiles(groupId);
  const ownShares = new Set((service.node?.shares.list() ?? []).filter((s) => s.groupId === groupId).map((s) => s.infoHash));
  return Promise.all(
    files.map(async (file) => {
      const [info, peers] = await Promise.all([
        service.fileInfo(groupId, file.name),
        service.link.request('get_peers', { groupId, infoHash: file.infoHash }).catch(() => undefined),
      ]);
      let availability: string | null = null;
      let offline = 0;
      if (peers !== undefined) {
        const counts = pieceAvailability(
          file.pieceCount,
          peers.peers.map((p) => Buffer.from(p.bitfield, 'base64')),
          ownShares.has(file.infoHash) ? 1 : 0,
        );
        availability = Buffer.from(counts).toString('base64');
        offline = offlineOnlyPieces(counts, info.holders);
      }
      return { ...file, peers: file.partialPeers, holders: info.holders, availability, offlineOnlyPieces: offline };
    }),
  );
}

export const fileViewSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    size: { type: 'number' },
    pieceCount: { type: 'integer' },
    pieceLength: { type: 'integer' },
    sha1: { type: 'string' },
    infoHash: { type: 'string' },
    sharedBy: { type: 'string' },
    sharedAt: { type: 'string' },
    seeders: { type: 'integer' },
    peers: { type: 'integer', description: 'online peers holding part of the file' },
    available: { type: 'boolean' },
    holders: {
      type: 'array',
      items: {
        type: 'object',
        properties: { userId: { type: 'string' }, online: { type: 'boolean' }, pieces: { type: 'integer' }, complete: { type: 'boolean' } },
      },
    },
    availability: { type: ['string', 'null'], description: 'base64, one byte per piece: online holders (capped at 255)' },
    offlineOnlyPieces: { type: 'integer' },
  },
} as const;
