/**
 * The peer's operations, written once for every front: the shell's commands and the web API
 * both call these. Each checks what it is given in the user's terms (input-checks.ts: the same
 * sentences whichever front), asks the tracker link or the peer node, keeps the client's log
 * (download-log.ts), tells the event bus what it did, and returns data; the fronts decide how
 * to show it. Nothing here prints or asks the user anything: questions (a password, whether to
 * delete a partial file, whether to create a folder) are answered by the front before or through
 * a callback.
 */
import { isSyncVersionName, TrackerUnavailableError } from '@groupshare/engine';
import type { CancelledDownload, DownloadEntry, LanStart, PartialDecision, PeerNode, ServedFileRow, SharesResumeReport, TrackerLink } from '@groupshare/engine';
import type { FileSummary, Holder, Result } from '@groupshare/protocol';
import { checkFileName, checkId, checkNewPassword } from '../input-checks.js';
import type { DownloadLog } from '../download-log.js';
import { CommandError } from '../errors.js';
import { safeText } from '../render.js';
import { bridgeLinkEvents, PeerEventBus } from './events.js';
import type { SessionFile } from './session-file.js';
import { SyncOps } from './sync-ops.js';

/** The answer when the client runs without a peer node (tests that only talk to trackers). */
export const NOT_AVAILABLE = 'not available: this shell runs without a peer (no file transfers)';

export interface PeerServiceInit {
  link: TrackerLink;
  /** Serving, sharing and downloading; absent in tests that only talk to trackers. */
  node?: PeerNode;
  /** Where downloads and each session's uploads are recorded (client.log). */
  downloadLog?: DownloadLog;
  /** Where the tracker session is remembered for a restart (web mode); without it, nowhere. */
  sessionFile?: SessionFile;
  /**
   * Checks a password with the trackers without touching this peer's session (a login and
   * logout on a connection of its own, with no peer address, so nothing of ours is paused).
   */
  verifyPassword?: (userId: string, password: string) => Promise<void>;
}

/** What a login (or a resume of the remembered session) did. */
export interface LoginReport {
  userId: string;
  peerAddress: string | null;
  notices: readonly { message: string }[];
  shares: SharesResumeReport;
  downloads: { resumed: DownloadEntry[]; failed: Array<{ groupId: string; name: string; reason: string }> };
}

export class PeerService {
  readonly events = new PeerEventBus();
  readonly link: TrackerLink;
  readonly node: PeerNode | undefined;
  /** Folder sync: sync_folder, list_synced, unsync_folder (sync-ops.ts). */
  readonly sync: SyncOps;
  private readonly detach: () => void;

  constructor(private readonly init: PeerServiceInit) {
    this.link = init.link;
    this.node = init.node;
    // A session the tracker ended cannot be resumed: forget its token.
    this.detach = bridgeLinkEvents(init.link, this.events, () => void init.sessionFile?.forget().catch(() => undefined));
    this.sync = new SyncOps({ link: init.link, ...(init.node ? { node: init.node } : {}), events: this.events, requireNode: () => this.requireNode() });
  }

  /** Detaches from the tracker link and the node's synced folders (at shutdown). */
  close(): void {
    this.detach();
    this.sync.close();
  }

  /** Who is logged in, if anybody. */
  get userId(): string | undefined {
    return this.link.session?.userId;
  }

  /** The node, for operations that transfer files; throws in the user's terms when there is none or nobody is logged in. */
  requireNode(): PeerNode {
    if (!this.node) throw new CommandError(NOT_AVAILABLE);
    if (!this.link.session) throw new CommandError('log in first');
    return this.node;
  }

  // ---- accounts -----------------------------------------------------------------------------

  async createUser(userArg: string, password: string): Promise<Result<'register'>> {
    const userId = checkId('user id', userArg);
    return this.link.request('register', { userId, password: checkNewPassword(password) });
  }

  /** Logs in (refused while logged in: logout first). */
  async login(userArg: string, password: string): Promise<LoginReport> {
    const userId = checkId('user id', userArg);
    const current = this.link.session;
    if (current !== undefined) throw new CommandError(`you are logged in as ${safeText(current.userId)}; logout first`);
    const result = await this.link.request('login', { userId, password });
    await this.init.sessionFile?.write({ userId: result.userId, token: result.token });
    return this.afterLogin(result);
  }

