/**
 * The download manager for one file (docs/architecture.md, "The life of a download"; the user's
 * side is download_file in docs/client.md).
 *
 * Life cycle. `start()`: `get_file` gives the metadata; `PieceStore.open` creates or resumes the
 * partial file (re-hashing what the resume state claims); `get_peers` gives peers with their
 * piece maps and our ticket; we connect to up to `maxPeers` of them at once (see `swarm.ts` for
 * the request loop, bad data and time-outs). We ask the tracker again after 1, 2, 4, 8 s, then
 * every `peerRefreshMs`: new peers are connected with the fresh ticket, peers that left are
 * retried, peers banned for bad data are not. The quick first refreshes matter when several
 * members start downloading together: each becomes visible to the others with its first verified
 * piece, and they should trade pieces from then on rather than all pull from the sharer.
 *
 * Seeding right away. A verified piece is announced (`have`) to every connected peer, reported
 * to the tracker in batches (`update_pieces` every second or 32 pieces) so that others see us
 * as a partial seeder, and served: the connections' block source is the store (only verified
 * pieces), and `source` / `peerFile()` let the client's peer server serve incoming peers too.
 *
 * Waiting. A download lacking pieces that no online member offers (the tracker's peer list and
 * the connected peers both lack them) for `stallAfterMs` reports itself stalled (`stalled`
 * event, `progress().stalled`) with the reason, keeps asking for peers, and reports `unstalled`
 * when a holder is back: `refreshNow()` (called when the tracker pushes that a holder came
 * online) makes that immediate.
 *
 * Completion. When every piece is verified, `PieceStore.finish()` checks the whole-file SHA-1
 * and renames the file into place (closing the store); the block source then switches to a
 * `SeedSource` over the final file, the last pieces are reported, and `completed` is emitted.
 * We keep serving until `stop()`, which is idempotent: connections closed, the store flushed
 * and closed, so a new Download on the same directory resumes without refetching.
 */
import { EventEmitter } from 'node:events';
import { promises as fsp } from 'node:fs';

import { Bitfield, ProtocolError, fromHex, infoDictionary, parseHostPort, pieceSize } from '@groupshare/protocol';

import { connectReusingReadBuffer, type BlockSource, type PeerConnection, type PeerFile } from '../peer/index.js';
import { PieceStore, SeedSource } from '../storage/index.js';
import { HaveBatcher } from './rate.js';
import type { ShareRecord } from '../share/library.js';
import { StallWatch, uncoveredPieces } from './stall-watch.js';
import { Swarm } from './swarm.js';
import { UploadTally } from './upload-tally.js';
import type { DownloadEvents, DownloadInit, DownloadMeta, DownloadProgress } from './types.js';

// Types are exported by download/index.ts (renamed where they would collide with the share manager's).

type FileMeta = DownloadMeta;


/** One file being downloaded, then seeded. Events: {@link DownloadEvents}. */
export class Download extends EventEmitter<DownloadEvents> {
  /** `idle` → `downloading` → `seeding` (complete) or `failed`; `stopped` after `stop()`. */
  state: 'idle' | 'downloading' | 'seeding' | 'failed' | 'stopped' = 'idle';
  /** The final path, once complete. */
  path: string | undefined;
  private meta: FileMeta | undefined;
  private store: PieceStore | undefined;
  private seed: SeedSource | undefined;
  private swarm: Swarm | undefined;
  private batcher: HaveBatcher | undefined;
  private ticket = '';
  private timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;
  private readonly stall: StallWatch;
  private completedFile: ShareRecord | undefined;

  /** What peers are served from: verified pieces of the store, then the finished file. Use after `start()`. */
  readonly source: BlockSource;
  /** What this download uploaded to others (its verified pieces), counted by its connections. */
  readonly uploads = new UploadTally(() => this.now());

