// GET /metrics (issue 18): Prometheus text with the tracker's series, for loopback, the cluster
// secret's proof or the configured bearer token only.
import { describe, expect, it } from 'vitest';
import { STATUS_PROOF_HEADER, statusProof } from '../src/api/http-routes.js';
import { startCluster, SECRET } from './cluster-helpers.js';
import { loggedIn, startTestTracker } from './helpers.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const get = (url: string, remoteAddress: string, headers: Record<string, string> = {}) => ({ method: 'GET' as const, url, remoteAddress, headers });

/** The value of one series (name with its labels, as exposed), or undefined if absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('counts clients, requests by type and result, failed and throttled logins, with latency histograms', async () => {
    await using t = await startTestTracker({ loginThrottle: { freeFailures: 0, baseDelayMs: 600_000, maxDelayMs: 600_000 } });
    await loggedIn(t, 'alice');
    const eve = await t.connect();
    expect(await eve.fails('login', { userId: 'alice', password: 'wrong-password-1' })).toBe('ERR_BAD_CREDENTIALS');
    expect(await eve.fails('login', { userId: 'alice', password: 'wrong-password-2' })).toBe('ERR_RATE_LIMITED');

    const reply = await t.tracker.app.inject(get('/metrics', '127.0.0.1'));
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = reply.body;
    expect(sample(text, 'groupshare_tracker_clients_connected')).toBe(2);
    expect(sample(text, 'groupshare_tracker_clients_logged_in')).toBe(1);
    expect(sample(text, 'groupshare_tracker_requests_total{type="register",result="ok"}')).toBe(1);
    expect(sample(text, 'groupshare_tracker_requests_total{type="login",result="ERR_BAD_CREDENTIALS"}')).toBe(1);
    expect(sample(text, 'groupshare_tracker_logins_failed_total')).toBe(1);
    expect(sample(text, 'groupshare_tracker_logins_throttled_total')).toBe(1);
    expect(sample(text, 'groupshare_tracker_request_duration_seconds_count{type="login"}')).toBe(3);
    expect(sample(text, 'groupshare_tracker_database_bytes{file="main"}')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('answers a stranger 403, and the bearer token or the cluster proof 200', async () => {
    await using t = await startTestTracker({ metricsToken: TOKEN, cluster: { trackers: [{ host: '127.0.0.1', port: 0 }], secret: SECRET } });
    const app = t.tracker.app;
    const refused = await app.inject(get('/metrics', '192.0.2.7'));
    expect(refused.statusCode).toBe(403);
    expect(refused.body).not.toContain('groupshare_tracker_');
    expect(refused.json().error).toContain('bearer token');
    expect((await app.inject(get('/metrics', '192.0.2.7', { authorization: `Bearer ${TOKEN}x` }))).statusCode).toBe(403);
    expect((await app.inject(get('/metrics', '192.0.2.7', { authorization: `Bearer ${TOKEN}` }))).body).toContain('groupshare_tracker_requests_total');
    const proof = statusProof(SECRET, '/metrics', Date.now());
    expect((await app.inject(get('/metrics', '192.0.2.7', { [STATUS_PROOF_HEADER]: proof }))).statusCode).toBe(200);
    // A proof for /status does not open /metrics.
    expect((await app.inject(get('/metrics', '192.0.2.7', { [STATUS_PROOF_HEADER]: statusProof(SECRET, '/status', Date.now()) }))).statusCode).toBe(403);
  });

  it('shows each replication link: up, ops applied from the other tracker, bytes, and none behind once converged', async () => {
    await using c = await startCluster(2);
    const alice = await c.connect(1);
    await alice.ok('register', { userId: 'alice', password: 'alice-password-1' });
    await alice.ok('login', { userId: 'alice', password: 'alice-password-1', peerAddress: '127.0.0.1:6881' });
    await alice.ok('create_group', { groupId: 'lab' });
    await c.converged();
    const text = await c.trackers[1]!.metrics.text();
    expect(sample(text, 'groupshare_tracker_replication_link_up{peer="1"}')).toBe(1);
    expect(sample(text, 'groupshare_tracker_replication_ops_applied_total{peer="1"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'groupshare_tracker_replication_ops_behind{peer="1"}')).toBe(0);
    expect(sample(text, 'groupshare_tracker_replication_last_applied_op_age_seconds{peer="1"}')).toBeLessThan(10);
    expect(sample(text, 'groupshare_tracker_replication_bytes{peer="1",direction="received"}')).toBeGreaterThan(0);

    await c.stopTracker(2);
    const one = await c.trackers[0]!.metrics.text();
    expect(sample(one, 'groupshare_tracker_replication_link_up{peer="2"}')).toBe(0);
    // What went over the closed link is still counted.
    expect(sample(one, 'groupshare_tracker_replication_bytes{peer="2",direction="sent"}')).toBeGreaterThan(0);
  });
});
