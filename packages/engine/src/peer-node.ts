/**
 * One peer as a user runs it: the peer server on the address given at start, and what it
 * serves. Serving follows the session: `login()` verifies tickets with the key the tracker gave
 * and resumes every share the user had; `logout()` stops serving (shares stay in the library for
 * the next login), and downloads run in the background while logged in. The shell and a future
 * web UI drive this; it prints nothing.
 *
 * Everything the user holds is served again at each login: uploads and completed downloads from
 * the share library (a download joins it when it completes), partial downloads by resuming them
 * (their verified pieces are served as they were). The trackers pause a peer's shares when it
 * logs in or out, so what they advertise is only what this node announced since its login.
 *
 * What an incoming connection is served is found by served-lookup.ts. With every tracker
 * unreachable, `downloadFromLan` starts a download from the LAN catalog (lan/lan-metadata.ts).
 */
import type { Server } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { parseHostPort, ticketPublicKey, type MemberCertificatePayload, type Push } from '@groupshare/protocol';
import { Download } from './download/download.js';
import { cancelDownload, type CancelledDownload, type PartialDecision } from './download/cancel-download.js';
import { DownloadList, type RememberedDownload } from './download/download-list.js';
import type { DownloadInit, TrackerRequester as DownloadTrackerRequester } from './download/types.js';
import { lanMetadata, type LanStart } from './lan/lan-metadata.js';
import { ServedLookup } from './served-lookup.js';
import type { PeerConnection } from './peer/peer-connection.js';
import { remoteName, watchPeer, type PeerEventSink } from './peer/peer-events.js';
import { PeerServer } from './peer/peer-server.js';
import { createPeerId } from './peer/peer-id.js';
import { ShareManager } from './share/share-manager.js';
import { servedFiles, type ServedFileRow } from './served-files.js';
import { LanSession, type LanOptions } from './lan/lan-session.js';
import type { LanCatalogFile, LanPeer } from './lan/peer-table.js';
import type { ServedFile } from './lan/lan-discovery.js';
import type { SharesResumeReport, TrackerRequester } from './share/types.js';
import { SyncFetches } from './sync/sync-fetches.js';
import { SyncManager } from './sync/sync-manager.js';
import type { SyncRequester, SyncWatcherOptions } from './sync/types.js';

/** Least time between two tellings of LAN discovery that what is served changed (it debounces 500 ms itself). */
const LAN_TELL_GAP_MS = 1_000;

export interface PeerNodeInit {
  /** What sharing, downloading and folder sync ask the trackers (a TrackerLink is all three). */
  link: TrackerRequester & DownloadTrackerRequester & SyncRequester;
  /** Where per-user state lives (share libraries). */
  dataDir: string;
  /** The bound listener of this peer's address; served while a user is logged in. */
  server: Server;
  /** This peer's address as other peers see it, skipped in peer lists. */
  selfAddress?: string;
  /** Where every peer connection's violations and unusual closes are reported (the client's log). */
  onPeerEvent?: PeerEventSink;
  /**
   * The tracker link's pushes (a TrackerLink is one): a `holder_online` push makes the matching
   * downloads ask for peers at once. Without it downloads find holders at their next refresh.
   */
  pushes?: { on(event: 'push', listener: (push: Push) => void): unknown };
  /**
   * The tracker link's session events (a TrackerLink is one): when the session resumes on a
   * tracker after none was reachable, files completed meanwhile are registered as shared at once.
   * Without it they are registered at the next login.
   */
  sessions?: { on(event: 'sessionResumed', listener: () => void): unknown };
  /**
   * LAN discovery (docs/lan.md): announce what this peer serves to the members of its groups on
   * the LAN, and join the members heard there to downloads. Off when absent.
   */
  lan?: LanOptions;
  /** Download options for every download (tests shorten the stall time and peer refresh). */
  downloadOptions?: Pick<DownloadInit, 'stallAfterMs' | 'peerRefreshMs' | 'requestTimeoutMs'>;
  /** Folder sync's watcher periods (tests shorten them, or inject `fs.watch`). */
  syncWatcher?: SyncWatcherOptions;
}

