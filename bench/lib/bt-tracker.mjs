// A minimal HTTP BitTorrent tracker (BEP 3 announce, BEP 23 compact peer lists) for stock
// clients on 127.0.0.1. Just enough for libtorrent and aria2c to find each other: one in-memory
// swarm per info-hash, no scrape, no authentication, IPv4 only. It also lets the benchmark see
// who has announced, which is how it knows the seeders are ready before the leecher starts.
import http from 'node:http';

import { protocol } from './protocol.mjs';

/**
 * Decodes a raw query string into a Map of name → Buffer. info_hash and peer_id are 20 raw bytes
 * percent-encoded byte by byte, so URLSearchParams (which decodes UTF-8 text) would mangle them.
 */
export function parseAnnounceQuery(query) {
  const params = new Map();
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const raw = eq < 0 ? '' : part.slice(eq + 1);
    const bytes = [];
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] === '%' && /^[0-9a-f]{2}$/i.test(raw.slice(i + 1, i + 3))) {
        bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(raw.charCodeAt(i) & 0xff); // '+' stays '+': clients percent-encode binary
    }
    params.set(key, Buffer.from(bytes));
  }
  return params;
}

/**
 * Starts the tracker on `host`:`port` (port 0: any free one).
 * @returns `{ announceUrl, port, swarm(infoHashHex), waitForPeers(infoHashHex, { seeders, leechers, timeoutMs }), stop() }`
 */
export async function startBtTracker({ host = '127.0.0.1', port = 0, intervalSeconds = 5 } = {}) {
  /** info-hash hex → Map(peer-id hex → { ip, port, left, seen }) */
  const swarms = new Map();
  const waiters = new Set();

  const reply = (res, dict) => {
    const body = protocol.bencode(dict);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== '/announce') {
      res.writeHead(404).end();
      return;
    }
    const p = parseAnnounceQuery(q < 0 ? '' : url.slice(q + 1));
    const infoHash = p.get('info_hash');
    const peerId = p.get('peer_id');
    const peerPort = Number(p.get('port')?.toString());
    if (infoHash?.length !== 20 || peerId?.length !== 20 || !(peerPort > 0 && peerPort < 65536)) {
      reply(res, { 'failure reason': 'info_hash and peer_id (20 bytes each) and port are required' });
      return;
    }
    // Every client here is on loopback; the socket address is the truth, not a claimed `ip`.
    const ip = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const key = infoHash.toString('hex');
    const swarm = swarms.get(key) ?? new Map();
    swarms.set(key, swarm);
    const id = peerId.toString('hex');
    const event = p.get('event')?.toString();
    if (event === 'stopped') swarm.delete(id);
    else swarm.set(id, { ip, port: peerPort, left: Number(p.get('left')?.toString() ?? 1), seen: Date.now() });

    const numwant = Number(p.get('numwant')?.toString() ?? 50) || 50;
    const others = [...swarm].filter(([other]) => other !== id).map(([, peer]) => peer).slice(0, numwant);
    const complete = [...swarm.values()].filter((peer) => peer.left === 0).length;
    const base = { interval: intervalSeconds, 'min interval': 1, complete, incomplete: swarm.size - complete };
    if (p.get('compact')?.toString() === '0') {
      reply(res, { ...base, peers: others.map((peer) => ({ ip: peer.ip, port: peer.port })) });
    } else {
      // BEP 23: 4 bytes IPv4 address + 2 bytes port, big-endian, per peer.
      const peers = Buffer.alloc(6 * others.length);
      others.forEach((peer, i) => {
        peer.ip.split('.').forEach((octet, j) => peers.writeUInt8(Number(octet) & 0xff, 6 * i + j));
        peers.writeUInt16BE(peer.port, 6 * i + 4);
      });
      reply(res, { ...base, peers });
    }
    for (const w of waiters) w();
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;

  const swarm = (infoHash) => {
    const peers = [...(swarms.get(infoHash)?.values() ?? [])];
    const seeders = peers.filter((peer) => peer.left === 0).length;
    return { seeders, leechers: peers.length - seeders, peers };
  };

  return {
    announceUrl: `http://${host}:${actualPort}/announce`,
    port: actualPort,
    swarm,
    /** Resolves once the swarm has at least `seeders` seeders and `leechers` leechers. */
    waitForPeers(infoHash, { seeders = 0, leechers = 0, timeoutMs = 30_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const s = swarm(infoHash);
          if (s.seeders < seeders || s.leechers < leechers) return;
          done();
          resolve(s);
        };
        const timer = setTimeout(() => {
          done();
          const s = swarm(infoHash);
          reject(new Error(`tracker: ${s.seeders}/${seeders} seeders and ${s.leechers}/${leechers} leechers announced within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => (clearTimeout(timer), waiters.delete(check));
        waiters.add(check);
        check();
      });
    },
    stop: () => new Promise((resolve) => (server.closeAllConnections?.(), server.close(() => resolve()))),
  };
}
