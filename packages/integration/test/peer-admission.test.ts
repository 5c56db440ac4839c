// A real client process serves a group's file only to peers showing a tracker-signed ticket for
// that group and file, and a peer that breaks the wire rules is cut off with a line in the
// client's log, harming nothing else. A raw wire peer (packages/testkit/src/raw-peer.ts) plays a stock client, a member
// and several impostors against alice's client; the member's fetch is the control that proves
// the raw peer would see data if the client handed it out.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deriveTicketSeed, fromHex, signTicket, ticketPrivateKey } from '@groupshare/protocol';
import { afterEach, expect, it } from 'vitest';
import { passwordOf, ProcessCluster, signUp } from '@groupshare/tracker/testing';
import { ClientProcess } from '@groupshare/testkit/client-process';
import { RawPeer } from '@groupshare/testkit/peers';
import { Cleanup, fileFixture, testBytes } from '@groupshare/testkit/scenario';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const BLOCK = 16 * 1024;
/** How long an impostor waits for data that must never come (the client usually closes at once). */
const WAIT_MS = 1_500;

const isData = (f: { type: string }): boolean => ['bitfield', 'have_all', 'have', 'piece', 'unchoke'].includes(f.type);

/**
 * A tracker; alice's client shares `data` as `name` in lab; bob (a bare WebSocket client) is a
 * member and has asked the tracker for peers: alice's address and a ticket.
 */
async function aliceSharing(name: string, data: Buffer) {
  const cluster = cleanup.add(await ProcessCluster.create({ size: 1 }));
  await cluster.startAll();
  const src = path.join(cluster.root, 'src');
  await mkdir(src, { recursive: true });
  await writeFile(path.join(src, name), data);
  const aliceDir = path.join(cluster.root, 'client-alice');
  const alice = cleanup.add(ClientProcess.spawn({ name: 'alice', trackerInfo: cluster.infoFile(1), dataDir: aliceDir }));
  await alice.run(`create_user alice ${passwordOf('alice')}`, /^created user alice\b/);
  await alice.run(`login alice ${passwordOf('alice')}`, /^logged in as alice\b/);
  await alice.run('create_group lab', /^created group lab\b/);
  await alice.run(`upload_file ${path.join(src, name)} lab`, new RegExp(`^sharing ${name.replace('.', '\\.')} in lab:`));
  const bob = await cluster.connect(1);
  await signUp(bob, 'bob', '127.0.0.1:9');
  await bob.ok('join_group', { groupId: 'lab' });
  await alice.run('accept_request lab bob', /^bob is now a member of lab/);
  const file = (await bob.ok('list_files', { groupId: 'lab' })).files[0]!;
  const { peers, ticket } = await bob.ok('get_peers', { groupId: 'lab', infoHash: file.infoHash });
  return { cluster, alice, aliceDir, bob, file, infoHash: fromHex(file.infoHash), ticket, peers, aliceAddress: peers[0]!.address };
}


it('a peer without a valid ticket for that group and file gets no data; a member with one does', async () => {
  const data = testBytes(1024 * 1024, 7);
  const { cluster, alice, file, infoHash, ticket, aliceAddress, peers } = await aliceSharing('secret.bin', data);
  expect(peers.map((p) => p.userId)).toEqual(['alice']);

  // mallory is no member of lab: get_peers is refused, so she tries what she can get.
  const mallory = await cluster.connect(1);
  await signUp(mallory, 'mallory', '127.0.0.1:10');
  expect((await mallory.request('get_peers', { groupId: 'lab', infoHash: file.infoHash })).ok).toBe(false);
  await mallory.ok('create_group', { groupId: 'other' });
  const own = fileFixture('other', 'own.bin', randomBytes(40_000));
  await mallory.ok('share_file', own.share);
  const otherTicket = (await mallory.ok('get_peers', { groupId: 'other', infoHash: own.infoHash })).ticket; // valid, for another group and file
  const exp = Math.floor(Date.now() / 1000) + 300;
  const forged = signTicket({ v: 1, g: 'lab', h: file.infoHash, u: 'mallory', exp }, ticketPrivateKey(deriveTicketSeed('a guessed secret')));
  const [body, signature] = ticket.split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
  const relabelled = `${Buffer.from(JSON.stringify({ ...claims, u: 'mallory', exp: exp + 3600 })).toString('base64url')}.${signature}`;

  const impostors: Array<[string, (peer: RawPeer) => void]> = [
    ['a stock client (no BEP 10, so no ticket)', (p) => p.handshake(infoHash)],
    ['an extended handshake without a ticket', (p) => p.handshake(infoHash, {})],
    ['a ticket signed with a guessed key', (p) => p.handshake(infoHash, { ticket: forged })],
    ["bob's ticket with its claims edited (signature no longer matches)", (p) => p.handshake(infoHash, { ticket: relabelled })],
    ["a valid ticket for another group's file", (p) => p.handshake(infoHash, { ticket: otherTicket })],
    ['garbage in the ticket field', (p) => p.handshake(infoHash, { ticket: 'x'.repeat(200) })],
  ];
  for (const [what, greet] of impostors) {
    const peer = cleanup.add(await RawPeer.connect(aliceAddress));
    greet(peer);
    // Asks anyway, as a greedy client would.
    peer.send({ type: 'interested' }, { type: 'request', index: 0, begin: 0, length: BLOCK });
    const gotData = await peer.waitFor(isData, WAIT_MS);
    expect({ what, gotData, frames: peer.types().filter((t) => t !== 'handshake' && t !== 'extended') }).toEqual({ what, gotData: false, frames: [] });
    peer.destroy();
  }

  // The control: bob's own ticket gets the piece map, an unchoke and the block.
  const member = cleanup.add(await RawPeer.connect(aliceAddress));
  member.handshake(infoHash, { ticket });
  expect(await member.waitFor((f) => f.type === 'have_all' || f.type === 'bitfield', 5_000)).toBe(true);
  member.send({ type: 'interested' });
  expect(await member.waitFor((f) => f.type === 'unchoke', 5_000)).toBe(true);
  member.send({ type: 'request', index: 0, begin: 0, length: BLOCK });
  expect(await member.waitFor((f) => f.type === 'piece', 5_000)).toBe(true);
  const piece = member.frames.find((f) => f.type === 'piece') as { block: Buffer } | undefined;
  expect(Buffer.from(piece!.block).equals(data.subarray(0, BLOCK))).toBe(true);
  expect(alice.running).toBe(true);
});