/** One `download_file` of this session, for `show_downloads`. */
export interface DownloadEntry {
  groupId: string;
  name: string;
  dir: string;
  download: Download;
  /** Set when it ended: the final path, or why it failed. */
  outcome?: { path: string } | { failed: string };
  /** Resolves when it completed or failed (never rejects). */
  settled: Promise<void>;
}

export class PeerNode {
  readonly shares: ShareManager;
  /** The folders kept in sync with groups (sync/), running while a user is logged in. */
  readonly sync: SyncManager;
  readonly peerId = createPeerId();
  /** Downloads folder sync runs (not listed among the user's downloads). */
  private readonly syncFetches = new SyncFetches((init) => this.newDownload(init));
  private peerServer: PeerServer | undefined;
  private session: { userId: string; ticketKey: KeyObject } | undefined;
  private readonly downloadList: DownloadEntry[] = [];
  private readonly remembered: DownloadList;
  private readonly served: ServedLookup;
  private lan: LanSession | undefined;
  private lanDirty: NodeJS.Timeout | undefined;
  private lanToldAt = -Infinity;
  /** Why LAN discovery is not running this session, if it was asked for and failed to start. */
  lanProblem: string | undefined;

  constructor(private readonly init: PeerNodeInit) {
    this.shares = new ShareManager({ link: init.link, dataDir: init.dataDir });
    this.remembered = new DownloadList(init.dataDir);
    this.served = new ServedLookup(this.shares, () => this.downloadList);
    this.sync = new SyncManager({
      dataDir: init.dataDir,
      link: init.link,
      shares: this.shares,
      fetch: (groupId, name, dir) => this.syncFetches.fetch(groupId, name, dir, init.downloadOptions?.stallAfterMs),
      ...(init.pushes ? { pushes: init.pushes } : {}),
      ...(init.syncWatcher ? { watcher: init.syncWatcher } : {}),
    });
    init.pushes?.on('push', (push) => this.notify(push));
    init.sessions?.on('sessionResumed', () => void this.shares.registerPending().catch(() => undefined));
    // A file no longer shared is not served from a finished download either.
    this.shares.on('stopped', ({ groupId, name }) => {
      for (const e of this.downloadList) if (e.groupId === groupId && e.name === name && e.download.state === 'seeding') void e.download.stop();
    });
    for (const event of ['shared', 'stopped', 'resumed', 'unavailable'] as const) this.shares.on(event, () => this.servedChanged());
  }

  /**
   * A tracker push about a file being downloaded: a holder came online, or the file was withdrawn.
   * Either way the download asks the tracker now (and ends if the file is gone).
   */
  private notify(push: Push): void {
    // A new group, or a group's new LAN key epoch (a member left; or we did): ask for the keys.
    if (push.push === 'request_accepted' || push.push === 'lan_key_changed') void this.lan?.refresh();
    if (push.push !== 'holder_online' && push.push !== 'file_withdrawn') return;
    for (const e of this.downloadList) {
      if (e.groupId === push.data.groupId && e.download.infoHash === push.data.infoHash) e.download.refreshNow();
    }
    this.syncFetches.refresh(push.data.infoHash);
  }

  /** After a successful login or resume: serve, with tickets checked against `ticketKey`. */
  async login(userId: string, ticketKey: string): Promise<SharesResumeReport> {
    await this.stopServing();
    const key = ticketPublicKey(ticketKey);
    this.session = { userId, ticketKey: key };
    const listenPort = this.init.selfAddress === undefined ? undefined : parseHostPort(this.init.selfAddress).port;
    const server = new PeerServer({
      server: this.init.server,
      lookup: (infoHash) => this.served.lookup(Buffer.from(infoHash).toString('hex')),
      connection: { peerId: this.peerId, ticketKey: key, selfUser: userId, certificateCheck: (cert) => this.staleCertificate(cert), ...(listenPort !== undefined ? { listenPort } : {}) },
    });
    // A peer that dialled us about a file we are downloading: fetch over that connection too.
    server.on('connection', (conn) => {
      const sink = this.init.onPeerEvent;
      if (sink !== undefined) watchPeer(conn, remoteName(conn), sink);
      conn.once('ready', () => this.adoptIncoming(conn));
    });
    await server.start();
    this.peerServer = server;
    const report = await this.shares.resumeAll(userId);
    if (listenPort !== undefined) await this.startLan(userId, key, listenPort);
    await this.sync.resume(userId);
    return report;
  }