  constructor(private readonly init: DownloadInit) {
    super();
    this.now = init.now ?? Date.now;
    this.stall = new StallWatch(init.stallAfterMs);
    const self = (): Download => this;
    this.source = {
      get have(): Bitfield {
        return (self().store as PieceStore).have;
      },
      readBlock: (index, begin, length) =>
        this.seed !== undefined ? this.seed.readBlock(index, begin, length) : (this.store as PieceStore).readBlock(index, begin, length),
      // A block lent by the store before the switch to the seed is unknown to the seed: collected.
      releaseBlock: (block) => (this.seed !== undefined ? this.seed.releaseBlock(block) : this.store?.releaseBlock(block)),
    };
  }

  /**
   * The file as the client's peer server should present it to incoming peers (once started).
   * While downloading it carries our ticket, so the peer admits us and we can fetch over the
   * same connection (see `adopt`); with no ticket yet, our member certificate, for the same end.
   */
  peerFile(): PeerFile | undefined {
    const m = this.meta;
    if (m === undefined) return undefined;
    const file: PeerFile = { groupId: this.init.groupId, size: m.size, pieceLength: m.pieceLength, source: this.source, uploads: this.uploads };
    const info = infoDictionary({ name: this.init.name, length: m.size, pieceLength: m.pieceLength, pieces: fromHex(m.pieces) });
    file.metadata = { info, sha1: fromHex(m.sha1) }; // served to admitted peers (ut_metadata)
    if (this.state === 'downloading' && this.ticket !== '') return { ...file, ticket: this.ticket };
    // No ticket (no tracker yet): a member dialling us by certificate is shown ours too, so it serves us back.
    return this.ticket === '' && this.init.offline !== undefined ? { ...file, certificate: this.init.offline.certificate } : file;
  }

  /**
   * Fetches also over `conn`, a connection a peer opened to our peer server for this file, once
   * it is ready. False when it is not used for fetching (not downloading, or that peer is
   * already connected); it keeps being served either way.
   */
  adopt(conn: PeerConnection): boolean {
    return this.state === 'downloading' && this.swarm !== undefined && this.swarm.adopt(conn);
  }

  /** The info-hash (hex), once started. */
  get infoHash(): string | undefined {
    return this.meta?.infoHash;
  }

  /** Blocks written per peer address (diagnostics and tests). */
  get blocksFrom(): ReadonlyMap<string, number> {
    return this.swarm?.blocksFrom ?? new Map();
  }

  /** Pieces found verified on disk when it started (resumed from an earlier run), once started. */
  get piecesAtStart(): number {
    return this.store?.resume.kept ?? 0;
  }

  /** Addresses of the peers connected to fetch from now. */
  get peerAddresses(): string[] {
    return [...(this.swarm?.peers.keys() ?? [])];
  }

  /** Block bytes written per peer address (the client's log). */
  get bytesFrom(): ReadonlyMap<string, number> {
    return this.swarm?.bytesFrom ?? new Map();
  }

  /** The file's whole-file SHA-1 (hex) from its metadata, once started. */
  get sha1(): string | undefined {
    return this.meta?.sha1;
  }

  /** Pieces that failed their hash check in this run (metrics). */
  get piecesFailed(): number {
    return this.swarm?.piecesFailed ?? 0;
  }

  /** Peers dropped for sending bad data. */
  get bannedPeers(): ReadonlySet<string> {
    return this.swarm?.bannedPeers ?? new Set();
  }

  progress(): DownloadProgress {
    const have = this.store?.have;
    const stalled = this.state === 'downloading' ? this.stall.stalled : undefined;
    const m = this.meta;
    const verified = have?.count() ?? 0;
    let bytesDone = 0;
    if (have !== undefined && m !== undefined && verified > 0) {
      const last = have.pieceCount - 1; // the one piece that may be short
      bytesDone = verified * m.pieceLength - (have.has(last) ? m.pieceLength - pieceSize(last, m.size, m.pieceLength) : 0);
    }
    return {
      verified,
      total: have?.pieceCount ?? 0,
      bytesPerSecond: this.swarm?.rate.rate(this.now()) ?? 0,
      peers: this.swarm?.size ?? 0,
      bytesDone,
      bytesTotal: m?.size ?? 0,
      uploadBytesPerSecond: this.uploads.bytesPerSecond(),
      // `seeding` from the moment the last piece verified; the file is in place once `path` is set.
      phase: this.state === 'seeding' ? (this.path === undefined ? 'checking' : 'seeding') : 'downloading',
      ...(stalled !== undefined ? { stalled: { ...stalled } } : {}),
    };
  }