it('hostile wire input closes that connection with a line in client.log; the client keeps serving others', async () => {
  const data = randomBytes(16 * 1024 * 1024); // 1,024 blocks: enough for a flood of distinct requests
  const { alice, aliceDir, file, infoHash, ticket, aliceAddress } = await aliceSharing('data.bin', data);
  const pieces = file.pieceCount;

  /** Whether alice's client.log has (or gets within 2 s: the close reaches her a moment later) a matching line. */
  const logShows = async (pattern: RegExp): Promise<boolean> => {
    for (const deadline = Date.now() + 2_000; ; await new Promise((r) => setTimeout(r, 50))) {
      if (pattern.test(await readFile(path.join(aliceDir, 'client.log'), 'utf8').catch(() => ''))) return true;
      if (Date.now() > deadline) return false;
    }
  };
  /** A member's connection (valid ticket) that then misbehaves. */
  const admitted = async (): Promise<RawPeer> => {
    const peer = cleanup.add(await RawPeer.connect(aliceAddress));
    peer.handshake(infoHash, { ticket });
    expect(await peer.waitFor((f) => f.type === 'have_all' || f.type === 'bitfield', 5_000)).toBe(true);
    return peer;
  };
  const unrequested = Array.from({ length: 25 }, (_, i) => ({ type: 'piece' as const, index: 0, begin: i * BLOCK, block: Buffer.alloc(BLOCK) }));
  const cases: Array<[string, RegExp, (p: RawPeer) => void]> = [
    ['a frame over 1 MiB', /peer-closed .*code=ERR_WIRE_TOO_LARGE /, (p) => p.writeRaw(Buffer.from([0x00, 0x20, 0x00, 0x01, 7]))],
    ['a request above the 16 KiB block size', /peer-closed .*code=ERR_PEER_REQUEST_TOO_LARGE /, (p) => p.send({ type: 'interested' }, { type: 'request', index: 0, begin: 0, length: 4 * BLOCK })],
    ['a request past the last piece', /peer-closed .*code=ERR_PEER_REQUEST_OUT_OF_RANGE /, (p) => p.send({ type: 'interested' }, { type: 'request', index: pieces + 5, begin: 0, length: BLOCK })],
    ['a bitfield of the wrong size', /peer-closed .*code=ERR_PEER_BAD_BITFIELD /, (p) => p.send({ type: 'bitfield', bytes: Buffer.alloc(Math.ceil(pieces / 8) + 3) })],
    ['25 unsolicited pieces', /peer-closed .*code=ERR_PEER_TOO_MANY_VIOLATIONS /, (p) => p.send(...unrequested)],
  ];
  for (const [what, logged, misbehave] of cases) {
    const peer = await admitted();
    misbehave(peer);
    await Promise.race([peer.closed, new Promise((r) => setTimeout(r, 5_000))]);
    expect({ what, closed: peer.isClosed }).toEqual({ what, closed: true });
    expect({ what, logged: await logShows(logged) }).toEqual({ what, logged: true });
  }

  // A flood: 700 distinct requests at once, beyond the 500 alice advertises (reqq), is cut off.
  const flooder = await admitted();
  flooder.send({ type: 'interested' });
  expect(await flooder.waitFor((f) => f.type === 'unchoke', 5_000)).toBe(true);
  const perPiece = file.pieceLength / BLOCK;
  flooder.send(...Array.from({ length: 700 }, (_, i) => ({ type: 'request' as const, index: Math.floor(i / perPiece), begin: (i % perPiece) * BLOCK, length: BLOCK })));
  await Promise.race([flooder.closed, new Promise((r) => setTimeout(r, 5_000))]);
  expect(flooder.isClosed).toBe(true);
  expect(await logShows(/peer-violation .*code=request_queue_full reason=".* beyond our reqq of 500/)).toBe(true);
  expect(await logShows(/peer-closed .*code=ERR_PEER_TOO_MANY_VIOLATIONS reason=".*beyond our reqq/)).toBe(true);
  const log = await readFile(path.join(aliceDir, 'client.log'), 'utf8');
  console.log(`peer-admission.test.ts: alice's client.log has ${log.split('\n').length - 1} lines, e.g.\n${log.split('\n').filter((l) => / peer-closed /.test(l)).join('\n')}`);

  const member = await admitted();
  member.send({ type: 'interested' });
  expect(await member.waitFor((f) => f.type === 'unchoke', 5_000)).toBe(true);
  member.send({ type: 'request', index: 1, begin: 0, length: BLOCK });
  expect(await member.waitFor((f) => f.type === 'piece', 5_000)).toBe(true);
  const piece = member.frames.find((f) => f.type === 'piece') as { index: number; block: Buffer };
  expect(Buffer.from(piece.block).equals(data.subarray(piece.index * file.pieceLength, piece.index * file.pieceLength + BLOCK))).toBe(true);
  expect(alice.running).toBe(true);
});