  /**
   * Why a member certificate is refused for admission although the trackers signed it: it names a
   * group-key epoch older than the one LAN discovery holds, so its member left (or was removed)
   * since. Without LAN discovery there is no epoch to compare with, and none is refused.
   */
  private staleCertificate(cert: MemberCertificatePayload): string | undefined {
    if (this.lan === undefined || this.lan.isCurrentEpoch(cert.g, cert.e)) return undefined;
    return `its group key epoch (${cert.e}) is not the one this peer holds for ${cert.g} (its member left since, or this peer has no key yet)`;
  }

  /** Starts LAN discovery if asked for; a failure is kept in `lanProblem`, never thrown (the tracker path works without it). */
  private async startLan(userId: string, ticketKey: KeyObject, peerPort: number): Promise<void> {
    this.lanProblem = undefined;
    if (this.init.lan === undefined) return;
    const lan = new LanSession(this.init.lan, {
      userId,
      ticketKey,
      peerPort,
      served: () => this.lanServed(),
      onOffer: (o) => {
        for (const e of this.downloadList) if (e.groupId === o.groupId && e.download.infoHash === o.infoHash) e.download.addPeers([o.address]);
      },
    });
    try {
      await lan.start();
      this.lan = lan;
    } catch (err) {
      await lan.stop().catch(() => undefined);
      this.lanProblem = (err as Error).message;
    }
  }

  /** What is announced on the LAN: shared files and downloads serving their verified pieces. */
  private lanServed(): ServedFile[] {
    const served = this.shares.list().map((s) => ({ groupId: s.groupId, infoHash: s.infoHash, name: s.name, size: s.size }));
    for (const e of this.downloadList) {
      const infoHash = e.download.infoHash;
      if (infoHash !== undefined && (e.download.state === 'downloading' || e.download.state === 'seeding')) {
        served.push({ groupId: e.groupId, infoHash, name: e.name, size: e.download.progress().bytesTotal });
      }
    }
    return served;
  }

  /**
   * The LAN catalog of `groupId` (`lan_files`): the files members on the LAN announce, with who
   * holds each; undefined when LAN discovery is not running. Needs no tracker.
   */
  lanCatalog(groupId: string): LanCatalogFile[] | undefined {
    return this.lan?.catalog(groupId);
  }

  /** Members heard on the LAN lately (`lan_peers`); undefined when LAN discovery is not running. */
  lanPeers(): LanPeer[] | undefined {
    return this.lan?.peers();
  }

  /** The running LAN discovery, if any (its port and datagram counts, for tests and status). */
  get lanSession(): LanSession | undefined {
    return this.lan;
  }


  /**
   * Starts again the downloads this user had running when the client last stopped (or was
   * killed); verified pieces are kept. Returns those that started; the others (the file is gone
   * from the group, the directory is unusable) are forgotten, with the reason.
   */
  async resumeDownloads(): Promise<{ resumed: DownloadEntry[]; failed: Array<{ groupId: string; name: string; reason: string }> }> {
    if (!this.session) return { resumed: [], failed: [] };
    const resumed: DownloadEntry[] = [];
    const failed: Array<{ groupId: string; name: string; reason: string }> = [];
    for (const d of await this.remembered.read(this.session.userId)) {
      const same = (e: DownloadEntry): boolean => e.groupId === d.groupId && e.name === d.name && e.dir === d.dir;
      if (this.downloadList.some((e) => same(e) && e.download.state === 'downloading')) continue;
      // The entry stopped at logout is replaced by the resumed one (show_downloads lists it once).
      for (let i = this.downloadList.length - 1; i >= 0; i--) if (same(this.downloadList[i] as DownloadEntry)) this.downloadList.splice(i, 1);
      try {
        resumed.push(await this.download(d.groupId, d.name, d.dir));
      } catch (err) {
        failed.push({ ...d, reason: (err as Error).message });
        await this.forget(d);
      }
    }
    return { resumed, failed };
  }

