// Starting a download from the LAN catalog: clear, coded errors for each way it cannot start, and
// the metadata from the first announcing peer that gives a dictionary hashing to the info-hash.
import { fromHex, infoDictionary, signMemberCertificate, toHex } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { PeerFile } from '../peer/types.js';
import type { PeerServer } from '../peer/peer-server.js';
import { createPeerId } from '../peer/peer-id.js';
import { GROUP, TICKET_PRIVATE_KEY, sharedFile, startServer, type SharedFixture } from '../../test/peer-harness.js';
import { lanMetadata, type LanCatalogSource } from './lan-metadata.js';
import { newMemberKey } from './member-key.js';

let fx: SharedFixture;
const servers: PeerServer[] = [];
beforeEach(async () => {
  fx = await sharedFile(200 * 1024 + 3, 16 * 1024);
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  await fx.cleanup();
});

const key = newMemberKey();
const credential = {
  certificate: signMemberCertificate({ v: 1, t: 'lan-member', u: 'bob', g: GROUP, k: key.publicKey, exp: Math.floor(Date.now() / 1000) + 600 }, TICKET_PRIVATE_KEY),
  privateKey: key.privateKey,
};

/** A LAN catalog announcing `fx`'s file (as shared.bin) at `peers`. */
function lan(peers: string[], withCertificate = true): LanCatalogSource {
  return {
    catalog: (g) => (g === GROUP ? [{ infoHash: fx.hashed.infoHash, name: 'shared.bin', size: fx.hashed.size, holders: ['alice'] }] : []),
    peersFor: () => peers,
    certificate: () => (withCertificate ? credential : undefined),
  };
}

async function seeder(info: Uint8Array): Promise<string> {
  const file: PeerFile = { ...fx.seederFile(), metadata: { info, sha1: fromHex(fx.hashed.sha1) } };
  const { server, port } = await startServer((h) => (h.equals(fx.infoHash) ? file : undefined));
  servers.push(server);
  return `127.0.0.1:${port}`;
}

const opts = { peerId: createPeerId(), timeoutMs: 2_000 };
const goodInfo = (): Buffer => infoDictionary({ name: 'shared.bin', length: fx.hashed.size, pieceLength: fx.hashed.pieceLength, pieces: fx.hashed.pieces });

describe('lanMetadata', () => {
  it('fetches the metadata from the first peer that gives the right one, skipping a liar', async () => {
    const garbage = Buffer.from(goodInfo());
    garbage.writeUInt8(garbage.readUInt8(garbage.length - 2) ^ 1, garbage.length - 2);
    const liar = await seeder(garbage);
    const honest = await seeder(goodInfo());
    const start = await lanMetadata(lan([liar, honest]), GROUP, 'shared.bin', opts);
    expect(start.meta).toEqual({
      infoHash: fx.hashed.infoHash, size: fx.hashed.size, sha1: fx.hashed.sha1, pieceLength: fx.hashed.pieceLength, pieces: toHex(fx.hashed.pieces),
    });
    expect(start.peers).toEqual([liar, honest]);
    expect(start.certificate).toBe(credential);
  });

  it('says which way it cannot start, with a stable code', async () => {
    await expect(lanMetadata(undefined, GROUP, 'shared.bin', opts)).rejects.toMatchObject({ code: 'ERR_LAN_OFF' });
    await expect(lanMetadata(lan([], false), GROUP, 'shared.bin', opts)).rejects.toMatchObject({ code: 'ERR_LAN_NO_CERTIFICATE' });
    await expect(lanMetadata(lan([]), GROUP, 'other.bin', opts)).rejects.toMatchObject({
      code: 'ERR_LAN_NOT_IN_CATALOG', message: 'no member on the LAN announces other.bin in books (lan_files lists what they do)',
    });
    await expect(lanMetadata(lan([]), GROUP, 'shared.bin', opts)).rejects.toMatchObject({ code: 'ERR_LAN_NO_PEER_ANSWERS' });
    const dead = await seeder(goodInfo());
    await servers.pop()?.stop();
    await expect(lanMetadata(lan([dead]), GROUP, 'shared.bin', opts)).rejects.toMatchObject({
      code: 'ERR_LAN_NO_PEER_ANSWERS', message: expect.stringContaining(`no LAN peer gave the metadata of shared.bin (${dead}: `),
    });
  });
});
