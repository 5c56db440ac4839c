/**
 * LAN discovery for one logged-in member (docs/lan.md): announces which files it serves in each
 * of its groups, and listens for other members doing the same.
 *
 * When: at `start()`, again shortly after what it serves changes (debounced, `debounceMs`), and
 * every `intervalMs` (60 s) otherwise: one datagram per interval per interface and family in the
 * steady state. When it hears a member it did not know, it answers with its own announce (at most
 * once per `replyGapMs`, 1 s), so a member that just started learns of the others at once instead of
 * within a minute.
 *
 * What it believes: only announces that open under one of its group keys and carry a certificate
 * the trackers signed and a signature by that certificate's key, sent within the replay window and
 * never seen before (announce-packet.ts, replay-guard.ts). Everything else is counted and dropped.
 *
 * Key epochs: it holds one key per group, that of the group's current key epoch (the trackers
 * raise it when a membership ends). New credentials with a new epoch replace the old key at once,
 * with no grace: announces sealed under the old key, or certified at an older epoch, are refused
 * from then on, and what was heard under it is forgotten (the member who left may be among those
 * heard). The remaining members lose nothing: each announces within `debounceMs` of taking the new
 * key, and a member heard under a group's new epoch for the first time is answered at once.
 */
import { EventEmitter } from 'node:events';
import { randomBytes, type KeyObject } from 'node:crypto';
import { groupSecret, sealAnnounce, type AnnouncedFile, type GroupSecret } from './announce-packet.js';
import { AnnounceReceiver } from './announce-receiver.js';
import type { LanCatalogFile, LanPeer } from './peer-table.js';
import { LanTransport, type LanTransportOptions } from './lan-transport.js';
import type { MemberKeyPair } from './member-key.js';

/** What `lan_credentials` gave, with the key pair it was asked for. */
export interface LanCredentials {
  userId: string;
  memberKey: MemberKeyPair;
  /** Per group: its key epoch, the key of that epoch and a certificate issued at it. */
  groups: ReadonlyArray<{ groupId: string; epoch: number; groupKey: string; certificate: string }>;
  /** When the certificates expire, ms since the epoch. */
  expiresAt: number;
}

export interface LanDiscoveryInit {
  transport: LanTransportOptions;
  /** The trackers' public key, that signs member certificates. */
  ticketKey: KeyObject;
  /** The port of this peer's server, announced. */
  peerPort: number;
  now?: () => number;
  /** Steady-state announce interval; default 60 s. */
  intervalMs?: number;
  /** Delay between a change of what is served and its announce; default 500 ms. */
  debounceMs?: number;
  /** Least time between two announces made to answer newcomers; default 1 s. */
  replyGapMs?: number;
}

/** A file this member serves, as announced. */
export type ServedFile = AnnouncedFile & { groupId: string };

export interface LanDiscoveryEvents {
  /** A member offers a file (in a group of ours) that it did not offer before. */
  offer: [info: { address: string; groupId: string; infoHash: string }];
}

/** Counters for tests and the status line. */
export interface LanStats {
  announcesSent: number;
  accepted: number;
  rejected: number;
}

export class LanDiscovery extends EventEmitter<LanDiscoveryEvents> {
  private readonly transport: LanTransport;
  private readonly receiver: AnnounceReceiver;
  private readonly now: () => number;
  private credentials: LanCredentials | undefined;
  private secrets: GroupSecret[] = [];
  private served: ServedFile[] = [];
  private servedKey = '';
  private interval: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private lastReply = -Infinity;
  private running = false;
  readonly stats: LanStats = { announcesSent: 0, accepted: 0, rejected: 0 };

  constructor(private readonly init: LanDiscoveryInit) {
    super();
    this.now = init.now ?? Date.now;
    this.receiver = new AnnounceReceiver(init.ticketKey);
    this.transport = new LanTransport(init.transport, (packet, from) => this.receive(packet, from));
  }

  /** Opens the sockets and announces at once; throws LanInterfaceError or LanSocketError. */
  async start(credentials: LanCredentials, served: readonly ServedFile[]): Promise<void> {
    this.setCredentials(credentials);
    this.served = [...served];
    this.servedKey = keyOf(this.served);
    await this.transport.open();
    this.running = true;
    await this.announce();
    this.interval = setInterval(() => void this.announce(), this.init.intervalMs ?? 60_000);
    this.interval.unref();
  }

