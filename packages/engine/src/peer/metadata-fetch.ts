/**
 * Fetching a file's info dictionary from one peer over BEP 9 `ut_metadata`, for a member that
 * knows only the file's info-hash, name and size (from the LAN catalog) and no tracker to ask
 * (docs/lan.md, "Downloading with no tracker").
 *
 * A short connection of its own: BEP 3 handshake, the peer's BEP 10 handshake (its `gs_nonce`,
 * `ut_metadata` id and `metadata_size`), ours (the member certificate and its proof over the
 * nonce, or a ticket), then the metadata's 16 KiB pieces, a few requests in flight, and close.
 * The peer serves them only once it admitted us, so a non-member learns nothing.
 *
 * Nothing the peer says is trusted: a `metadata_size` above what a file of the catalog's size can
 * have is refused before any request, every message is decoded within the codec's bounds, and
 * the assembled dictionary is believed only if its SHA-1 is the info-hash. The whole-file SHA-1
 * (`gs_sha1`) is not covered by the info-hash: every piece is checked against the dictionary's
 * hashes, which fixes the file's bytes, and a peer lying about it only makes the download's final
 * check fail, never lets other bytes in. Any failure rejects
 * with a {@link MetadataFetchError} whose `code` says why; the caller tries another peer.
 */
import type { Duplex } from 'node:stream';

import { BLOCK_SIZE, sha1, toHex } from '@groupshare/protocol';

import {
  EXTENDED_HANDSHAKE_ID, UT_METADATA, WireError, decodeExtendedHandshake, decodeMetadataMessage, encodeHandshake,
  encodeMetadataMessage, extendedHandshakeMessage, metadataPieceCount, type WireFrame,
} from '../wire/index.js';
import { proveCertificate, type CertificateCredential } from './certificate-admission.js';
import * as C from './constants.js';
import type { PeerCloseCode } from './errors.js';
import { OUR_METADATA_ID } from './metadata-serving.js';
import { PeerTransport } from './peer-transport.js';

/** Metadata requests in flight at once (each answer is 16 KiB). */
const IN_FLIGHT = 8;

/** Why metadata could not be had from a peer. */
export class MetadataFetchError extends Error {
  override readonly name = 'MetadataFetchError';
  constructor(readonly code: PeerCloseCode, message: string) {
    super(message);
  }
}

/** What {@link fetchMetadata} needs. */
export interface MetadataFetchInit {
  socket: Duplex;
  peerId: Uint8Array;
  /** The info-hash (20 bytes): the dictionary must hash to it. */
  infoHash: Uint8Array;
  /** Our member certificate and its key (or a `ticket`). */
  certificate?: CertificateCredential;
  ticket?: string;
  /** Refuse a `metadata_size` above this (maxMetadataBytesFor the catalog's size). */
  maxBytes: number;
  /** Whole exchange deadline; default the handshake timeout. */
  timeoutMs?: number;
}

/** What a peer gave: the info dictionary (verified) and the whole-file SHA-1 it claims (see the module comment). */
export interface FetchedMetadata {
  info: Buffer;
  sha1: Buffer;
}

/** Resolves with the verified info dictionary and the peer's whole-file SHA-1; rejects with a {@link MetadataFetchError}. */
export function fetchMetadata(init: MetadataFetchInit): Promise<FetchedMetadata> {
  return new Promise((resolve, reject) => {
    const conn = new MetadataConnection(init, resolve);
    conn.once('closed', (info) => reject(new MetadataFetchError(info.code === 'CLOSED_BY_REMOTE' ? 'ERR_PEER_METADATA' : info.code,
      info.code === 'CLOSED_BY_REMOTE' ? 'the peer closed the connection before sending the metadata (it did not admit us, or has none)' : info.reason)));
    conn.start();
  });
}

class MetadataConnection extends PeerTransport {
  #remoteId = 0;
  #sha1 = Buffer.alloc(0);
  #size = 0;
  #pieces: (Buffer | undefined)[] = [];
  #next = 0;
  #received = 0;
  readonly #deadline: NodeJS.Timeout;

  constructor(private readonly init: MetadataFetchInit, private readonly done: (m: FetchedMetadata) => void) {
    const timeoutMs = init.timeoutMs ?? C.DEFAULT_HANDSHAKE_TIMEOUT_MS;
    super(init.socket, { maxFrameBytes: C.maxFrameBytes(BLOCK_SIZE), handshakeTimeoutMs: timeoutMs });
    this.#deadline = setTimeout(() => this.guard(() => this.#fail(`no metadata within ${timeoutMs} ms`)), timeoutMs).unref();
  }