  /**
   * Starts fetching `name` of `groupId` into `dir` in the background; the entry's events and
   * `settled` tell how it goes. Verified pieces are served to others right away (partial seeding).
   */
  async download(groupId: string, name: string, dir: string, lan?: LanStart): Promise<DownloadEntry> {
    if (!this.session) throw new Error('log in first');
    // One download per destination: a second one would write the same partial file.
    const running = this.downloadList.find((e) => e.groupId === groupId && e.name === name && e.dir === dir && e.download.state === 'downloading');
    if (running) return running;
    const download = this.newDownload({ groupId, name, dir, ...(lan !== undefined ? { offline: { meta: lan.meta, certificate: lan.certificate } } : {}) });
    const remembered = { groupId, name, dir };
    const entry: DownloadEntry = {
      groupId,
      name,
      dir,
      download,
      settled: new Promise<void>((resolve) => {
        download.once('completed', ({ path }) => {
          // Into the share library first, so the file is served again at every login from the
          // moment the download is reported complete (even if the client is killed right after).
          const done = download.completed;
          void (done === undefined ? Promise.resolve() : this.shares.adopt(done))
            .catch(() => undefined)
            .then(() => this.forget(remembered))
            .finally(() => {
              entry.outcome = { path };
              resolve();
            });
        });
        download.once('failed', ({ reason }) => {
          entry.outcome = { failed: reason };
          resolve();
        });
      }),
    };
    await download.start(); // rejects (after 'failed') when the file or the store cannot be had
    this.downloadList.push(entry);
    this.servedChanged();
    if (download.state === 'downloading') await this.remember(remembered);
    void entry.settled.then(() => this.forget(remembered));
    return entry;
  }

  // Both take the user first: a logout may end the session while the list is being read.
  private async remember(d: RememberedDownload): Promise<void> {
    const userId = this.session?.userId;
    if (userId === undefined) return;
    const list = (await this.remembered.read(userId)).filter((e) => !(e.groupId === d.groupId && e.name === d.name && e.dir === d.dir));
    await this.remembered.write(userId, [...list, d]);
  }

  private async forget(d: RememberedDownload): Promise<void> {
    const userId = this.session?.userId;
    if (userId === undefined) return;
    const list = await this.remembered.read(userId);
    const kept = list.filter((e) => !(e.groupId === d.groupId && e.name === d.name && e.dir === d.dir));
    if (kept.length !== list.length) await this.remembered.write(userId, kept);
  }

  get downloads(): readonly DownloadEntry[] {
    return this.downloadList;
  }

  /**
   * Waits for every running download to complete, fail or stall (wait for pieces no online member
   * holds); resolves with how many failed or stalled. A stalled download keeps waiting.
   */
  async downloadsSettled(): Promise<number> {
    const running = this.downloadList.filter((d) => d.download.state === 'downloading');
    await Promise.all(running.map((d) => Promise.race([d.settled, stalled(d.download)])));
    return this.downloadList.filter((d) => (d.outcome && 'failed' in d.outcome) || d.download.progress().stalled !== undefined).length;
  }

  /** Before logging out: stop serving and downloading until the next login (downloads resume from disk). */
  async logout(): Promise<void> {
    this.syncFetches.abortAll();
    await this.sync.suspend();
    await this.stopServing();
    await this.stopDownloads();
    await this.shares.suspend();
    this.session = undefined;
  }

  async stop(): Promise<void> {
    this.syncFetches.abortAll();
    await this.sync.suspend();
    await this.stopServing();
    await this.stopDownloads();
    await this.shares.stop();
  }

  private adoptIncoming(conn: PeerConnection): void {
    const infoHash = conn.infoHash?.toString('hex');
    const entry = this.downloadList.find((e) => e.download.infoHash === infoHash && e.download.state === 'downloading');
    entry?.download.adopt(conn);
  }

