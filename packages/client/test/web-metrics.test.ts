// GET /metrics on a client's web server (issue 18): after a download through the web API, the
// downloader's metrics count the bytes and verified pieces and the sharer's the bytes uploaded.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startWorld, until } from './helpers.js';
import { aliceAndBobWithLab } from './web-client.js';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the web server\'s /metrics', () => {
  it('counts a download\'s bytes and pieces on the downloader and the upload on the sharer', async () => {
    await using world = await startWorld();
    const data = randomBytes(600_000);
    const shared = path.join(world.dir, 'mine');
    await mkdir(shared);
    await writeFile(path.join(shared, 'data.bin'), data);
    const { alice, bob } = await aliceAndBobWithLab(world, ['--web-root', shared]);
    await alice.web.post('/api/groups/lab/shares', { path: path.join(shared, 'data.bin') });
    await bob.web.post('/api/groups/lab/join');
    await alice.web.post('/api/groups/lab/requests/bob/accept');

    const before = await bob.web.get('/metrics');
    expect(before.status).toBe(200);
    expect(sample(before.text, 'groupshare_client_downloaded_bytes_total')).toBe(0);

    await bob.web.post('/api/downloads', { groupId: 'lab', name: 'data.bin', destination: 'got' });
    const done = await until('the download to complete', async () =>
      (await bob.web.get('/api/downloads')).json.downloads.find((d: { state: string }) => d.state === 'completed'),
      15_000,
    );
    const got = (await bob.web.get('/metrics')).text;
    expect(sample(got, 'groupshare_client_downloaded_bytes_total')).toBe(data.length);
    expect(sample(got, 'groupshare_client_pieces_verified_total')).toBe(done.pieceCount);
    expect(sample(got, 'groupshare_client_pieces_failed_total')).toBe(0);
    expect(sample(got, 'groupshare_client_banned_peers')).toBe(0);
    const sent = (await alice.web.get('/metrics')).text;
    expect(sample(sent, 'groupshare_client_uploaded_bytes_total')).toBe(data.length);

    await alice.shell.end();
    await bob.shell.end();
  });
});
