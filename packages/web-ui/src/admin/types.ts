/** What the tracker's admin API answers (packages/tracker/src/admin-web/schemas.ts). */

export interface AdminSession {
  loggedIn: boolean;
  csrfToken?: string;
}

export interface ClusterTracker {
  tracker: number;
  address: string;
  self: boolean;
  up: boolean;
  error?: string;
  sync?: string;
  digest?: string;
  digestEqual: boolean | null;
  lastApplied?: Record<string, number>;
  opsBehind: number | null;
  link?: { state: string; caughtUp: boolean; unackedMs: number; lastAckAt: number | null };
  users?: number;
  groups?: number;
  files?: number;
  clients?: number;
}

export interface UserRow {
  userId: string;
  createdAt: string;
  lastLoginAt: string | null;
  groups: string[];
  online: boolean;
}

export interface GroupRow {
  groupId: string;
  ownerId: string;
  members: Array<{ userId: string; joinedAt: string }>;
  requests: number;
  files: number;
}

export interface FileRow {
  groupId: string;
  infoHash: string;
  name: string;
  size: number;
  sharedBy: string;
  seeders: number;
  holders: Array<{ userId: string; complete: boolean; serving: boolean; online: boolean }>;
}

export interface SecurityEvent {
  kind: string;
  at: string;
  count: number;
  message: string;
  ip?: string;
  userId?: string;
  peer?: number;
}

/** A date as the admin reads it: UTC, to the second. */
export function utc(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : 'never';
}
