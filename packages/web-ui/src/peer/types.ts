/** The peer API's shapes (docs/web-api.md), as far as the page reads them. */

export interface Session {
  loggedIn: boolean;
  userId?: string;
  csrfToken?: string;
  registrationOpen?: boolean;
  peer?: { address?: string; webPort?: number };
}

export interface Group {
  id: string;
  owner: string | boolean;
  memberCount?: number;
  member: boolean;
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
  /** base64, one byte per piece: online holders (capped 255). */
  availability?: string;
  offlineOnlyPieces?: number;
}

export type DownloadState = 'downloading' | 'checking' | 'completed' | 'failed' | 'waiting' | 'cancelled';

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
  peers?: { address: string; userId?: string; bytes: number }[];
  /** base64, one byte per piece: 0 missing, 1 in flight, 2 held. */
  pieces?: string;
}

export interface Share {
  groupId: string;
  name: string;
  path: string;
  size: number;
  serving: boolean;
  uploaded: number;
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

/** Whether `me` owns `g` (the API may send `owner` as the owner's id or as a flag). */
export function isOwner(g: Group, me: string | undefined): boolean {
  return g.owner === true || (typeof g.owner === 'string' && g.owner === me);
}