  /**
   * With every tracker unreachable: finds `name` in the LAN catalog of `groupId` and fetches its
   * metadata from the LAN peers announcing it; give the result to `download`.
   * @throws {LanDownloadError} (lan/lan-metadata.ts): LAN off, no certificate, not in the catalog, no peer answers.
   */
  lanStart(groupId: string, name: string): Promise<LanStart> {
    return lanMetadata(this.lan, groupId, name, { peerId: this.peerId });
  }

  /**
   * Cancels the unfinished download(s) of `name` from `groupId`, running or remembered: stopped,
   * forgotten (not resumed at the next login), its piece map withdrawn from the tracker, and its
   * partial data deleted where `decide` says so (download/cancel-download.ts).
   */
  async cancelDownload(groupId: string, name: string, decide: PartialDecision): Promise<CancelledDownload[]> {
    const userId = this.session?.userId;
    if (userId === undefined) throw new Error('log in first');
    return cancelDownload(
      {
        entries: this.downloadList,
        remembered: () => this.remembered.read(userId),
        forget: (d) => this.forget(d),
        link: this.init.link,
        sharedFromLibrary: (g, n) => this.shares.list().some((s) => s.groupId === g && s.name === n),
      },
      groupId,
      name,
      decide,
    );
  }

  /** Every file served now, shares and downloads alike, with this session's uploads (served-files.ts). */
  servedFiles(): ServedFileRow[] {
    return servedFiles(this.shares.list(), new Map([...this.served.shareUploads].map(([hash, u]) => [hash, u.tally])), this.downloadList);
  }

  /**
   * What was uploaded to whom (per peer and file) over the connections closed since the last
   * call, most first; counting then starts afresh. Taken at the end of a session (after
   * `logout()` or `stop()` closed every connection) for the client's log.
   */
  takeUploads(): Array<{ groupId: string; name: string; peer: string; user?: string; bytes: number }> {
    const rows = [...this.served.shareUploads.values()].flatMap((u) => u.tally.take().map((p) => ({ groupId: u.groupId, name: u.name, ...p })));
    for (const e of this.downloadList) rows.push(...e.download.uploads.take().map((p) => ({ groupId: e.groupId, name: e.name, ...p })));
    return rows.sort((a, b) => b.bytes - a.bytes);
  }

  /** A download of this session (its ticket key, peer id and options), for the user or folder sync. */
  private newDownload(init: { groupId: string; name: string; dir: string; stallAfterMs?: number; offline?: DownloadInit['offline'] }): Download {
    if (!this.session) throw new Error('log in first');
    const { groupId } = init;
    return new Download({
      link: this.init.link,
      peerId: this.peerId,
      ticketKey: this.session.ticketKey,
      ...(this.init.selfAddress ? { selfAddress: this.init.selfAddress } : {}),
      ...(this.init.onPeerEvent ? { onPeerEvent: this.init.onPeerEvent } : {}),
      lanPeers: (infoHash) => this.lan?.peersFor(groupId, infoHash) ?? [],
      ...this.init.downloadOptions,
      ...init,
    });
  }

  private async stopDownloads(): Promise<void> {
    await Promise.all(this.downloadList.map((d) => d.download.stop()));
  }

  /**
   * What is served changed: told to LAN discovery at once, then at most once a second while
   * changes keep coming. A folder's first sync shares thousands of files in a few seconds, and
   * each telling lists every served file (told per file, it cost a fifth of the first hash's CPU).
   */
  private servedChanged(): void {
    if (this.lanDirty !== undefined) return;
    const wait = this.lanToldAt + LAN_TELL_GAP_MS - performance.now();
    this.lanDirty = setTimeout(() => {
      this.lanDirty = undefined;
      this.lanToldAt = performance.now();
      this.lan?.servedChanged();
    }, Math.max(0, wait)).unref();
  }

  private async stopServing(): Promise<void> {
    clearTimeout(this.lanDirty);
    this.lanDirty = undefined;
    const lan = this.lan;
    this.lan = undefined;
    await lan?.stop();
    const server = this.peerServer;
    this.peerServer = undefined;
    await server?.stop();
  }
}

/** Resolves when the download is stalled (at once if it is now). */
function stalled(download: Download): Promise<void> {
  if (download.progress().stalled !== undefined) return Promise.resolve();
  return new Promise((resolve) => download.once('stalled', () => resolve()));
}
