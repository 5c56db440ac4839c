// LanDiscovery over real UDP on 127.0.0.1 (the loopback mode: unicast to a list of ports).
import dgram from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LanDiscovery } from './lan-discovery.js';
import { LAN_TICKET_KEY, hash, lanCredentials, named } from '../../test/lan-harness.js';

const running: LanDiscovery[] = [];
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(running.splice(0).map((d) => d.stop()));
  for (const s of sockets.splice(0)) s.close();
});

/** Members that announce to every port in `targets` (which the test fills as they start). */
function member(targets: string[], peerPort: number, now?: () => number): LanDiscovery {
  const d = new LanDiscovery({ transport: { mode: 'unicast', port: 0, targets: () => targets }, ticketKey: LAN_TICKET_KEY, peerPort, ...(now ? { now } : {}) });
  running.push(d);
  return d;
}

/** A plain UDP socket recording every datagram it gets (a LAN listener that is no member). */
async function recorder(): Promise<{ port: number; packets: Buffer[] }> {
  const s = dgram.createSocket('udp4');
  sockets.push(s);
  const packets: Buffer[] = [];
  s.on('message', (m) => packets.push(m));
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  return { port: s.address().port, packets };
}

async function until(check: () => boolean, ms: number): Promise<number> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now() - start;
}

describe('LAN discovery on loopback', () => {
  it('a starting member is found by the others, and finds them, within 2 s (p99 of 20 starts)', async () => {
    const targets: string[] = [];
    const ann = member(targets, 7001);
    await ann.start(lanCredentials('ann', ['lab']), [{ groupId: 'lab', ...named(hash(1)) }]);
    targets.push(`127.0.0.1:${ann.port}`);
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const b = member(targets, 7100 + i);
      const started = performance.now();
      const creds = lanCredentials(`bob${i}`, ['lab']);
      // Its port is known only once bound: listed right after start, as a new host on a LAN would be heard.
      const starting = b.start(creds, [{ groupId: 'lab', ...named(hash(100 + i)) }]);
      await starting;
      targets.push(`127.0.0.1:${b.port}`);
      await until(() => ann.peers().some((p) => p.userId === `bob${i}`) && b.peers().some((p) => p.userId === 'ann'), 5_000);
      times.push(performance.now() - started);
      targets.pop();
      await b.stop();
    }
    times.sort((x, y) => x - y);
    expect(times[Math.ceil(times.length * 0.99) - 1]).toBeLessThan(2_000);
    expect(ann.peersFor('lab', hash(119))).toEqual(['127.0.0.1:7119']);
  }, 60_000);

  it('sends at most 2 datagrams a minute per interface in the steady state (10 simulated minutes)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const rec = await recorder();
    const ann = member([`127.0.0.1:${rec.port}`], 7001, () => Date.now());
    await ann.start(lanCredentials('ann', ['lab', 'attic']), [{ groupId: 'lab', ...named(hash(1)) }]);
    await vi.waitFor(() => expect(rec.packets.length).toBe(1), { interval: 5 });
    const atStart = rec.packets.length;
    for (let minute = 0; minute < 10; minute++) {
      await vi.advanceTimersByTimeAsync(60_000);
      await new Promise((r) => setImmediate(r));
    }
    await vi.waitFor(() => expect(rec.packets.length).toBeGreaterThanOrEqual(atStart + 10), { interval: 5 });
    const steady = rec.packets.length - atStart;
    expect(atStart).toBe(1); // one datagram for both groups
    expect(steady).toBeLessThanOrEqual(20);
    expect(ann.sent.get('unicast')).toBe(rec.packets.length);
  });

  it('announces a change once, shortly after it (debounced)', async () => {
    const rec = await recorder();
    const ann = new LanDiscovery({ transport: { mode: 'unicast', port: 0, targets: () => [`127.0.0.1:${rec.port}`] }, ticketKey: LAN_TICKET_KEY, peerPort: 7001, debounceMs: 100 });
    running.push(ann);
    await ann.start(lanCredentials('ann', ['lab']), []);
    await until(() => rec.packets.length === 1, 2_000);
    for (let i = 1; i <= 5; i++) ann.setServed(Array.from({ length: i }, (_, k) => ({ groupId: 'lab', ...named(hash(k)) })));
    await until(() => rec.packets.length === 2, 2_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(rec.packets.length).toBe(2);
  });

  it('a non-member listening for a simulated minute learns no group id, user id, file name or info-hash', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const rec = await recorder();
    const targets = [`127.0.0.1:${rec.port}`];
    const eve = member(targets, 7666, () => Date.now());
    await eve.start(lanCredentials('eve-outsider', ['eves-own-group']), []);
    targets.push(`127.0.0.1:${eve.port}`);
    const files = [hash(0xabc), 'c0ffee'.repeat(6) + 'beef'];
    const ann = member(targets, 7001, () => Date.now());
    await ann.start(lanCredentials('alice-smith', ['physics-lab']), files.map((f) => ({ groupId: 'physics-lab', ...named(f) })));
    targets.push(`127.0.0.1:${ann.port}`);
    const bob = member(targets, 7002, () => Date.now());
    await bob.start(lanCredentials('bob-jones', ['physics-lab']), []);
    targets.push(`127.0.0.1:${bob.port}`);
    for (let s = 0; s < 61; s++) {
      await vi.advanceTimersByTimeAsync(1_000);
      await new Promise((r) => setImmediate(r));
    }
    // Three starts and each member's announce a minute later, at least.
    await vi.waitFor(() => expect(rec.packets.length).toBeGreaterThanOrEqual(6), { interval: 5 });
    const all = Buffer.concat(rec.packets);
    for (const secret of ['physics-lab', 'alice-smith', 'bob-jones', ...files, ...files.map((f) => named(f).name)]) {
      for (const form of [Buffer.from(secret), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url')]) {
        expect(all.includes(form), `${secret} appears on the wire`).toBe(false);
      }
      if (/^[0-9a-f]{40}$/.test(secret)) expect(all.includes(Buffer.from(secret, 'hex'))).toBe(false);
    }
    // Eve's own listener (with her group's key and a valid certificate) believes none of it.
    expect(eve.peers()).toEqual([]);
    expect(eve.stats.accepted).toBe(0);
    expect(eve.stats.rejected).toBeGreaterThan(0);
    // While the members found each other.
    await vi.waitFor(() => expect(bob.peersFor('physics-lab', hash(0xabc))).toEqual(['127.0.0.1:7001']), { interval: 5 });
  });
});
