/**
 * One BitTorrent peer wire connection (BEP 3, BEP 6 fast extension, BEP 10 extension protocol)
 * with one remote peer about one file. Role-agnostic, as in BitTorrent: either side may serve
 * and fetch at once; the serving half (`serving.ts`) and the fetching half (`fetching.ts`) are
 * separate state machines behind the narrow `PeerLink`; the socket, decoder and timers are in
 * `peer-transport.ts`. This class holds the handshakes, admission and message routing.
 *
 * Sequence. The initiator sends its handshake at `start()`; the receiver waits for the
 * remote's, looks the info-hash up among the files it serves (`lookup`; unknown → closed) and
 * answers. Each side then sends its BEP 10 extended handshake (`gs_ticket` when it wants to
 * fetch, `gs_block`, `reqq`) and waits for the remote's; only then does admission
 * (`admission.ts`) decide whether the remote may be served, so no bitfield and no block ever
 * reaches an unauthenticated peer. `ready` marks the end of this; both handshakes must be done
 * within `handshakeTimeoutMs`. A refused remote only sees the connection close (the wire has
 * no message to say why); our side emits `refused` with the reason, then `closed`.
 *
 * Without a ticket, a connection we open may carry a member certificate (no tracker reachable):
 * then we wait for the remote's extended handshake and answer with the certificate and a proof
 * signed over its `gs_nonce` (certificate-admission.ts). The side dialled, when it too holds a
 * certificate and no ticket for the file, then sends a second extended handshake (a BEP 10
 * update) with its certificate and a proof over the dialler's nonce, so two members fetching by
 * certificate serve each other; a bad proof there closes the connection, as at the first. Every
 * connection sends a fresh nonce, and serves the file's info dictionary by BEP 9 `ut_metadata`
 * to a remote it admitted.
 *
 * Limits are settled once, at the remote's first extended handshake: the block size is the
 * smaller `gs_block` of the two sides (16 KiB when absent, which is what stock clients get),
 * and we keep at most the remote's `reqq` requests outstanding (250 when absent, BEP 10).
 * Messages from the remote are handled in any state after its BEP 3 handshake; until it is
 * admitted it is simply choked and told nothing, so early requests are refused like any
 * request while choked.
 */
import { randomBytes } from 'node:crypto';

import { BLOCK_SIZE, SHA1_LENGTH, type Bitfield, pieceCount as countPieces, toHex } from '@groupshare/protocol';

import {
  EXTENDED_HANDSHAKE_ID, PEER_ID_LENGTH, WireError, decodeExtendedHandshake, encodeHandshake,
  NONCE_BYTES, UT_METADATA, extendedHandshakeMessage, type ExtendedHandshake, type HandshakeFrame, type WireFrame, type WireMessage,
} from '../wire/index.js';
import { admitRemote, isRefusal } from './admission.js';
import { admitByCertificate, proveCertificate } from './certificate-admission.js';
import * as C from './constants.js';
import type { ViolationKind } from './errors.js';
import { FetchHalf } from './fetching.js';
import type { PeerLink } from './link.js';
import { OUR_METADATA_ID, onMetadataMessage } from './metadata-serving.js';
import { PeerTransport } from './peer-transport.js';
import { ServeHalf } from './serving.js';
import type { PeerConnectionInit, PeerFile } from './types.js';

export type { PeerConnectionState } from './peer-transport.js';

/** See the module comment. Events: `PeerConnectionEvents`. Call `start()` after adding listeners. */
export class PeerConnection extends PeerTransport {
  readonly direction: 'incoming' | 'outgoing';
  #infoHash: Buffer | undefined;
  #file: PeerFile | undefined;
  #remotePeerId: Buffer | undefined;
  #remoteExt: ExtendedHandshake | undefined;
  #fast = false;
  #extended = false;
  #authorized = false;
  #wantInterested = false;
  #serve: ServeHalf | undefined;
  #fetch: FetchHalf | undefined;
  /** Counted in the file's `uploads` (admitted), so its close is reported there too. */
  #counted = false;
  #remoteUser: string | undefined;
  /** Our challenge for a remote's certificate proof (`gs_nonce`), fresh per connection. */
  readonly #nonce = randomBytes(NONCE_BYTES);
  readonly #init: PeerConnectionInit;
  readonly #peerId: Buffer;
  readonly #maxBlock: number;
  readonly #link: PeerLink;

