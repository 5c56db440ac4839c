// What a seeder's UploadTally and a Download's progress say about a real transfer over loopback:
// the bytes that went out, to which peer and user, how many peers are connected, the bytes done
// and the phase at the end (checking the whole file, then seeding).
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, expect, it } from 'vitest';

import { seedBlockSource } from '../peer/index.js';
import { GROUP, sharedFile, startServer, type SharedFixture } from '../../test/peer-harness.js';
import type { DownloadProgress } from './types.js';
import { completes, fakeTracker, testDownload } from '../../test/download-support.js';
import { UploadTally } from './upload-tally.js';

const PIECE = 64 * 1024;
const SIZE = 20 * PIECE + 777; // 21 pieces, the last one short

let fx: SharedFixture;
let dest: string;
beforeEach(async () => {
  fx = await sharedFile(SIZE, PIECE);
  dest = await fsp.mkdtemp(join(tmpdir(), 'gs-tally-'));
});
afterEach(async () => {
  await fx.cleanup();
  await fsp.rm(dest, { recursive: true, force: true });
});

it('counts what a seeder uploads, to whom, and who is connected; progress ends checking, then seeding', async () => {
  const tally = new UploadTally();
  const file = { groupId: GROUP, size: SIZE, pieceLength: PIECE, source: seedBlockSource(fx.seed), uploads: tally };
  const { server, port } = await startServer((h) => (h.equals(fx.infoHash) ? file : undefined));
  const d = testDownload(fakeTracker(fx, [{ address: `127.0.0.1:${port}` }]), dest);
  const seen: DownloadProgress[] = [];
  // Sampled just after each piece's handlers ran: completion starts right after the last one.
  d.on('pieceVerified', () => queueMicrotask(() => seen.push(d.progress())));
  try {
    await completes(d);
    expect(tally.connected).toBe(1);
    expect(tally.bytes).toBe(SIZE);
    const p = d.progress();
    expect(p).toMatchObject({ verified: 21, total: 21, bytesDone: SIZE, bytesTotal: SIZE, phase: 'seeding' });
    // The last piece verified while the whole file was not checked yet: that is the checking phase.
    expect(seen.at(-1)?.phase).toBe('checking');
    expect(seen[0]).toMatchObject({ phase: 'downloading', bytesTotal: SIZE });
    expect(seen.map((s) => s.bytesDone).every((b, i, all) => i === 0 || b >= (all[i - 1] as number))).toBe(true);
  } finally {
    await d.stop();
  }
  await new Promise((r) => setTimeout(r, 50)); // the seeder's side of the close
  expect(tally.connected).toBe(0);
  // The fake tracker's ticket names bob; the peer is the downloader's address.
  expect(tally.take()).toEqual([{ peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as unknown as string, user: 'bob', bytes: SIZE }]);
  expect(tally.bytes).toBe(0); // taken: counting starts afresh
  await server.stop();
});
