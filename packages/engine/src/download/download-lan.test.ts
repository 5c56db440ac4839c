// A download joins members heard on the LAN beside the tracker's peers (docs/lan.md).
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedFile, type SharedFixture } from '../../test/peer-harness.js';
import { completes, fakeTracker, sha1Of, startSeeder, testDownload } from '../../test/download-support.js';
import { signMemberCertificate, toHex } from '@groupshare/protocol';
import { GROUP, TICKET_PRIVATE_KEY } from '../../test/peer-harness.js';
import { newMemberKey } from '../lan/member-key.js';
import type { Download } from './download.js';
import type { TrackerRequester } from './types.js';

let fx: SharedFixture;
let dest: string;
const cleanups: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  fx = await sharedFile(1024 * 1024 + 777, 64 * 1024);
  dest = await fsp.mkdtemp(join(tmpdir(), 'gs-dl-lan-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await fx.cleanup();
  await fsp.rm(dest, { recursive: true, force: true });
});

describe('Download with LAN peers', () => {
  it('completes from a LAN peer the tracker does not list, SHA-1 checked, with the tracker ticket', async () => {
    const seeder = await startSeeder(fx);
    cleanups.push(() => seeder.server.stop());
    const asked: string[] = [];
    const d: Download = testDownload(fakeTracker(fx, []), dest, {
      stallAfterMs: 60_000,
      lanPeers: (infoHash) => {
        asked.push(infoHash);
        return [seeder.address];
      },
    });
    cleanups.push(() => d.stop());
    const path = await completes(d);
    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    expect(asked[0]).toBe(fx.hashed.infoHash);
    expect([...d.blocksFrom.keys()]).toEqual([seeder.address]);
  }, 20_000);

  it('addPeers joins a member heard after the download started', async () => {
    const seeder = await startSeeder(fx);
    cleanups.push(() => seeder.server.stop());
    const d: Download = testDownload(fakeTracker(fx, []), dest, { stallAfterMs: 60_000 });
    cleanups.push(() => d.stop());
    await d.start();
    expect(d.progress().peers).toBe(0);
    const done = new Promise<void>((resolve) => d.once('completed', () => resolve()));
    d.addPeers([seeder.address, 'not an address']);
    await done;
    expect(await sha1Of(join(dest, 'shared.bin'))).toBe(fx.hashed.sha1);
  }, 20_000);

  it('starts with every tracker unreachable: metadata given, admitted by member certificate, SHA-1 checked', async () => {
    const seeder = await startSeeder(fx);
    cleanups.push(() => seeder.server.stop());
    const asked: string[] = [];
    // Every request fails, as the link's do while no tracker answers.
    const unreachable = { request: async (type: string) => { asked.push(type); throw new Error('no tracker reachable'); } } as unknown as TrackerRequester;
    const key = newMemberKey();
    const certificate = signMemberCertificate({ v: 1, t: 'lan-member', u: 'bob', g: GROUP, k: key.publicKey, exp: Math.floor(Date.now() / 1000) + 600 }, TICKET_PRIVATE_KEY);
    const h = fx.hashed;
    const d: Download = testDownload(unreachable, dest, {
      stallAfterMs: 60_000,
      lanPeers: () => [seeder.address],
      offline: { meta: { infoHash: h.infoHash, size: h.size, sha1: h.sha1, pieceLength: h.pieceLength, pieces: toHex(h.pieces) }, certificate: { certificate, privateKey: key.privateKey } },
    });
    cleanups.push(() => d.stop());
    const path = await completes(d);
    expect(await sha1Of(path)).toBe(fx.hashed.sha1);
    expect([...d.blocksFrom.keys()]).toEqual([seeder.address]);
    expect(asked).not.toContain('get_file');
  }, 20_000);

  it('with no tracker and no certificate of the group, a LAN peer refuses it and nothing is fetched', async () => {
    const seeder = await startSeeder(fx);
    cleanups.push(() => seeder.server.stop());
    const unreachable = { request: async () => { throw new Error('no tracker reachable'); } } as unknown as TrackerRequester;
    const key = newMemberKey();
    const certificate = signMemberCertificate({ v: 1, t: 'lan-member', u: 'bob', g: 'other', k: key.publicKey, exp: Math.floor(Date.now() / 1000) + 600 }, TICKET_PRIVATE_KEY);
    const h = fx.hashed;
    const d: Download = testDownload(unreachable, dest, {
      stallAfterMs: 60_000,
      lanPeers: () => [seeder.address],
      offline: { meta: { infoHash: h.infoHash, size: h.size, sha1: h.sha1, pieceLength: h.pieceLength, pieces: toHex(h.pieces) }, certificate: { certificate, privateKey: key.privateKey } },
    });
    cleanups.push(() => d.stop());
    const refused = new Promise<string>((resolve) => seeder.server.once('connection', (c) => c.once('refused', (r) => resolve(r.code))));
    await d.start();
    expect(await refused).toBe('ERR_PEER_CERT_WRONG_GROUP');
    expect(d.progress().verified).toBe(0);
  }, 20_000);
});