  /**
   * One byte per piece, as a piece bar draws it: 2 held (verified), 1 started (blocks received or
   * in flight), 0 missing. Empty until the metadata came; all held once complete.
   */
  pieceMap(): Uint8Array {
    const have = this.store?.have;
    const m = this.meta;
    if (m === undefined) return new Uint8Array(0);
    const map = new Uint8Array(have?.pieceCount ?? Math.ceil(m.size / m.pieceLength));
    if (this.state === 'seeding' || have === undefined) return this.state === 'seeding' ? map.fill(2) : map;
    if (this.state === 'downloading') for (const i of this.swarm?.picker.blocks.started() ?? []) map[i] = 1;
    for (let i = 0; i < map.length; i++) if (have.has(i)) map[i] = 2;
    return map;
  }

  /** The finished file, for the share library; undefined until the download completed. */
  get completed(): ShareRecord | undefined {
    return this.completedFile;
  }

  /**
   * Connects to `addresses` (members found on the LAN offering this file) with our current ticket
   * (or, with no tracker yet, our member certificate), while connection slots remain. Their
   * admission is the same as for the tracker's peers: they check it before serving.
   */
  addPeers(addresses: readonly string[]): void {
    const swarm = this.swarm;
    if (this.state !== 'downloading' || swarm === undefined || (this.ticket === '' && this.init.offline === undefined)) return;
    const max = this.init.maxPeers ?? 8;
    for (const address of addresses) {
      if (swarm.size >= max) break;
      if (address === this.init.selfAddress || swarm.peers.has(address) || swarm.bannedPeers.has(address)) continue;
      try {
        const { host, port } = parseHostPort(address);
        swarm.add(address, host, port, this.ticket || undefined);
      } catch {
        // Not an address: skip it.
      }
    }
  }

  /** Asks the tracker for peers now (a holder of missing pieces came online), if downloading. */
  refreshNow(): void {
    if (this.state === 'downloading' && this.swarm !== undefined) void this.refreshPeers(false);
  }

