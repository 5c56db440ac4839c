// A headless peer (the real program, dist/main.js, built by `pnpm run build`) stopped with
// SIGTERM while a download is half done, then started again on the same data directory, resumes
// that download from its verified pieces, not from zero, and finishes it with the right SHA-1.
//
// The only holder is a ScriptedPeer (testkit): honest, rate-limited so that the download is still
// running when it is stopped, and counting from outside the client every block it serves (with
// the test's `epoch`: 0 before the restart, 1 after) and every piece the client announces to it
// (`have` once a piece is verified and journaled, and the bitfield a restarted client opens with).
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ClientProcess } from '@groupshare/testkit/client-process';
import { joinAsSeeder, ScriptedPeer } from '@groupshare/testkit/peers';
import { Cleanup, fileFixture } from '@groupshare/testkit/scenario';
import { WsClient } from '@groupshare/tracker/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorld, until } from './helpers.js';
import { WebClient } from './web-client.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const PIECE_LENGTH = 32 * 1024;
const PIECES = 64;
/** 2 MiB at 40 blocks of 16 KiB a second (640 KiB/s): about 3 s of transfer in all. */
const BLOCKS_PER_SECOND = 40;
const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

describe('headless peer restarted during a download', () => {
  it('resumes it from the pieces verified before SIGTERM and finishes it with the right SHA-1', async () => {
    await using world = await startWorld();
    const data = randomBytes(PIECES * PIECE_LENGTH);
    const dataDir = path.join(world.dir, 'bob');
    const start = (): ClientProcess => cleanup.add(ClientProcess.spawn({ name: 'bob', trackerInfo: world.infoFile, dataDir, args: ['--headless', '--web', '127.0.0.1:0'] }));
    const webOf = async (peer: ClientProcess): Promise<WebClient> => new WebClient(new URL((await peer.waitFor(/web interface at (http:\/\/\S+)$/))[1] as string));

    // bob's peer, driven through its web API: an account, a login (remembered in session.json),
    // the group, and an API token for after the restart.
    let bob = start();
    const web = await webOf(bob);
    web.csrf = (await web.get('/api/session')).json.csrfToken;
    await web.post('/api/accounts', { userId: 'bob', password: 'bob-password' });
    expect((await web.login('bob', 'bob-password')).status).toBe(200);
    await web.post('/api/groups', { groupId: 'lab' });
    const token = (await web.post('/api/tokens', { label: 'test' })).json.token as string;

    const fixture = fileFixture('lab', 'data.bin', data, PIECE_LENGTH);
    const seeder = cleanup.add(await ScriptedPeer.listen({ name: 'seed', data, pieceLength: PIECE_LENGTH, infoHash: fixture.infoHash, behaviour: { kind: 'honest', blocksPerSecond: BLOCKS_PER_SECOND } }));
    const ws = await WsClient.connect(`ws://127.0.0.1:${world.port}/ws`);
    cleanup.defer(() => ws.close());
    await joinAsSeeder(seeder, {
      ws,
      userId: 'seed',
      groupId: 'lab',
      share: fixture.share,
      accept: async (userId) => void expect((await web.post(`/api/groups/lab/requests/${userId}/accept`)).status).toBe(200),
    });
    expect((await web.post('/api/downloads', { groupId: 'lab', name: 'data.bin' })).status).toBe(200);

    // Stopped once a third of the pieces are verified (announced to the seeder).
    await seeder.waitFor('a third of the pieces announced', () => seeder.announced.size >= PIECES / 3, 30_000);
    bob.signal('SIGTERM');
    expect(await bob.exited).toEqual({ code: 0, signal: null });
    expect(bob.stdout).toContain('stopping: shares and downloads resume at the next start');
    await seeder.allClosed();
    const verified = new Set(seeder.announced.keys());
    expect(verified.size).toBeLessThan(PIECES);
    seeder.epoch = 1;

    // The same data directory: the remembered session, and the download with it.
    bob = start();
    const resumed = await bob.waitFor(/^resuming the download of data\.bin from lab \((\d+) of (\d+) pieces already here\)$/);
    expect(Number(resumed[1])).toBeGreaterThanOrEqual(verified.size);
    expect(Number(resumed[2])).toBe(PIECES);
    const later = await webOf(bob);
    const bearer = { authorization: `Bearer ${token}` };
    const done = await until('the download to complete', async () => {
      const [d] = (await later.get('/api/downloads', bearer)).json.downloads as Array<{ state: string; destination: string; reason?: string }>;
      if (d?.state === 'failed') throw new Error(`the download failed: ${d.reason}`);
      return d?.state === 'completed' && d;
    }, 30_000);
    expect(sha1(await readFile(path.join(done.destination, 'data.bin')))).toBe(sha1(data));
    expect(done.destination).toBe(path.join(dataDir, 'downloads'));

    // Not from zero: no block of a piece verified before the stop was fetched again after it,
    // so the second run fetched at most the pieces that were missing.
    expect(seeder.served.filter((b) => b.epoch === 1 && verified.has(b.index))).toEqual([]);
    expect(seeder.bytesServed(1)).toBeLessThanOrEqual((PIECES - verified.size) * PIECE_LENGTH);
    bob.signal('SIGTERM');
    expect(await bob.exited).toEqual({ code: 0, signal: null });
    expect(bob.stderr).toBe('');
  }, 90_000);
});