  /**
   * Checks `password` for the user this peer is logged in as (a browser arriving at a peer that
   * resumed its session at start), without disturbing the session, shares or downloads.
   */
  async confirmUser(userArg: string, password: string): Promise<string> {
    const userId = checkId('user id', userArg);
    if (this.link.session?.userId !== userId) throw new CommandError(`this peer is not logged in as ${safeText(userId)}`);
    if (this.init.verifyPassword === undefined) throw new CommandError('passwords cannot be checked here');
    await this.init.verifyPassword(userId, password);
    return userId;
  }

  /** Resumes the remembered session (a headless start); undefined when there is none or it ended. */
  async resumeRemembered(): Promise<LoginReport | undefined> {
    const remembered = await this.init.sessionFile?.read();
    if (remembered === undefined) return undefined;
    try {
      const result = await this.link.request('resume', { token: remembered.token });
      return await this.afterLogin(result);
    } catch (err) {
      // Expired or ended elsewhere: forget it and wait for a login. A tracker that cannot be
      // reached keeps it for the next start.
      if ((err as { code?: unknown }).code === 'ERR_SESSION_INVALID') await this.init.sessionFile?.forget();
      throw err;
    }
  }

  private async afterLogin(result: Result<'login'> | Result<'resume'>): Promise<LoginReport> {
    const report: LoginReport = {
      userId: result.userId,
      peerAddress: result.peerAddress,
      notices: result.notices,
      shares: { resumed: [], failed: [] },
      downloads: { resumed: [], failed: [] },
    };
    if (this.node) {
      // Serve again everything this user shared before (each file checked for changes first),
      // then the downloads that were running when this client last stopped (even if killed).
      report.shares = await this.node.login(result.userId, result.ticketKey);
      report.downloads = await this.node.resumeDownloads();
      for (const entry of report.downloads.resumed) this.started(entry, 'resumed');
    }
    this.events.emit('session', { loggedIn: true, userId: result.userId });
    this.events.emit('shares');
    return report;
  }

  /**
   * Ends the session everywhere: serving stops first, then the tracker is told; the remembered
   * session is forgotten. With no tracker reachable nothing waits for one: reports still queued
   * are sent at the next login, the session is forgotten here and lapses on the trackers
   * (`trackerTold` false).
   */
  async logout(): Promise<{ userId: string | undefined; trackerTold: boolean }> {
    const userId = this.link.session?.userId;
    let trackerTold = true;
    this.link.waitForTracker(false);
    try {
      // Stop serving first: after logout nobody should fetch from us until the next login.
      if (this.node) {
        await this.node.logout();
        this.init.downloadLog?.sessionEnded(userId, 'logout', this.node);
      }
      await this.init.sessionFile?.forget();
      await this.link.request('logout').catch((err: unknown) => {
        if (!(err instanceof TrackerUnavailableError)) throw err;
        this.link.forgetSession();
        trackerTold = false;
      });
    } finally {
      this.link.waitForTracker(true);
    }
    this.events.emit('session', { loggedIn: false });
    return { userId, trackerTold };
  }

  // ---- groups -------------------------------------------------------------------------------

  createGroup(groupArg: string): Promise<Result<'create_group'>> {
    return this.changed(this.link.request('create_group', { groupId: checkId('group id', groupArg) }));
  }

  listGroups(): Promise<Result<'list_groups'>> {
    return this.link.request('list_groups');
  }

  joinGroup(groupArg: string): Promise<Result<'join_group'>> {
    return this.changed(this.link.request('join_group', { groupId: checkId('group id', groupArg) }));
  }

  async leaveGroup(groupArg: string): Promise<Result<'leave_group'>> {
    const result = await this.changed(this.link.request('leave_group', { groupId: checkId('group id', groupArg) }));
    this.events.emit('shares');
    return result;
  }

  listMembers(groupArg: string): Promise<Result<'list_members'>> {
    return this.link.request('list_members', { groupId: checkId('group id', groupArg) });
  }

  listRequests(groupArg: string): Promise<Result<'list_requests'>> {
    return this.link.request('list_requests', { groupId: checkId('group id', groupArg) });
  }

  acceptRequest(groupArg: string, userArg: string): Promise<Result<'accept_request'>> {
    return this.changed(this.link.request('accept_request', { groupId: checkId('group id', groupArg), userId: checkId('user id', userArg) }));
  }

