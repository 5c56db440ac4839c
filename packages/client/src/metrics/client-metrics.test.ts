import type { DownloadEntry, PeerNode, ServedFileRow } from '@groupshare/engine';
import { describe, expect, it } from 'vitest';
import { createClientMetrics, type ClientMetricsSource } from './client-metrics.js';
import { metricsAllowed, metricsRoute, type MetricsReply, type MetricsRequest } from './metrics-route.js';

/** The parts of a Download the metrics read, with values a test moves. */
function fakeDownload(name: string) {
  const d = {
    state: 'downloading' as string,
    bytesFrom: new Map<string, number>(),
    verified: 0,
    piecesAtStart: 0,
    piecesFailed: 0,
    bannedPeers: new Set<string>(),
    rate: 0,
    progress: () => ({ verified: d.verified, bytesPerSecond: d.rate }),
  };
  return { entry: { groupId: 'lab', name, dir: '/tmp', download: d } as unknown as DownloadEntry, d };
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

// The engine's PeerNode is a source as it is (checked by the compiler).
const _peerNodeFits = (node: PeerNode): ClientMetricsSource => node;
void _peerNodeFits;

describe('client metrics', () => {
  it('count bytes and pieces across scrapes and restarts, and show rates, peers and bans as they are now', async () => {
    const a = fakeDownload('a.bin');
    a.d.piecesAtStart = 3; // resumed with 3 pieces: not verified in this run
    a.d.verified = 5;
    a.d.bytesFrom.set('10.0.0.2:6881', 1000).set('10.0.0.3:6881', 500);
    a.d.piecesFailed = 1;
    a.d.bannedPeers.add('10.0.0.3:6881');
    a.d.rate = 2048;
    const rows: ServedFileRow[] = [{ groupId: 'lab', name: 'up.bin', kind: 'share', size: 10, piecesHave: 1, piecesTotal: 1, uploadedBytes: 700, peers: 2 }];
    const source: ClientMetricsSource = { downloads: [a.entry], servedFiles: () => rows };
    const registry = createClientMetrics(source);

    let text = await registry.metrics();
    expect(sample(text, 'groupshare_client_downloaded_bytes_total')).toBe(1500);
    expect(sample(text, 'groupshare_client_uploaded_bytes_total')).toBe(700);
    expect(sample(text, 'groupshare_client_pieces_verified_total')).toBe(2);
    expect(sample(text, 'groupshare_client_pieces_failed_total')).toBe(1);
    expect(sample(text, 'groupshare_client_banned_peers')).toBe(1);
    expect(sample(text, 'groupshare_client_peers_connected')).toBe(2);
    expect(sample(text, 'groupshare_client_download_bytes_per_second{group="lab",file="a.bin"}')).toBe(2048);

    // More arrives; the upload tally restarts (a new login) at 100; the download completes.
    a.d.bytesFrom.set('10.0.0.2:6881', 1600);
    a.d.verified = 6;
    rows[0] = { ...rows[0]!, uploadedBytes: 100, peers: 0 };
    a.d.state = 'seeding';
    text = await registry.metrics();
    expect(sample(text, 'groupshare_client_downloaded_bytes_total')).toBe(2100);
    expect(sample(text, 'groupshare_client_uploaded_bytes_total')).toBe(800);
    expect(sample(text, 'groupshare_client_pieces_verified_total')).toBe(3);
    expect(sample(text, 'groupshare_client_peers_connected')).toBe(0);
    expect(text).not.toContain('groupshare_client_download_bytes_per_second{');
  });
});

describe('metricsRoute', () => {
  async function call(auth: Parameters<typeof metricsRoute>[2], remoteAddress: string, authorization?: string) {
    let handler: ((req: MetricsRequest, reply: MetricsReply) => Promise<unknown>) | undefined;
    metricsRoute({ get: (path, h) => path === '/metrics' && (handler = h) }, createClientMetrics({ downloads: [], servedFiles: () => [] }), auth);
    const out = { status: 200, headers: {} as Record<string, string>, body: undefined as unknown };
    const reply: MetricsReply = {
      code: (s) => ((out.status = s), reply),
      header: (k, v) => ((out.headers[k] = v), reply),
      send: (b) => (out.body = b),
    };
    await handler!({ headers: authorization ? { authorization } : {}, socket: { remoteAddress } }, reply);
    return out;
  }

  it('serves loopback and the bearer token, and refuses anyone else with 403', async () => {
    const local = await call({}, '::ffff:127.0.0.1');
    expect(local.status).toBe(200);
    expect(String(local.body)).toContain('groupshare_client_downloaded_bytes_total 0');
    expect(local.headers['content-type']).toMatch(/^text\/plain/);
    const stranger = await call({ token: 'tok-0123456789abcdef' }, '192.0.2.9');
    expect(stranger.status).toBe(403);
    expect(JSON.stringify(stranger.body)).not.toContain('groupshare_client');
    expect((await call({ token: 'tok-0123456789abcdef' }, '192.0.2.9', 'Bearer tok-0123456789abcdef')).status).toBe(200);
    expect(await metricsAllowed({ token: 'tok-0123456789abcdef' }, '192.0.2.9', 'Bearer tok-0123456789abcdeX')).toBe(false);
    expect(await metricsAllowed({ loopback: false }, '127.0.0.1', undefined)).toBe(false);
    // A check instead of a fixed token (the web server's API tokens).
    const bearer = async (t: string) => t === 'gst_made-in-the-ui';
    expect(await metricsAllowed({ bearer }, '192.0.2.9', 'Bearer gst_made-in-the-ui')).toBe(true);
    expect(await metricsAllowed({ bearer }, '192.0.2.9', 'Bearer gst_forged')).toBe(false);
  });
});