  /**
   * Fetches the metadata, opens the store and connects to the first peers. Resolves once the
   * download is under way (or complete from a previous run); rejects, after emitting `failed`,
   * if the metadata or the store cannot be had.
   */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`the download is ${this.state}`);
    this.state = 'downloading';
    const { link, groupId, name, dir } = this.init;
    try {
      const file = this.init.offline?.meta ?? (await link.request('get_file', { groupId, name })).file;
      this.meta = file;
      const store = await PieceStore.open({ dir, name, size: file.size, pieceLength: file.pieceLength, pieces: fromHex(file.pieces), sha1: file.sha1 });
      if (this.isStopped()) return void (await store.close());
      this.store = store;
      this.batcher = new HaveBatcher(
        (have) => link.request('update_pieces', { groupId, infoHash: file.infoHash, have }),
        this.init.haveBatchMs ?? 1_000,
      );
      this.swarm = new Swarm({
        store, source: this.source, infoHash: fromHex(file.infoHash), groupId, size: file.size, pieceLength: file.pieceLength,
        peerId: this.init.peerId, ticketKey: this.init.ticketKey, connect: this.init.connect ?? connectReusingReadBuffer,
        now: this.now, rng: this.init.rng ?? Math.random, requestTimeoutMs: this.init.requestTimeoutMs ?? 20_000,
        ...(this.init.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: this.init.handshakeTimeoutMs } : {}),
        ...(this.init.selfAddress !== undefined ? { listenPort: parseHostPort(this.init.selfAddress).port } : {}),
        ...(this.init.onPeerEvent !== undefined ? { onPeerEvent: this.init.onPeerEvent } : {}),
        onVerified: (index) => this.onVerified(index),
        uploads: this.uploads,
        onPeerReady: (peer) => this.emit('peerConnected', { peer }),
        onError: () => undefined, // a connection's bug or a late store write after stop: the connection closes itself
        ...(this.init.offline !== undefined ? { certificate: this.init.offline.certificate } : {}),
      });
      // Register first, with nothing (BitTorrent's "started"): others downloading now find us, and
      // the tracker takes reports of pieces only for a file this peer shares or downloads.
      void link.request('update_pieces', { groupId, infoHash: file.infoHash, have: [] }).catch(() => undefined);
      for (const i of store.have.indices()) this.batcher.add(i); // pieces resumed from disk
      if (store.complete()) return void (await this.complete());
      if (this.init.offline === undefined) await this.refreshPeers(true);
      else this.addPeers(this.init.lanPeers?.(file.infoHash) ?? []); // no tracker: the LAN's peers, by certificate
      this.scheduleRefresh(1_000);
      const tick = Math.max(50, Math.min(1_000, (this.init.requestTimeoutMs ?? 20_000) / 4));
      this.timers.push(setInterval(() => this.swarm?.checkTimeouts(), tick));
    } catch (err) {
      this.fail(err);
      throw err;
    }
  }

  /** Closes the connections, stops reporting, flushes and closes the store. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.swarm?.close();
    await this.batcher?.flush();
    this.batcher?.cancel();
    await this.store?.close();
    await this.seed?.close();
  }

  private isStopped(): boolean {
    return this.state === 'stopped';
  }

  /** Asks for peers after `delayMs` (capped by `peerRefreshMs`), then again after twice as long. */
  private scheduleRefresh(delayMs: number): void {
    const every = this.init.peerRefreshMs ?? 10_000;
    const timer = setTimeout(() => {
      this.timers = this.timers.filter((t) => t !== timer);
      if (this.state !== 'downloading') return;
      void this.refreshPeers(false).finally(() => {
        if (this.state === 'downloading') this.scheduleRefresh(delayMs * 2);
      });
    }, Math.min(delayMs, every));
    this.timers.push(timer);
  }

  private async refreshPeers(first: boolean): Promise<void> {
    const { link, groupId, selfAddress } = this.init;
    const meta = this.meta as FileMeta;
    let reply;
    try {
      reply = await link.request('get_peers', { groupId, infoHash: meta.infoHash });
    } catch (err) {
      if (first) throw err;
      // Nobody shares it any more: the tracker withdrew it, and no refresh will bring it back.
      if (err instanceof ProtocolError && err.code === 'ERR_NO_SUCH_FILE' && this.state === 'downloading') {
        this.fail(new Error('nobody shares it any more (it was withdrawn from the group)'));
        return;
      }
      this.addPeers(this.init.lanPeers?.(meta.infoHash) ?? []); // no tracker now: the LAN's peers, with the ticket we hold
      return; // try again at the next refresh
    }
    const swarm = this.swarm;
    if (swarm === undefined || this.state !== 'downloading') return;
    // Started with no tracker: now that one answers, report every verified piece (those reports were lost).
    if (this.ticket === '' && this.init.offline !== undefined) for (const i of (this.store as PieceStore).have.indices()) this.batcher?.add(i);
    this.ticket = reply.ticket;
    this.watchCoverage(reply.peers);
    const max = this.init.maxPeers ?? 8;
    const rng = this.init.rng ?? Math.random;
    const candidates = reply.peers.filter((p) => p.address !== selfAddress && !swarm.peers.has(p.address) && !swarm.bannedPeers.has(p.address));
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [candidates[i], candidates[j]] = [candidates[j] as (typeof candidates)[number], candidates[i] as (typeof candidates)[number]];
    }
    // Slots go to seeders first, then to the peers with the most pieces (random among equals);
    // downloaders with nothing yet come last: they are worth a connection for what they will get.
    const held = new Map(candidates.map((p) => [p, p.complete ? Infinity : piecesIn(p.bitfield, (this.store as PieceStore).pieceCount)]));
    candidates.sort((a, b) => (held.get(b) as number) - (held.get(a) as number));
    for (const p of candidates) {
      if (swarm.size >= max) break;
      try {
        const { host, port } = parseHostPort(p.address);
        swarm.add(p.address, host, port, this.ticket);
      } catch {
        // A malformed address or piece map from the tracker: skip that peer.
      }
    }
    this.addPeers(this.init.lanPeers?.(meta.infoHash) ?? []); // beside the tracker's: members heard on the LAN
    this.emit('progress', this.progress());
  }

  /** Updates the stall state from the tracker's peer list and the connected peers. */
  private watchCoverage(peers: ReadonlyArray<{ bitfield: string; complete: boolean }>): void {
    const store = this.store as PieceStore;
    const picker = (this.swarm as Swarm).picker;
    let uncovered = 0;
    if (!peers.some((p) => p.complete) && picker.seedCount === 0) {
      let offered = new Bitfield(store.pieceCount);
      for (const p of peers) {
        try {
          offered = offered.or(Bitfield.fromBase64(p.bitfield, store.pieceCount));
        } catch {
          // A malformed piece map offers nothing.
        }
      }
      uncovered = uncoveredPieces(store.have, offered, (i) => picker.availability.count(i));
    }
    const change = this.stall.update(uncovered, this.now());
    if (change === 'stalled') this.emit('stalled', { reason: (this.stall.stalled as { reason: string }).reason });
    if (change === 'resumed') this.emit('unstalled');
    if (change !== undefined) this.emit('progress', this.progress());
  }

  private onVerified(index: number): void {
    // 'seeding' too: pieces verified together (their journal records share one write) all reach
    // the store before the first of them gets here, so that one may already find the store
    // complete; the rest must still be announced, reported and counted.
    if (this.state !== 'downloading' && this.state !== 'seeding') return;
    this.swarm?.announce(index);
    this.batcher?.add(index);
    this.emit('pieceVerified', { index });
    this.emit('progress', this.progress());
    if (this.store?.complete() === true) void this.complete();
  }

  private async complete(): Promise<void> {
    if (this.state !== 'downloading') return;
    this.state = 'seeding';
    const store = this.store as PieceStore;
    const meta = this.meta as FileMeta;
    this.swarm?.completed();
    try {
      const path = await store.finish();
      const stats = await fsp.stat(path);
      this.seed = await SeedSource.open({ path, size: meta.size, pieceLength: meta.pieceLength, mtimeMs: stats.mtimeMs });
      this.path = path;
      const { groupId, name } = this.init;
      const { infoHash, size, pieceLength, sha1, pieces } = meta;
      this.completedFile = { groupId, name, infoHash, path, size, mtimeMs: stats.mtimeMs, pieceLength, sha1, pieces };
      // Reported before `completed`; with no tracker yet the report waits in the link, not us.
      if (this.ticket !== '') await this.batcher?.flush();
      else void this.batcher?.flush();
      if (this.isStopped()) return void (await this.seed.close());
      this.emit('completed', { path });
    } catch (err) {
      if (!this.isStopped()) this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (this.isStopped()) return;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.swarm?.close();
    this.state = 'failed';
    this.emit('failed', { reason: err instanceof Error ? err.message : String(err) });
  }
}

/** Pieces set in a base64 bitfield from the tracker (0 if it is malformed: such a peer goes last). */
function piecesIn(bitfieldBase64: string, pieceCount: number): number {
  try {
    return Bitfield.fromBase64(bitfieldBase64, pieceCount).count();
  } catch {
    return 0;
  }
}