  /** @throws {RangeError} for a peer id or info-hash that is not 20 bytes, a bad limit or inconsistent file geometry. */
  constructor(init: PeerConnectionInit) {
    const maxBlock = init.maxBlock ?? C.DEFAULT_MAX_BLOCK;
    super(init.socket, { ...init, maxFrameBytes: C.maxFrameBytes(maxBlock) });
    if (init.peerId.length !== PEER_ID_LENGTH) throw new RangeError('peerId must be 20 bytes');
    this.#init = init;
    this.#peerId = Buffer.from(init.peerId);
    this.#maxBlock = maxBlock;
    const conn = this;
    this.#link = {
      get fast() { return conn.#fast; },
      get closed() { return conn.closed; },
      stats: this.stats,
      send: (msg, onWritten) => this.send(msg, onWritten),
      canSendBlock: () => this.canSendBlock(),
      violation: (kind, message) => this.#violation(kind, message),
      fail: (code, reason) => this.end({ code, reason }),
      emit: (event, ...args) => this.fire(event, ...args),
    };
    this.direction = init.lookup === undefined ? 'outgoing' : 'incoming';
    if (init.file !== undefined) {
      if (init.infoHash.length !== SHA1_LENGTH) throw new RangeError('infoHash must be 20 bytes');
      this.#attach(Buffer.from(init.infoHash), init.file);
    }
    this.#ourExtendedHandshake(); // throws now, not mid-handshake, for a bad ticket or limit
  }

