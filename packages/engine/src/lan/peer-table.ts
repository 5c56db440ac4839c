/**
 * Who was heard on the LAN lately (what `lan_peers` shows): per peer address and user, the files
 * it announced in each group (and under which key epoch of the group) and when it was last heard.
 * A peer not heard for `ttlMs` (three announce intervals by default) is forgotten, and so is what
 * was heard under a group key this member no longer holds ({@link LanPeerTable.keepOnly}).
 */
import type { AnnouncedFile, OpenedSection } from './announce-packet.js';

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

/** A file of a group's LAN catalog: what members announce, with who holds it. */
export interface LanCatalogFile extends AnnouncedFile {
  /** User ids of the members announcing it, sorted. */
  holders: string[];
}

interface Entry {
  address: string;
  /** Whether `address` is IPv4 (preferred: heard over both families, a peer is listed once). */
  v4: boolean;
  userId: string;
  /** Group id → the key epoch it was heard under and its files (info-hash → file). */
  groups: Map<string, { epoch: number; files: Map<string, AnnouncedFile> }>;
  lastSeen: number;
}

export class LanPeerTable {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ttlMs = 190_000) {}

  /**
   * Records an accepted announce from `host`. Returns the (group, info-hash) pairs it offers that
   * were not known from this peer before, and whether the peer itself is new: never heard, or
   * heard for the first time in one of the groups or under a group's new key epoch (either way it
   * may not have heard us under that key yet, so it is answered). A peer is one announce key (one
   * login of one member): heard over IPv4 and IPv6 it is one row, at its IPv4 address; a new IPv4
   * address (a DHCP change) replaces the old one.
   */
  heard(host: string, sections: readonly OpenedSection[], nowMs: number): { newPeer: boolean; newFiles: Array<{ address: string; groupId: string; infoHash: string }> } {
    this.expire(nowMs);
    const newFiles: Array<{ address: string; groupId: string; infoHash: string }> = [];
    let newPeer = false;
    for (const s of sections) {
      const v4 = !host.includes(':');
      const address = v4 ? `${host}:${s.port}` : `[${host}]:${s.port}`;
      let entry = this.entries.get(s.memberKey);
      if (entry === undefined) {
        // The same member at the same address with a new key logged in again: one row.
        for (const [k, e] of this.entries) if (e.userId === s.userId && e.address === address) this.entries.delete(k);
        this.entries.set(s.memberKey, (entry = { address, v4, userId: s.userId, groups: new Map(), lastSeen: nowMs }));
        newPeer = true;
      } else if (entry.address !== address && (v4 || !entry.v4)) {
        entry.address = address;
        entry.v4 = v4;
      }
      entry.lastSeen = nowMs;
      const heardBefore = entry.groups.get(s.groupId);
      if (heardBefore?.epoch !== s.epoch) newPeer = true;
      const before = heardBefore?.files ?? new Map<string, AnnouncedFile>();
      for (const f of s.files) if (!before.has(f.infoHash)) newFiles.push({ address: entry.address, groupId: s.groupId, infoHash: f.infoHash });
      entry.groups.set(s.groupId, { epoch: s.epoch, files: new Map(s.files.map((f) => [f.infoHash, f])) });
    }
    return { newPeer, newFiles };
  }

  /** Addresses of peers announcing `infoHash` in `groupId`, most recently heard first. */
  peersFor(groupId: string, infoHash: string, nowMs: number): string[] {
    this.expire(nowMs);
    return [...this.entries.values()]
      .filter((e) => e.groups.get(groupId)?.files.has(infoHash) === true)
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .map((e) => e.address);
  }

  list(nowMs: number): LanPeer[] {
    this.expire(nowMs);
    return [...this.entries.values()]
      .map((e) => ({
        address: e.address,
        userId: e.userId,
        files: new Set([...e.groups.values()].flatMap((g) => [...g.files.keys()])).size,
        groups: [...e.groups.keys()].sort(),
        lastSeen: e.lastSeen,
      }))
      .sort((a, b) => a.userId.localeCompare(b.userId) || a.address.localeCompare(b.address));
  }

  /**
   * The LAN catalog of `groupId`: every file its members heard lately announce, by name. Members
   * announcing one info-hash under different names (a rename raced) give one row per name.
   */
  catalog(groupId: string, nowMs: number): LanCatalogFile[] {
    this.expire(nowMs);
    const rows = new Map<string, LanCatalogFile>();
    for (const e of this.entries.values()) {
      for (const f of e.groups.get(groupId)?.files.values() ?? []) {
        const key = `${f.name}\n${f.infoHash}`;
        const row = rows.get(key) ?? { ...f, holders: [] };
        if (!row.holders.includes(e.userId)) row.holders.push(e.userId);
        rows.set(key, row);
      }
    }
    return [...rows.values()].map((r) => ({ ...r, holders: r.holders.sort() })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Forgets what was heard in groups this member holds no key for any more (it left), or under
   * an older key epoch than the one it holds (a member left since, and may be the one heard):
   * `epochs` maps each group held to its current epoch. A peer left with no group is dropped.
   */
  keepOnly(epochs: ReadonlyMap<string, number>): void {
    for (const [key, e] of this.entries) {
      for (const [groupId, g] of e.groups) if (epochs.get(groupId) !== g.epoch) e.groups.delete(groupId);
      if (e.groups.size === 0) this.entries.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  private expire(nowMs: number): void {
    for (const [key, e] of this.entries) if (nowMs - e.lastSeen > this.ttlMs) this.entries.delete(key);
  }
}