  protected override onStart(): void {
    this.write(encodeHandshake({ infoHash: Buffer.from(this.init.infoHash), peerId: Buffer.from(this.init.peerId), fast: true, extended: true }));
  }

  protected override onDrain(): void {}

  protected override onClosing(): void {
    clearTimeout(this.#deadline);
  }

  protected override onFrame(frame: WireFrame): void {
    if (frame.type === 'handshake') {
      if (!frame.infoHash.equals(Buffer.from(this.init.infoHash))) return this.#fail(`the peer answered for info-hash ${toHex(frame.infoHash)}`);
      if (!frame.extended) return this.#fail('the peer has no extension protocol (BEP 10), so no metadata');
      return this.setState('extended');
    }
    if (frame.type !== 'extended') return; // have_all, bitfield, unchoke...: not what we came for
    try {
      if (frame.id === EXTENDED_HANDSHAKE_ID) this.#onRemoteHandshake(frame.payload);
      else if (frame.id === OUR_METADATA_ID) this.#onMetadata(frame.payload);
    } catch (err) {
      if (err instanceof WireError) return this.end({ code: err.code, reason: err.message });
      throw err;
    }
  }

  #onRemoteHandshake(payload: Buffer): void {
    if (this.state !== 'extended') return; // a later update: the first settled it
    const ext = decodeExtendedHandshake(payload);
    const id = ext.extensions.get(UT_METADATA);
    if (id === undefined || id === 0) return this.#fail('the peer does not serve metadata (no ut_metadata)');
    if (ext.metadataSize === undefined || ext.fileSha1 === undefined) return this.#fail('the peer did not say how large the metadata is or its SHA-1');
    if (ext.metadataSize > this.init.maxBytes) {
      return this.#fail(`the peer announces ${ext.metadataSize} bytes of metadata, more than a file of this size has (${this.init.maxBytes})`);
    }
    const cert = this.init.certificate;
    const proof = cert !== undefined && ext.nonce !== undefined && this.init.ticket === undefined
      ? { certificate: cert.certificate, proof: proveCertificate(cert.privateKey, ext.nonce, this.init.infoHash) } : {};
    this.send(extendedHandshakeMessage({
      extensions: new Map([[UT_METADATA, OUR_METADATA_ID]]), client: C.CLIENT_NAME, maxBlock: BLOCK_SIZE,
      ...(this.init.ticket !== undefined ? { ticket: this.init.ticket } : {}), ...proof,
    }));
    this.#remoteId = id;
    this.#sha1 = Buffer.from(ext.fileSha1);
    this.#size = ext.metadataSize;
    this.#pieces = new Array<Buffer | undefined>(metadataPieceCount(this.#size)).fill(undefined);
    this.setState('open');
    while (this.#next < Math.min(IN_FLIGHT, this.#pieces.length)) this.#request();
  }

  #request(): void {
    const piece = this.#next++;
    this.send({ type: 'extended', id: this.#remoteId, payload: encodeMetadataMessage({ type: 'request', piece }) });
  }

  #onMetadata(payload: Buffer): void {
    if (this.state !== 'open') return this.#fail('metadata before the handshakes');
    const m = decodeMetadataMessage(payload);
    if (m.type === 'reject') return this.#fail(`the peer refused metadata piece ${m.piece}`);
    if (m.type === 'request') return; // we serve nothing here
    if (m.totalSize !== this.#size) return this.#fail(`the peer said ${this.#size} bytes of metadata, then ${m.totalSize}`);
    if (m.piece >= this.#next || this.#pieces[m.piece] !== undefined) return this.#fail(`metadata piece ${m.piece} was not asked for`);
    this.#pieces[m.piece] = m.data;
    this.#received++;
    if (this.#next < this.#pieces.length) this.#request();
    if (this.#received < this.#pieces.length) return;
    const info = Buffer.concat(this.#pieces as Buffer[]);
    if (!sha1(info).equals(Buffer.from(this.init.infoHash))) return this.#fail('the metadata does not hash to the info-hash: a peer sending garbage');
    this.done({ info, sha1: this.#sha1 });
    this.end({ code: 'CLOSED_LOCALLY', reason: 'metadata received' });
  }

  #fail(reason: string): void {
    this.end({ code: 'ERR_PEER_METADATA', reason });
  }
}