  /** The file's info-hash (for an incoming connection, once its handshake arrived). */
  get infoHash(): Buffer | undefined { return this.#infoHash; }
  get file(): PeerFile | undefined { return this.#file; }
  get remotePeerId(): Buffer | undefined { return this.#remotePeerId; }
  /** The remote's BEP 10 handshake, once received. */
  get remoteExtended(): ExtendedHandshake | undefined { return this.#remoteExt; }
  /**
   * `ip:port` of the remote's peer server, as the tracker lists it: the port from its BEP 10
   * handshake when it sent one (a connection it opened comes from an ephemeral port), else the
   * connection's own remote port.
   */
  get remotePeerAddress(): string {
    const ip = (this.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
    return `${ip}:${this.#remoteExt?.listenPort ?? this.remotePort ?? 0}`;
  }
  /** BEP 6 negotiated on both sides. */
  get fast(): boolean { return this.#fast; }
  /** The remote showed a valid ticket: we serve it. */
  get authorized(): boolean { return this.#authorized; }
  /** What the remote has (live), once the file is known. */
  get remoteHas(): Bitfield | undefined { return this.#fetch?.remoteHas; }
  get amChoking(): boolean { return this.#serve?.amChoking ?? true; }
  get amInterested(): boolean { return this.#fetch?.amInterested ?? this.#wantInterested; }
  get peerChoking(): boolean { return this.#fetch?.peerChoking ?? true; }
  get peerInterested(): boolean { return this.#serve?.peerInterested ?? false; }
  /** Our requests not yet answered. */
  get outstandingRequests(): number { return this.#fetch?.outstanding ?? 0; }
  /** The remote's requests we hold and have not answered yet. */
  get queuedUploads(): number { return this.#serve?.queued ?? 0; }
  /** Largest block either side may request (settled at `ready`). */
  get blockSize(): number { return this.#fetch?.blockSize ?? BLOCK_SIZE; }

  /** Sets `am_interested` (sent once the connection is open). */
  setInterested(interested: boolean): void {
    this.#wantInterested = interested;
    this.#fetch?.setInterested(interested);
  }

  /**
   * Requests a block; false if it cannot be sent now (not open, choked, the remote lacks the
   * piece, already outstanding, the remote's `reqq` is full).
   * @throws {RangeError} for a block outside the file or larger than {@link blockSize}.
   */
  request(index: number, begin: number, length: number): boolean {
    return this.#fetch?.request(index, begin, length) ?? false;
  }

  /** Cancels an outstanding request; false if it was not outstanding. */
  cancel(index: number, begin: number, length: number): boolean {
    return this.#fetch?.cancel(index, begin, length) ?? false;
  }

  /** Announces a newly verified piece (sent only to an authorized remote). */
  announceHave(index: number): void {
    if (this.state === 'open') this.#serve?.announceHave(index);
  }

  /** Counts a mistake found above this layer (a piece that failed its hash) as a violation. */
  penalize(message: string): void {
    this.#violation('penalty', message);
  }

  /** Closes the connection. Idempotent; `closed` fires once, with code `CLOSED_LOCALLY`. */
  close(reason = 'closed locally'): void {
    this.end({ code: 'CLOSED_LOCALLY', reason });
  }

  protected override onStart(): void {
    if (this.direction === 'incoming') return; // BEP 3: the receiver answers once it knows the file
    this.write(encodeHandshake({ infoHash: this.#infoHash as Buffer, peerId: this.#peerId, fast: true, extended: true }));
  }

  protected override onDrain(): void {
    this.#serve?.pump();
  }

  protected override onClosing(): void {
    this.#serve?.close();
    if (this.#counted) {
      const user = this.#remoteUser;
      this.#file?.uploads?.closed({ peer: this.remotePeerAddress, bytes: this.stats.payloadUp, ...(user !== undefined ? { user } : {}) });
    }
    const dropped = this.#fetch?.drop() ?? [];
    if (dropped.length > 0) this.fire('requestsDropped', dropped);
  }

  protected override onFrame(frame: WireFrame): void {
    if (frame.type === 'handshake') this.#onHandshake(frame);
    else this.#onMessage(frame);
  }

  #onHandshake(h: HandshakeFrame): void {
    if (this.#init.lookup !== undefined) {
      const file = this.#init.lookup(h.infoHash);
      if (file === undefined) {
        return this.end({ code: 'ERR_PEER_UNKNOWN_INFO_HASH', reason: `no shared file has info-hash ${toHex(h.infoHash)}` });
      }
      this.#attach(h.infoHash, file);
      this.write(encodeHandshake({ infoHash: h.infoHash, peerId: this.#peerId, fast: true, extended: true }));
    } else if (!h.infoHash.equals(this.#infoHash as Buffer)) {
      return this.end({ code: 'ERR_PEER_WRONG_INFO_HASH', reason: `the peer answered for info-hash ${toHex(h.infoHash)}` });
    }
    if (h.peerId.equals(this.#peerId)) return this.end({ code: 'ERR_PEER_SELF', reason: 'connected to ourselves' });
    this.#remotePeerId = h.peerId;
    this.#fast = h.fast;
    this.#extended = h.extended;
    this.fire('handshake', { peerId: h.peerId, fast: h.fast, extended: h.extended });
    if (!h.extended) return this.#admit(undefined); // a stock client without BEP 10: no ticket
    this.setState('extended');
    if (!this.#provesByCertificate()) this.send(this.#ourExtendedHandshake());
  }

  /** Routes each message to its one method in a half, after checking it was negotiated. */
  #onMessage(m: WireMessage): void {
    const serve = this.#serve as ServeHalf;
    const fetch = this.#fetch as FetchHalf;
    switch (m.type) {
      case 'keep_alive': case 'port': return;
      case 'choke': return fetch.onChoke();
      case 'unchoke': return fetch.onUnchoke();
      case 'interested': return serve.onInterested(true);
      case 'not_interested': return serve.onInterested(false);
      case 'have': return fetch.onHave(m.index);
      case 'bitfield': return fetch.onBitfield(m.bytes);
      case 'request': return serve.onRequest(m);
      case 'piece': return fetch.onPiece(m.index, m.begin, m.block);
      case 'cancel': return serve.onCancel(m);
      case 'extended': return this.#onExtended(m.id, m.payload);
      case 'suggest': case 'have_all': case 'have_none': case 'reject': case 'allowed_fast':
        // BEP 6: "if the fast extension is disabled, the peer MUST close the connection".
        if (!this.#fast) return this.end({ code: 'ERR_PEER_PROTOCOL', reason: `${m.type} without the fast extension` });
        if (m.type === 'have_all' || m.type === 'have_none') return fetch.onBitfield(m.type === 'have_all' ? 'all' : 'none');
        if (m.type === 'reject') return fetch.onReject(m);
        if (m.type === 'allowed_fast') return fetch.onAllowedFast(m.index);
        return; // suggest is advice; the picker decides what to fetch
    }
  }

  #onExtended(id: number, payload: Buffer): void {
    if (!this.#extended) return this.end({ code: 'ERR_PEER_PROTOCOL', reason: 'extended message without BEP 10' });
    if (id === OUR_METADATA_ID) {
      if (this.state !== 'open') return this.end({ code: 'ERR_PEER_PROTOCOL', reason: 'ut_metadata before the extended handshakes' });
      return onMetadataMessage(this.#link, payload, { authorized: this.#authorized, info: this.#file?.metadata?.info, remote: this.#remoteExt });
    }
    if (id !== EXTENDED_HANDSHAKE_ID) return; // ut_metadata is the only other extension in our `m`
    let ext: ExtendedHandshake;
    try {
      ext = decodeExtendedHandshake(payload);
    } catch (err) {
      if (err instanceof WireError) return this.end({ code: err.code, reason: err.message });
      throw err;
    }
    // BEP 10 allows later handshakes as updates; admission and limits are settled by the first,
    // except that a remote we do not serve yet may prove itself by certificate in one.
    if (this.state === 'open' && !this.#authorized && ext.certificate !== undefined) return this.#admitLater(ext);
    if (this.state !== 'extended') return;
    if (this.#provesByCertificate()) this.send(this.#ourExtendedHandshake(ext.nonce));
    this.#admit(ext);
    // Dialled by a member while we fetch by certificate too: prove ourselves over its nonce, so
    // that it serves us as we serve it (it admitted us as a mere seeder when our handshake came).
    const file = this.#file as PeerFile;
    if (!this.closed && this.direction === 'incoming' && file.ticket === undefined && file.certificate !== undefined && ext.nonce !== undefined) {
      const proof = proveCertificate(file.certificate.privateKey, ext.nonce, this.#infoHash as Buffer);
      this.send(extendedHandshakeMessage({ certificate: file.certificate.certificate, proof }));
    }
  }

  /** A remote admitted unauthorized shows a certificate afterwards: served if it proves it, else refused. */
  #admitLater(ext: ExtendedHandshake): void {
    const verdict = admitByCertificate({
      certificate: ext.certificate as string, proof: ext.proof, nonce: this.#nonce, infoHash: this.#infoHash as Buffer, ticketKey: this.#init.ticketKey,
      groupIds: this.#groupIds(), selfUser: this.#init.selfUser, nowMs: (this.#init.now ?? Date.now)(),
      ...(this.#init.certificateCheck !== undefined ? { extraCheck: this.#init.certificateCheck } : {}),
    });
    if ('code' in verdict) {
      this.fire('refused', verdict);
      return this.end(verdict);
    }
    this.#authorized = true;
    this.#remoteUser = verdict.user;
    this.#serve?.authorize();
  }

  /** The groups the file is served in: a ticket or certificate naming any of them is accepted. */
  #groupIds(): string[] {
    const file = this.#file as PeerFile;
    return file.otherGroupIds === undefined ? [file.groupId] : [file.groupId, ...file.otherGroupIds];
  }

  /** Both handshakes done: settle the limits, admit or refuse the remote, advertise. */
  #admit(ext: ExtendedHandshake | undefined): void {
    const serve = this.#serve as ServeHalf;
    const fetch = this.#fetch as FetchHalf;
    const file = this.#file as PeerFile;
    this.#remoteExt = ext;
    fetch.blockSize = serve.blockSize = Math.min(this.#maxBlock, ext?.maxBlock ?? BLOCK_SIZE);
    fetch.remoteQueue = ext?.maxRequests ?? C.DEFAULT_REMOTE_REQQ;
    const verdict = admitRemote({
      ticket: ext?.ticket, ticketKey: this.#init.ticketKey, groupIds: this.#groupIds(),
      infoHash: this.#infoHash as Buffer, nowMs: (this.#init.now ?? Date.now)(), weFetch: file.ticket !== undefined || file.certificate !== undefined,
      certificate: ext?.certificate, proof: ext?.proof, nonce: this.#nonce, selfUser: this.#init.selfUser, certificateCheck: this.#init.certificateCheck,
    });
    if (isRefusal(verdict)) {
      this.fire('refused', verdict);
      return this.end(verdict);
    }
    this.#authorized = verdict.authorized;
    this.#remoteUser = verdict.user;
    this.setState('open');
    file.uploads?.opened();
    this.#counted = file.uploads !== undefined;
    serve.open(verdict.authorized);
    fetch.open();
    this.fire('ready', {
      authorized: verdict.authorized, fast: this.#fast, blockSize: fetch.blockSize,
      ...(verdict.user !== undefined ? { remoteUser: verdict.user } : {}),
      ...(ext?.client !== undefined ? { client: ext.client } : {}),
    });
  }

  /** Binds the connection to its file: builds the two halves. */
  #attach(infoHash: Buffer, file: PeerFile): void {
    const pieceCount = countPieces(file.size, file.pieceLength);
    if (file.source.have.pieceCount !== pieceCount) {
      throw new RangeError(`the source has ${file.source.have.pieceCount} pieces, the file ${pieceCount}`);
    }
    this.#infoHash = infoHash;
    this.#file = file;
    const maxQueued = this.#init.maxQueuedRequests ?? C.DEFAULT_MAX_QUEUED_REQUESTS;
    this.#serve = new ServeHalf({ link: this.#link, file, pieceCount, maxQueued, slotKey: this }, BLOCK_SIZE);
    const geometry = { size: file.size, pieceLength: file.pieceLength, pieceCount };
    this.#fetch = new FetchHalf(this.#link, geometry, BLOCK_SIZE, C.DEFAULT_REMOTE_REQQ);
    this.#fetch.setInterested(this.#wantInterested);
  }

  /** We open this connection to fetch with a certificate (no ticket): our handshake waits for the remote's nonce. */
  #provesByCertificate(): boolean {
    return this.direction === 'outgoing' && this.#file?.ticket === undefined && this.#file?.certificate !== undefined;
  }

  /** Ours, with the certificate and its proof over `remoteNonce` when we prove by certificate. */
  #ourExtendedHandshake(remoteNonce?: Uint8Array): WireMessage {
    const file = this.#file;
    const cert = remoteNonce !== undefined && this.#provesByCertificate() ? file?.certificate : undefined;
    return extendedHandshakeMessage({
      extensions: new Map([[UT_METADATA, OUR_METADATA_ID]]), client: C.CLIENT_NAME, ticket: file?.ticket, maxBlock: this.#maxBlock,
      maxRequests: this.#init.maxQueuedRequests ?? C.DEFAULT_MAX_QUEUED_REQUESTS, nonce: this.#nonce,
      ...(this.#init.listenPort !== undefined ? { listenPort: this.#init.listenPort } : {}),
      ...(file?.metadata !== undefined ? { metadataSize: file.metadata.info.length, fileSha1: file.metadata.sha1 } : {}),
      ...(cert !== undefined && remoteNonce !== undefined
        ? { certificate: cert.certificate, proof: proveCertificate(cert.privateKey, remoteNonce, this.#infoHash as Buffer) } : {}),
    });
  }

  #violation(kind: ViolationKind, message: string): void {
    if (this.closed) return;
    const count = ++this.stats.violations;
    this.fire('violation', { kind, message, count });
    const max = this.#init.maxViolations ?? C.DEFAULT_MAX_VIOLATIONS;
    if (count > max) this.end({ code: 'ERR_PEER_TOO_MANY_VIOLATIONS', reason: `${count} violations, the last: ${message}` });
  }
}
