// Admission by member certificate on the wire: a peer sends a fresh gs_nonce on every
// connection, so a proof recorded on one connection is refused on the next, while the member
// who signs the new nonce is served.
import { signMemberCertificate } from '@groupshare/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { newMemberKey } from '../lan/member-key.js';
import { proveCertificate } from './certificate-admission.js';
import type { PeerCloseInfo } from './errors.js';
import { createPeerId } from './peer-id.js';
import type { PeerServer } from './peer-server.js';
import { GROUP, RawPeer, TICKET_PRIVATE_KEY, is, sharedFile, startServer, type SharedFixture } from '../../test/peer-harness.js';
import { decodeExtendedHandshake, encodeHandshake, extendedHandshakeMessage, type WireFrame } from '../wire/index.js';

let fx: SharedFixture;
let server: PeerServer;
let port: number;
const refused: PeerCloseInfo[] = [];
beforeEach(async () => {
  fx = await sharedFile(64 * 1024, 16 * 1024);
  const file = fx.seederFile();
  ({ server, port } = await startServer((h) => (h.equals(fx.infoHash) ? file : undefined)));
  server.on('connection', (c) => c.on('refused', (r) => refused.push(r)));
  refused.length = 0;
});
afterEach(async () => {
  await server.stop();
  await fx.cleanup();
});

const bob = newMemberKey();
const certificate = signMemberCertificate({ v: 1, t: 'lan-member', u: 'bob', g: GROUP, k: bob.publicKey, exp: Math.floor(Date.now() / 1000) + 600 }, TICKET_PRIVATE_KEY);
const isExtended = (f: WireFrame): boolean => f.type === 'extended' && f.id === 0;

/** Connects, sends the BEP 3 handshake and returns the server's nonce from its extended handshake. */
async function open(): Promise<{ raw: RawPeer; nonce: Uint8Array }> {
  const raw = await RawPeer.connect(port);
  raw.write(encodeHandshake({ infoHash: fx.infoHash, peerId: createPeerId(), fast: true, extended: true }));
  const ext = await raw.waitFor(isExtended);
  const nonce = decodeExtendedHandshake((ext as Extract<WireFrame, { type: 'extended' }>).payload).nonce;
  if (nonce === undefined) throw new Error('the server sent no gs_nonce');
  return { raw, nonce };
}

describe('certificate admission on the wire', () => {
  it("serves a member who signs this connection's nonce; refuses the same proof replayed on another", async () => {
    const first = await open();
    const proof = proveCertificate(bob.privateKey, first.nonce, fx.infoHash);
    first.raw.send(extendedHandshakeMessage({ certificate, proof }));
    await first.raw.waitFor(is('have_all')); // admitted: told what the server has
    first.raw.destroy();

    const second = await open();
    expect(Buffer.from(second.nonce).equals(Buffer.from(first.nonce))).toBe(false);
    second.raw.send(extendedHandshakeMessage({ certificate, proof })); // recorded from the first connection
    await second.raw.closed;
    expect(second.raw.types()).not.toContain('have_all');
    expect(refused.map((r) => r.code)).toEqual(['ERR_PEER_CERT_BAD_PROOF']);
  });
});
