/**
 * LAN discovery as a logged-in peer runs it: a fresh announce key per login, credentials from
 * the trackers (`lan_credentials`), and a {@link LanDiscovery} announcing what the peer serves.
 * Credentials are asked for again when the user may have joined a group (the peer serves a file
 * in a group it holds no key for, or `refresh()` is called on a push), when a group's key moved to
 * a new epoch (`refresh()` on the `lan_key_changed` push), and every few hours, long before they
 * expire. Failing to reach the trackers for them keeps the ones held.
 */
import type { KeyObject } from 'node:crypto';
import type { Result } from '@groupshare/protocol';
import type { CertificateCredential } from '../peer/certificate-admission.js';
import { LanDiscovery, type LanCredentials, type ServedFile } from './lan-discovery.js';
import type { LanTransportOptions } from './lan-transport.js';
import { newMemberKey, type MemberKeyPair } from './member-key.js';
import type { LanCatalogFile, LanPeer } from './peer-table.js';

/** The tracker request LAN discovery makes; `TrackerLink` satisfies it. */
export interface LanRequester {
  request(type: 'lan_credentials', fields: { memberKey: string }): Promise<Result<'lan_credentials'>>;
}

/** How a peer runs LAN discovery (`PeerNodeInit.lan`). */
export interface LanOptions {
  link: LanRequester;
  transport: LanTransportOptions;
  intervalMs?: number;
  debounceMs?: number;
}

export type { ServedFile };

const RENEW_MS = 6 * 3600 * 1000;

export class LanSession {
  private readonly key: MemberKeyPair = newMemberKey();
  private readonly discovery: LanDiscovery;
  private credentials: LanCredentials | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  /** A refresh asked for while one was under way (which may have been answered before the change). */
  private queued: Promise<void> | undefined;

  constructor(
    private readonly options: LanOptions,
    private readonly init: { userId: string; ticketKey: KeyObject; peerPort: number; served: () => ServedFile[]; onOffer: (offer: { groupId: string; infoHash: string; address: string }) => void },
  ) {
    this.discovery = new LanDiscovery({
      transport: options.transport,
      ticketKey: init.ticketKey,
      peerPort: init.peerPort,
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
    });
    this.discovery.on('offer', (o) => init.onOffer(o));
  }

  /** Gets credentials and starts announcing; throws (a tracker error, LanInterfaceError, LanSocketError). */
  async start(): Promise<void> {
    this.credentials = await this.fetch();
    await this.discovery.start(this.credentials, this.init.served());
    this.renewTimer = setInterval(() => void this.refresh(), RENEW_MS);
    this.renewTimer.unref();
  }

  /**
   * Asks for credentials again (after joining or creating a group, or a group's new key epoch);
   * keeps the old ones on failure. Asked while a request is under way, it asks once more after
   * it: that answer may predate the change that prompted this call.
   */
  refresh(): Promise<void> {
    if (this.refreshing !== undefined) {
      this.queued ??= this.refreshing.then(() => {
        this.queued = undefined;
        return this.refresh();
      });
      return this.queued;
    }
    this.refreshing = this.fetch()
      .then((c) => {
        this.credentials = c;
        this.discovery.setCredentials(c);
        this.servedChanged(true);
      })
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** What the peer serves changed: announced shortly (and credentials fetched for a new group). */
  servedChanged(force = false): void {
    const served = this.init.served();
    const known = new Set(this.credentials?.groups.map((g) => g.groupId));
    if (!force && served.some((s) => !known.has(s.groupId))) void this.refresh();
    this.discovery.setServed(served);
  }

  /**
   * Whether a member certificate of `groupId` issued at key epoch `epoch` is current for this
   * member: not older than the group key it holds (see {@link LanDiscovery.isCurrentEpoch}).
   */
  isCurrentEpoch(groupId: string, epoch: number): boolean {
    return this.discovery.isCurrentEpoch(groupId, epoch);
  }

  peers(): LanPeer[] {
    return this.discovery.peers();
  }

  catalog(groupId: string): LanCatalogFile[] {
    return this.discovery.catalog(groupId);
  }

  peersFor(groupId: string, infoHash: string): string[] {
    return this.discovery.peersFor(groupId, infoHash);
  }

  /**
   * Our member certificate for `groupId` and the key it names, to be admitted by LAN peers with
   * no tracker reachable (peer/certificate-admission.ts); undefined without one, or expired.
   */
  certificate(groupId: string): CertificateCredential | undefined {
    const c = this.credentials;
    const group = c?.groups.find((g) => g.groupId === groupId);
    if (c === undefined || group === undefined || c.expiresAt <= Date.now()) return undefined;
    return { certificate: group.certificate, privateKey: c.memberKey.privateKey };
  }

  /** Interfaces announced on and datagrams sent on each. */
  get sent(): ReadonlyMap<string, number> {
    return this.discovery.sent;
  }

  /** The port announces are received on. */
  get port(): number {
    return this.discovery.port;
  }

  async stop(): Promise<void> {
    clearInterval(this.renewTimer);
    await this.discovery.stop();
  }

  private async fetch(): Promise<LanCredentials> {
    const r = await this.options.link.request('lan_credentials', { memberKey: this.key.publicKey });
    return { userId: this.init.userId, memberKey: this.key, groups: r.groups, expiresAt: Date.parse(r.expiresAt) };
  }
}
