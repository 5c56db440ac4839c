/**
 * Starting a download with every tracker unreachable (docs/lan.md, "Downloading with no
 * tracker"): the file is found by name in the group's LAN catalog (members' announces), and its
 * metadata is fetched from the LAN peers announcing it, one after the other until one gives
 * metadata that hashes to the announced info-hash and names the catalog's file (name and size).
 * The member certificate from login admits us there, as it will for the download's connections.
 */
import type { Duplex } from 'node:stream';
import { connect as netConnect } from 'node:net';

import { assertValidGeometry, parseHostPort, parseInfoDictionary, toHex, fromHex } from '@groupshare/protocol';

import type { DownloadMeta } from '../download/types.js';
import type { CertificateCredential } from '../peer/certificate-admission.js';
import { fetchMetadata } from '../peer/metadata-fetch.js';
import { maxMetadataBytesFor } from '../wire/index.js';
import type { LanCatalogFile } from './peer-table.js';

/** Stable codes of {@link LanDownloadError}. */
export type LanDownloadErrorCode =
  /** LAN discovery is off (`--no-lan`) or did not start. */
  | 'ERR_LAN_OFF'
  /** No member certificate for the group (never logged in with a tracker reachable, or it expired). */
  | 'ERR_LAN_NO_CERTIFICATE'
  /** No member on the LAN announces a file of that name in the group. */
  | 'ERR_LAN_NOT_IN_CATALOG'
  /** Members announce it, but none gave its metadata. */
  | 'ERR_LAN_NO_PEER_ANSWERS';

export class LanDownloadError extends Error {
  override readonly name = 'LanDownloadError';
  constructor(readonly code: LanDownloadErrorCode, message: string) {
    super(message);
  }
}

/** What is read from LAN discovery (a LanSession is one). */
export interface LanCatalogSource {
  catalog(groupId: string): LanCatalogFile[];
  peersFor(groupId: string, infoHash: string): string[];
  certificate(groupId: string): CertificateCredential | undefined;
}

/** What {@link lanMetadata} found: the metadata, our certificate, the peers announcing the file. */
export interface LanStart {
  meta: DownloadMeta;
  certificate: CertificateCredential;
  peers: string[];
}

/**
 * Resolves `name` in the LAN catalog of `groupId` and fetches its metadata from the peers that
 * announce it.
 *
 * @throws {LanDownloadError} with one of the codes above; the message says what to do.
 */
export async function lanMetadata(
  lan: LanCatalogSource | undefined,
  groupId: string,
  name: string,
  opts: { peerId: Uint8Array; connect?: (host: string, port: number) => Duplex; timeoutMs?: number },
): Promise<LanStart> {
  if (lan === undefined) throw new LanDownloadError('ERR_LAN_OFF', 'LAN discovery is off, so nothing can be had from the LAN');
  const certificate = lan.certificate(groupId);
  if (certificate === undefined) {
    throw new LanDownloadError('ERR_LAN_NO_CERTIFICATE', `no member certificate for ${groupId} (it comes from a tracker at login: log in while one is reachable)`);
  }
  const file = lan.catalog(groupId).find((f) => f.name === name);
  if (file === undefined) throw new LanDownloadError('ERR_LAN_NOT_IN_CATALOG', `no member on the LAN announces ${name} in ${groupId} (lan_files lists what they do)`);
  const peers = lan.peersFor(groupId, file.infoHash);
  const problems: string[] = [];
  const connect = opts.connect ?? ((host: string, port: number) => netConnect(port, host));
  for (const address of peers) {
    try {
      const { host, port } = parseHostPort(address);
      const got = await fetchMetadata({
        socket: connect(host, port), peerId: opts.peerId, infoHash: fromHex(file.infoHash), certificate,
        maxBytes: maxMetadataBytesFor(file.size), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      });
      const info = parseInfoDictionary(got.info);
      if (info.name !== name || info.length !== file.size) throw new Error(`its metadata names ${info.name} of ${info.length} bytes, not the announced file`);
      assertValidGeometry(info.length, info.pieceLength);
      const meta = { infoHash: file.infoHash, size: info.length, sha1: toHex(got.sha1), pieceLength: info.pieceLength, pieces: toHex(info.pieces) };
      return { meta, certificate, peers };
    } catch (err) {
      problems.push(`${address}: ${(err as Error).message}`);
    }
  }
  const why = problems.length === 0 ? 'none is heard any more' : problems.join('; ');
  throw new LanDownloadError('ERR_LAN_NO_PEER_ANSWERS', `no LAN peer gave the metadata of ${name} (${why})`);
}