  rejectRequest(groupArg: string, userArg: string): Promise<Result<'reject_request'>> {
    return this.changed(this.link.request('reject_request', { groupId: checkId('group id', groupArg), userId: checkId('user id', userArg) }));
  }

  // ---- files --------------------------------------------------------------------------------

  /**
   * The group's files as people share them. Folder sync's versions (`.gsync~…` names, one per
   * saved version of a synced file) are left out and only counted: a synced folder shows them as
   * files on disk, and `list_synced` and `show_downloads` report its state.
   */
  async listFiles(groupArg: string): Promise<Result<'list_files'> & { syncVersions: number }> {
    const result = await this.link.request('list_files', { groupId: checkId('group id', groupArg) });
    const files = result.files.filter((f) => !isSyncVersionName(f.name));
    return { ...result, files, syncVersions: result.files.length - files.length };
  }

  fileInfo(groupArg: string, nameArg: string): Promise<{ file: FileSummary; holders: Holder[] }> {
    return this.link.request('file_info', { groupId: checkId('group id', groupArg), name: checkFileName(nameArg) });
  }

  /** Shares the file at the absolute path `file` with a group (hashing it first). */
  async share(file: string, groupArg: string, onHashing?: (info: { path: string; bytesDone: number; total: number }) => void) {
    const node = this.requireNode();
    const groupId = checkId('group id', groupArg);
    if (onHashing) node.shares.on('hashing', onHashing);
    try {
      const result = await node.shares.share(file, groupId);
      this.events.emit('shares');
      return result;
    } finally {
      if (onHashing) node.shares.off('hashing', onHashing);
    }
  }

  /** Stops sharing a file; through the node when there is one, so the local copy stops being served and is forgotten. */
  async stopShare(groupArg: string, nameArg: string): Promise<{ withdrawn: boolean }> {
    const groupId = checkId('group id', groupArg);
    const name = checkFileName(nameArg);
    const result = this.node ? await this.node.shares.stopShare(groupId, name) : await this.link.request('stop_share', { groupId, name });
    this.events.emit('shares');
    return result;
  }

  // ---- downloads ----------------------------------------------------------------------------

  /**
   * Checks a download can be asked for (logged in, valid names, the file is in the group), before
   * its destination folder is made: a mistyped name must not leave a new folder behind.
   */
  async checkDownload(groupArg: string, nameArg: string): Promise<{ groupId: string; name: string }> {
    this.requireNode();
    const groupId = checkId('group id', groupArg);
    const name = checkFileName(nameArg);
    await this.link.request('get_file', { groupId, name });
    return { groupId, name };
  }

  /** Starts a download into the existing folder `dir` (from the LAN, given `lan`); `already` when the same one runs. */
  async download(groupId: string, name: string, dir: string, lan?: LanStart): Promise<{ entry: DownloadEntry; already: boolean }> {
    const node = this.requireNode();
    const before = node.downloads.length;
    const entry = await node.download(groupId, name, dir, lan);
    const already = node.downloads.length === before;
    if (!already) this.started(entry, 'new');
    return { entry, already };
  }

  /** Cancels a download for good, `decide` saying whether its partial data goes. */
  async cancelDownload(groupArg: string, nameArg: string, decide: PartialDecision): Promise<CancelledDownload[]> {
    const node = this.requireNode();
    const groupId = checkId('group id', groupArg);
    const name = checkFileName(nameArg);
    const entries = node.downloads.filter((e) => e.groupId === groupId && e.name === name);
    const results = await node.cancelDownload(groupId, name, decide);
    this.init.downloadLog?.cancelled(entries, results);
    for (const entry of entries) this.events.emit('downloadRemoved', { entry });
    this.events.emit('shares');
    return results;
  }

  /** This session's downloads (none without a node). */
  downloads(): readonly DownloadEntry[] {
    return this.node?.downloads ?? [];
  }

  /** What this peer serves now. */
  servedFiles(): ServedFileRow[] {
    return this.requireNode().servedFiles();
  }

  /** Tells the bus a group changed once `request` succeeded (the other front refreshes it). */
  private async changed<T extends { groupId: string }>(request: Promise<T>): Promise<T> {
    const result = await request;
    this.events.emit('groups', { groupId: result.groupId });
    return result;
  }

  private started(entry: DownloadEntry, how: 'new' | 'resumed'): void {
    this.init.downloadLog?.started(entry, how);
    this.events.emit('downloadStarted', { entry, how });
    void entry.settled.then(() => this.events.emit('shares'));
  }
}
