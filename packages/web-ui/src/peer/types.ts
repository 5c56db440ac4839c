/** The peer API's shapes (docs/web-api.md), as far as the page reads them. */

export interface Session {
  loggedIn: boolean;
  userId?: string;
  csrfToken?: string;
  registrationOpen?: boolean;
  /** maxUploadBytes: the largest file the upload form may send (`--web-max-upload`). */
  peer?: { address?: string; webPort?: number; maxUploadBytes?: number };
}

export interface Group {
  id: string;
  /** The owner's user id. */
  owner: string;
  memberCount?: number;
  member: boolean;
  isOwner?: boolean;
  requested?: boolean;
}

export interface Holder {
  userId: string;
  online: boolean;
  pieces: number;
}

export interface GroupFile {
  name: string;
  size: number;
  pieceCount: number;
  seeders: number;
  peers: number;
  holders?: Holder[];
  /** base64, one byte per piece: online holders (capped 255); null when the tracker has no piece maps for us. */
  availability?: string | null;
  offlineOnlyPieces?: number;
}

export type DownloadState = 'downloading' | 'checking' | 'completed' | 'failed' | 'waiting' | 'stopped';

export interface Download {
  id: string;
  groupId: string;
  name: string;
  destination: string;
  state: DownloadState;
  reason?: string;
  size: number;
  done: number;
  pieceCount: number;
  down: number;
  up: number;
  etaSeconds?: number | null;
  peers?: { address: string; bytes: number }[];
  /** base64, one byte per piece: 0 missing, 1 in flight, 2 held. */
  pieces?: string;
}

export interface Share {
  groupId: string;
  name: string;
  /** What this peer holds: its own upload, a completed download, or a partial one. */
  kind: string;
  size: number;
  piecesHave: number;
  piecesTotal: number;
  uploaded: number;
  peers: number;
}

export interface Root {
  id: string;
  path: string;
}

export interface Entry {
  name: string;
  kind: 'file' | 'dir';
  size?: number;
}

export interface JoinRequest {
  groupId: string;
  userId: string;
}

/** Whether `me` owns `g`. */
export function isOwner(g: Group, me: string | undefined): boolean {
  return g.isOwner ?? g.owner === me;
}

/** Something a synced folder did, in words. */
export interface SyncedEvent {
  at: string;
  kind: string;
  path?: string;
  text: string;
  warn: boolean;
}

/** A folder kept in sync with a group (GET /api/synced, the `synced` event). */
export interface SyncedFolder {
  groupId: string;
  dir: string;
  mirrorDeletes: boolean;
  /** False for a folder bound from the shell outside the roots (the page cannot unbind it). */
  insideRoots: boolean;
  files: number;
  state: 'scanning' | 'syncing' | 'up-to-date';
  syncing: number;
  conflicts: number;
  conflictCopies: string[];
  watch: 'watching' | 'polling';
  /** The state in words: "up to date", "syncing 2 files (hashing a.iso: 40%), 1 conflict". */
  summary: string;
  lastError?: { at: string; path?: string; message: string };
  /** Newest first. */
  events: SyncedEvent[];
}
