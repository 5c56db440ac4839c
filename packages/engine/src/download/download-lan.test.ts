// A download joins members heard on the LAN beside the tracker's peers (docs/lan.md).
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedFile, type SharedFixture } from '../../test/peer-harness.js';
import { completes, fakeTracker, sha1Of, startSeeder, testDownload, type FakeTracker } from '../../test/download-support.js';
import { Bitfield, signMemberCertificate, toHex } from '@groupshare/protocol';
import { seedBlockSource } from '../peer/index.js';
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
    // Still without a ticket: a member dialling us by certificate is shown ours, so it serves us back.
    expect(d.peerFile()?.certificate).toEqual({ certificate, privateKey: key.privateKey });
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

  it("a LAN peer that holds a newer group-key epoch refuses a certificate of an older one (its member left since)", async () => {
    // The peer node passes LAN discovery's epoch check as certificateCheck; here, a seeder at epoch 1.
    const seeder = await startSeeder(fx, undefined, { certificateCheck: (cert) => (cert.e >= 1 ? undefined : `epoch ${cert.e} is older than 1`) });
    cleanups.push(() => seeder.server.stop());
    const unreachable = { request: async () => { throw new Error('no tracker reachable'); } } as unknown as TrackerRequester;
    const h = fx.hashed;
    const offlineDownload = (epoch: number, into: string): Download => {
      const key = newMemberKey();
      const certificate = signMemberCertificate({ v: 1, t: 'lan-member', u: 'carol', g: GROUP, k: key.publicKey, e: epoch, exp: Math.floor(Date.now() / 1000) + 600 }, TICKET_PRIVATE_KEY);
      const d = testDownload(unreachable, into, {
        stallAfterMs: 60_000,
        lanPeers: () => [seeder.address],
        offline: { meta: { infoHash: h.infoHash, size: h.size, sha1: h.sha1, pieceLength: h.pieceLength, pieces: toHex(h.pieces) }, certificate: { certificate, privateKey: key.privateKey } },
      });
      cleanups.push(() => d.stop());
      return d;
    };
    const stale = offlineDownload(0, dest);
    const refused = new Promise<{ code: string; reason: string }>((resolve) => seeder.server.once('connection', (c) => c.once('refused', resolve)));
    await stale.start();
    const refusal = await refused;
    expect(refusal.code).toBe('ERR_PEER_CERT_WRONG_GROUP');
    expect(refusal.reason).toContain('epoch 0 is older than 1');
    expect(stale.progress().verified).toBe(0);
    // The same member's certificate of the current epoch is admitted.
    const current = join(dest, 'current');
    await fsp.mkdir(current);
    expect(await sha1Of(await completes(offlineDownload(1, current)))).toBe(fx.hashed.sha1);
  }, 20_000);

  it('started with no tracker, it reports its verified pieces and takes a ticket once a tracker answers', async () => {
    const half = new Bitfield(fx.seed.pieceCount);
    for (let i = 0; i < fx.seed.pieceCount / 2; i++) half.set(i);
    const seeder = await startSeeder(fx, { ...seedBlockSource(fx.seed), have: half });
    cleanups.push(() => seeder.server.stop());
    const tracker = fakeTracker(fx, []);
    let down = true;
    const link = { request: (type: string, fields: unknown) => (down ? Promise.reject(new Error('no tracker reachable')) : (tracker.request as (t: string, f: unknown) => Promise<unknown>)(type, fields)) } as unknown as FakeTracker;
    const key = newMemberKey();
    const certificate = signMemberCertificate({ v: 1, t: 'lan-member', u: 'bob', g: GROUP, k: key.publicKey, exp: Math.floor(Date.now() / 1000) + 600 }, TICKET_PRIVATE_KEY);
    const h = fx.hashed;
    const d: Download = testDownload(link, dest, {
      stallAfterMs: 60_000, peerRefreshMs: 200, haveBatchMs: 50,
      lanPeers: () => [seeder.address],
      offline: { meta: { infoHash: h.infoHash, size: h.size, sha1: h.sha1, pieceLength: h.pieceLength, pieces: toHex(h.pieces) }, certificate: { certificate, privateKey: key.privateKey } },
    });
    cleanups.push(() => d.stop());
    await d.start();
    const halfway = half.count();
    for (let i = 0; d.progress().verified < halfway; i++) {
      if (i > 200) throw new Error('the LAN peer never gave its pieces');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(tracker.updates.flat()).toEqual([]); // nothing reached a tracker yet
    down = false;
    for (let i = 0; new Set(tracker.updates.flat()).size < halfway; i++) {
      if (i > 200) throw new Error(`the verified pieces were not reported: ${JSON.stringify(tracker.updates)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect([...new Set(tracker.updates.flat())].sort((a, b) => a - b)).toEqual([...half.indices()]);
  }, 20_000);
});
