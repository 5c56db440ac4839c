// Two members both fetching by member certificate (no tracker reachable): the side dialled proves
// itself too, over the dialler's nonce, so pieces go both ways; a dialled side whose proof does
// not hold (or a stranger's certificate) is refused and served nothing.
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { deriveTicketSeed, signMemberCertificate, ticketPrivateKey } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { newMemberKey, type MemberKeyPair } from '../lan/member-key.js';
import { proveCertificate, type CertificateCredential } from './certificate-admission.js';
import type { PeerCloseInfo } from './errors.js';
import { PeerConnection } from './peer-connection.js';
import {
  GROUP, RawPeer, TICKET_PRIVATE_KEY, connectTo, duplexPair, is, nextConnection, options, sharedFile, startServer, type SharedFixture,
} from '../../test/peer-harness.js';
import { decodeExtendedHandshake, extendedHandshakeMessage, type WireFrame } from '../wire/index.js';

const alice = newMemberKey();
const bob = newMemberKey();
const exp = Math.floor(Date.now() / 1000) + 600;
const certOf = (u: string, key: MemberKeyPair, privateKey = TICKET_PRIVATE_KEY): string =>
  signMemberCertificate({ v: 1, t: 'lan-member', u, g: GROUP, k: key.publicKey, exp }, privateKey);
const credential = (u: string, key: MemberKeyPair): CertificateCredential => ({ certificate: certOf(u, key), privateKey: key.privateKey });

let fx: SharedFixture;
const cleanups: Array<() => Promise<void> | void> = [];
beforeEach(async () => {
  fx = await sharedFile(64 * 1024, 16 * 1024); // 4 pieces
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await fx.cleanup();
});

async function until(what: string, cond: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Fetches block 0 of piece `index` over `conn` and resolves with its bytes. */
async function fetchBlock(conn: PeerConnection, index: number): Promise<Buffer> {
  conn.setInterested(true);
  await until('the remote to say it has the piece and unchoke us', () => conn.remoteHas?.has(index) === true && !conn.peerChoking);
  const block = once(conn, 'block');
  expect(conn.request(index, 0, 16 * 1024)).toBe(true);
  const [got] = (await block) as [{ data: Buffer }];
  return Buffer.from(got.data);
}

describe('mutual admission by member certificate', () => {
  it('the dialled member proves itself over the dialler\'s nonce: each serves the other', async () => {
    const aliceFile = { ...fx.seederFile(), certificate: credential('alice', alice) }; // no ticket: fetching by certificate
    const { server, port } = await startServer((h) => (h.equals(fx.infoHash) ? aliceFile : undefined), { connection: options({ selfUser: 'alice' }) });
    cleanups.push(() => server.stop());
    const incoming = nextConnection(server);
    const dialler = connectTo(port, fx.infoHash, { ...fx.seederFile(), certificate: credential('bob', bob) }, { selfUser: 'bob' });
    cleanups.push(() => dialler.close());
    const dialled = await incoming;

    await until('both sides to authorize the other', () => dialled.authorized && dialler.authorized);
    expect(dialled.state).toBe('open');
    expect(dialler.state).toBe('open');
    const block = (index: number): Buffer => fx.data.subarray(index * 16 * 1024, (index + 1) * 16 * 1024);
    expect((await fetchBlock(dialled, 1)).equals(block(1))).toBe(true); // from the dialler to the dialled
    expect((await fetchBlock(dialler, 2)).equals(block(2))).toBe(true); // and back
  });

  /** bob dials a hand-driven alice; returns both once bob admitted her (unauthorized) and sent his nonce. */
  async function dialRaw(): Promise<{ conn: PeerConnection; raw: RawPeer; bobNonce: Uint8Array; refused: PeerCloseInfo[] }> {
    const [a, b] = duplexPair();
    const raw = new RawPeer(b);
    const conn = new PeerConnection({
      ...options({ selfUser: 'bob' }), socket: a, infoHash: fx.infoHash, file: { ...fx.seederFile(), certificate: credential('bob', bob) },
    });
    cleanups.push(() => conn.close());
    const refused: PeerCloseInfo[] = [];
    conn.on('refused', (r) => refused.push(r));
    const ready = once(conn, 'ready');
    conn.start();
    raw.handshake(fx.infoHash, { ext: { nonce: randomBytes(16) } });
    await ready;
    expect(conn.authorized).toBe(false); // a seeder to fetch from, not yet one to serve
    const ext = await raw.waitFor((f: WireFrame) => f.type === 'extended' && f.id === 0);
    const bobNonce = decodeExtendedHandshake((ext as Extract<WireFrame, { type: 'extended' }>).payload).nonce as Uint8Array;
    return { conn, raw, bobNonce, refused };
  }

  it('a dialled side that signs the nonce is served; one with a bad proof is refused and told nothing', async () => {
    const good = await dialRaw();
    good.raw.send(extendedHandshakeMessage({ certificate: certOf('alice', alice), proof: proveCertificate(alice.privateKey, good.bobNonce, fx.infoHash) }));
    await good.raw.waitFor(is('have'));
    expect(good.conn.authorized).toBe(true);

    const replayed = await dialRaw(); // alice's proof from the other connection: another nonce
    replayed.raw.send(extendedHandshakeMessage({ certificate: certOf('alice', alice), proof: proveCertificate(alice.privateKey, good.bobNonce, fx.infoHash) }));
    await replayed.raw.closed;
    expect(replayed.refused.map((r) => r.code)).toEqual(['ERR_PEER_CERT_BAD_PROOF']);
    expect(replayed.raw.types()).not.toContain('have');
    expect(replayed.raw.types()).not.toContain('unchoke');
  });

  it("a stranger's certificate (another cluster's signature) is refused", async () => {
    const stranger = await dialRaw();
    const forged = certOf('mallory', alice, ticketPrivateKey(deriveTicketSeed('another cluster')));
    stranger.raw.send(extendedHandshakeMessage({ certificate: forged, proof: proveCertificate(alice.privateKey, stranger.bobNonce, fx.infoHash) }));
    await stranger.raw.closed;
    expect(stranger.refused.map((r) => r.code)).toEqual(['ERR_PEER_CERT_BAD_SIGNATURE']);
    expect(stranger.raw.types()).not.toContain('have');
  });
});
