/**
 * Who was heard on the LAN lately (what `lan_peers` shows): per peer address and user, the files
 * it announced in each group and when it was last heard. A peer not heard for `ttlMs` (three
 * announce intervals by default) is forgotten.
 */
import type { OpenedSection } from './announce-packet.js';

/** One peer as `lan_peers` lists it. */
export interface LanPeer {
  /** `host:port` of its peer server: the announce's source address and announced port. */
  address: string;
  userId: string;
  /** Files announced, all groups together (a file shared in two groups counts once). */
  files: number;
  /** Groups it announced that we are in too. */
  groups: string[];
  /** When it was last heard, ms since the epoch. */
  lastSeen: number;
}

interface Entry {
  address: string;
  userId: string;
  groups: Map<string, Set<string>>;
  lastSeen: number;
}

export class LanPeerTable {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ttlMs = 190_000) {}

  /**
   * Records an accepted announce from `host`. Returns the (group, info-hash) pairs it offers that
   * were not known from this peer before, and whether the peer itself is new.
   */
  heard(host: string, sections: readonly OpenedSection[], nowMs: number): { newPeer: boolean; newFiles: Array<{ address: string; groupId: string; infoHash: string }> } {
    this.expire(nowMs);
    const newFiles: Array<{ address: string; groupId: string; infoHash: string }> = [];
    let newPeer = false;
    for (const s of sections) {
      const address = host.includes(':') ? `[${host}]:${s.port}` : `${host}:${s.port}`;
      const key = `${s.userId}\n${address}`;
      let entry = this.entries.get(key);
      if (entry === undefined) {
        this.entries.set(key, (entry = { address, userId: s.userId, groups: new Map(), lastSeen: nowMs }));
        newPeer = true;
      }
      entry.lastSeen = nowMs;
      const before = entry.groups.get(s.groupId) ?? new Set<string>();
      for (const f of s.files) if (!before.has(f)) newFiles.push({ address, groupId: s.groupId, infoHash: f });
      entry.groups.set(s.groupId, new Set(s.files));
    }
    return { newPeer, newFiles };
  }

  /** Addresses of peers announcing `infoHash` in `groupId`, most recently heard first. */
  peersFor(groupId: string, infoHash: string, nowMs: number): string[] {
    this.expire(nowMs);
    return [...this.entries.values()]
      .filter((e) => e.groups.get(groupId)?.has(infoHash) === true)
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .map((e) => e.address);
  }

  list(nowMs: number): LanPeer[] {
    this.expire(nowMs);
    return [...this.entries.values()]
      .map((e) => ({
        address: e.address,
        userId: e.userId,
        files: new Set([...e.groups.values()].flatMap((s) => [...s])).size,
        groups: [...e.groups.keys()].sort(),
        lastSeen: e.lastSeen,
      }))
      .sort((a, b) => a.userId.localeCompare(b.userId) || a.address.localeCompare(b.address));
  }

  clear(): void {
    this.entries.clear();
  }

  private expire(nowMs: number): void {
    for (const [key, e] of this.entries) if (nowMs - e.lastSeen > this.ttlMs) this.entries.delete(key);
  }
}