  /**
   * New credentials (after joining or leaving a group, a group's new key epoch, or renewed before
   * expiry). The keys they replace are dropped at once, with what was heard under them; a new
   * group or epoch is announced shortly.
   */
  setCredentials(credentials: LanCredentials): void {
    const before = epochsKey(this.secrets);
    this.credentials = credentials;
    this.secrets = credentials.groups.map((g) => groupSecret(g.groupId, Buffer.from(g.groupKey, 'base64'), g.epoch));
    this.receiver.table.keepOnly(new Map(this.secrets.map((s) => [s.groupId, s.epoch])));
    // A group joined or re-keyed: its members hear of us now, not at the next interval.
    if (epochsKey(this.secrets) !== before) this.announceSoon(this.init.debounceMs ?? 500);
  }

  /**
   * Whether `epoch` is not older than the key epoch of `groupId` this member holds: what a peer's
   * member certificate must pass to be believed (announces here; admission by certificate may use
   * it too). A newer epoch passes (the trackers signed it after a rotation this member has not
   * heard of yet); a group this member holds no key for never does.
   */
  isCurrentEpoch(groupId: string, epoch: number): boolean {
    const held = this.secrets.find((s) => s.groupId === groupId);
    return held !== undefined && epoch >= held.epoch;
  }

  /** What this member serves now; a change is announced after `debounceMs`. */
  setServed(served: readonly ServedFile[]): void {
    const key = keyOf(served);
    if (key === this.servedKey) return;
    this.served = [...served];
    this.servedKey = key;
    this.announceSoon(this.init.debounceMs ?? 500);
  }

  /** Peers heard lately, for `lan_peers`. */
  peers(): LanPeer[] {
    return this.receiver.table.list(this.now());
  }

  /** The LAN catalog of `groupId`: the files its members on the LAN announce. */
  catalog(groupId: string): LanCatalogFile[] {
    return this.receiver.table.catalog(groupId, this.now());
  }

  /** Addresses of members offering `infoHash` in `groupId` on the LAN. */
  peersFor(groupId: string, infoHash: string): string[] {
    return this.receiver.table.peersFor(groupId, infoHash, this.now());
  }

  /** The local port the announces are received on (the loopback mode binds port 0). */
  get port(): number {
    return this.transport.port;
  }

  /** Interfaces announced on, and how many datagrams went out on each. */
  get sent(): ReadonlyMap<string, number> {
    return this.transport.sent;
  }

  get interfaces(): string[] {
    return this.transport.interfaces;
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.interval);
    clearTimeout(this.debounce);
    this.receiver.table.clear();
    await this.transport.close();
  }

  private announceSoon(delayMs: number): void {
    if (!this.running || this.debounce !== undefined) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.announce();
    }, delayMs);
    this.debounce.unref();
  }

  private async announce(): Promise<void> {
    const c = this.credentials;
    if (!this.running || c === undefined || c.expiresAt <= this.now()) return;
    const groups = this.secrets.map((secret, i) => ({
      secret,
      certificate: (c.groups[i] as { certificate: string }).certificate,
      port: this.init.peerPort,
      files: uniqueFiles(this.served.filter((s) => s.groupId === secret.groupId)),
    }));
    if (groups.length === 0) return;
    const { packet } = sealAnnounce({ nowMs: this.now(), nonce: randomBytes(16), memberKey: c.memberKey.privateKey, groups });
    this.stats.announcesSent++;
    await this.transport.send(packet);
  }

  private receive(packet: Buffer, from: string): void {
    const now = this.now();
    const verdict = this.receiver.receive(packet, from, this.secrets, this.credentials?.memberKey.publicKey, now);
    if (!verdict.accepted) {
      if (verdict.reason !== 'own') this.stats.rejected++;
      return;
    }
    this.stats.accepted++;
    for (const f of verdict.newFiles) this.emit('offer', f);
    if (verdict.newPeer) {
      // Answer soon (spread over 200 ms so members do not all answer at once), but no more
      // often than every `replyGapMs`: newcomers arriving together share one answer.
      const wait = Math.max(Math.floor(Math.random() * 200), this.lastReply + (this.init.replyGapMs ?? 1_000) - now);
      if (this.debounce === undefined) this.lastReply = now + wait;
      this.announceSoon(wait);
    }
  }
}

function epochsKey(secrets: readonly GroupSecret[]): string {
  return secrets.map((s) => `${s.groupId}#${s.epoch}`).join('\n');
}

function keyOf(served: readonly ServedFile[]): string {
  return served.map((s) => `${s.groupId}/${s.infoHash}/${s.name}/${s.size}`).sort().join('\n');
}

/** One entry per info-hash (a file downloaded twice is announced once). */
function uniqueFiles(served: readonly ServedFile[]): AnnouncedFile[] {
  const byHash = new Map<string, AnnouncedFile>();
  for (const s of served) if (!byHash.has(s.infoHash)) byHash.set(s.infoHash, { infoHash: s.infoHash, name: s.name, size: s.size });
  return [...byHash.values()];
}
