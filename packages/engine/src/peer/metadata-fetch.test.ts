// A member with only (info-hash, size) from the LAN catalog gets the info dictionary from a peer
// by ut_metadata, admitted by its member certificate; garbage and strangers get nowhere.
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fromHex, infoDictionary, parseInfoDictionary, signMemberCertificate } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { maxMetadataBytesFor } from '../wire/index.js';
import { newMemberKey } from '../lan/member-key.js';
import { fetchMetadata, MetadataFetchError } from './metadata-fetch.js';
import { createPeerId } from './peer-id.js';
import type { PeerServer } from './peer-server.js';
import type { PeerCloseInfo } from './errors.js';
import type { PeerFile } from './types.js';
import { GROUP, TICKET_PRIVATE_KEY, sharedFile, startServer, type SharedFixture } from '../../test/peer-harness.js';

let fx: SharedFixture;
let server: PeerServer | undefined;
beforeEach(async () => {
  fx = await sharedFile(300 * 1024 + 5, 16 * 1024);
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await fx.cleanup();
});

const bob = newMemberKey();
const certFor = (g = GROUP, u = 'bob'): string =>
  signMemberCertificate({ v: 1, t: 'lan-member', u, g, k: bob.publicKey, exp: Math.floor(Date.now() / 1000) + 3600 }, TICKET_PRIVATE_KEY);
const info = (): Buffer =>
  infoDictionary({ name: fx.hashed.name, length: fx.hashed.size, pieceLength: fx.hashed.pieceLength, pieces: fx.hashed.pieces });

/** alice's peer server serving the file with `metadata`; records why it refused anyone. */
async function alice(metadata: PeerFile['metadata'] | null = { info: info(), sha1: fromHex(fx.hashed.sha1) }): Promise<{ port: number; refused: PeerCloseInfo[] }> {
  const refused: PeerCloseInfo[] = [];
  const file: PeerFile = { ...fx.seederFile(), ...(metadata ? { metadata } : {}) };
  const started = await startServer((h) => (h.equals(fx.infoHash) ? file : undefined), {});
  server = started.server;
  server.on('connection', (c) => c.on('refused', (r) => refused.push(r)));
  return { port: started.port, refused };
}

const fetchFrom = (port: number, extra: { certificate?: string; maxBytes?: number } = {}) =>
  fetchMetadata({
    socket: connect(port, '127.0.0.1'), peerId: createPeerId(), infoHash: fx.infoHash, timeoutMs: 3_000,
    certificate: { certificate: extra.certificate ?? certFor(), privateKey: bob.privateKey },
    maxBytes: extra.maxBytes ?? maxMetadataBytesFor(fx.hashed.size),
  });

describe('fetchMetadata (BEP 9 ut_metadata, admitted by member certificate)', () => {
  it('gets the info dictionary that hashes to the info-hash, and the whole-file SHA-1', async () => {
    const { port } = await alice();
    const got = await fetchFrom(port);
    const parsed = parseInfoDictionary(got.info);
    expect(parsed).toMatchObject({ name: 'shared.bin', length: fx.hashed.size, pieceLength: fx.hashed.pieceLength });
    expect(Buffer.from(parsed.pieces).equals(fx.hashed.pieces)).toBe(true);
    expect(got.sha1.toString('hex')).toBe(fx.hashed.sha1);
  });

  it('spans several 16 KiB metadata pieces', async () => {
    await fx.cleanup();
    fx = await sharedFile(20 * 1024 * 1024, 16 * 1024); // 1280 pieces: 25.6 kB of hashes, two metadata pieces
    const { port } = await alice();
    expect((await fetchFrom(port)).info.length).toBeGreaterThan(16 * 1024);
  });

  it('refuses metadata that does not hash to the info-hash (a peer sending garbage)', async () => {
    const garbage = Buffer.from(info());
    garbage.writeUInt8(garbage.readUInt8(garbage.length - 3) ^ 0xff, garbage.length - 3);
    const { port } = await alice({ info: garbage, sha1: fromHex(fx.hashed.sha1) });
    await expect(fetchFrom(port)).rejects.toMatchObject({ code: 'ERR_PEER_METADATA', message: expect.stringMatching(/does not hash to the info-hash/) });
  });

  it('refuses an announced size beyond what a file of this size can have, before fetching', async () => {
    const { port } = await alice({ info: Buffer.concat([info(), randomBytes(4000)]), sha1: fromHex(fx.hashed.sha1) });
    await expect(fetchFrom(port)).rejects.toMatchObject({ code: 'ERR_PEER_METADATA', message: expect.stringMatching(/more than a file of this size has/) });
  });

  it('gets nothing with a certificate for another group: the peer refuses it', async () => {
    const { port, refused } = await alice();
    await expect(fetchFrom(port, { certificate: certFor('other') })).rejects.toBeInstanceOf(MetadataFetchError);
    expect(refused.map((r) => r.code)).toEqual(['ERR_PEER_CERT_WRONG_GROUP']);
  });

  it('gets a clear error from a peer that has no metadata to give', async () => {
    const { port } = await alice(null);
    await expect(fetchFrom(port)).rejects.toMatchObject({ code: 'ERR_PEER_METADATA', message: expect.stringMatching(/did not say how large/) });
  });
});
