// Robustness scenario 6 (issue 6): tampered local state. A downloader is stopped with kill -9
// part-way, its files beside the destination are damaged, and it is restarted, twice:
// - round 1, resume state intact: bytes flipped inside verified pieces, and the partial file
//   truncated inside a verified piece (so that piece and every verified one after it are gone);
// - round 2: the resume state garbled (random bytes, or the real JSON cut short), and bytes
//   flipped inside other verified pieces.
// After each restart the client must keep exactly the undamaged verified pieces ("resuming …
// (N of M pieces already here)" with N = verified − damaged), advertise and serve only those to
// a second downloader (a RawPeer member with a valid ticket that checks every byte it gets and
// asks for damaged pieces too), and re-fetch exactly the damaged and missing pieces: the
// seeders (ScriptedPeers, the only holders) see no request for a kept piece.
//
// "Verified" is known from outside: the seeders are paused before each kill, and the kill waits
// until every piece they served whole has been announced to them (`have`), so the verified set is
// exactly the announced set.
import { open, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seededRng } from '@groupshare/protocol';
import { signUp, type WsClient } from '@groupshare/tracker/testing';
import type { ClientProcess } from '@groupshare/testkit/client-process';
import { RawPeer, type ScriptedPeer } from '@groupshare/testkit/peers';
import { Cleanup, fileFixture, recordFigure, scenarioSeeds, soakMode } from '@groupshare/testkit/scenario';
import { afterEach, expect, it } from 'vitest';
import { completion, GROUP, KiB, MiB, peerSwarm, sha1, sha1OfFile, type PeerSwarm } from './peer-swarm.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const SCENARIO = 'peer-tampered-state';
const SIZE = soakMode ? 16 * MiB : 6 * MiB;
const PIECE_LENGTH = 64 * KiB;
const BLOCK = 16 * KiB;
const FLIPS = soakMode ? 4 : 2;
/**
 * Damaged pieces the second downloader asks for anyway: each block asked is one violation
 * (`request_unavailable`) and the client closes a connection past 20 (DEFAULT_MAX_VIOLATIONS), so 3 × 4.
 */
const PROBES = 3;

for (const seed of scenarioSeeds()) {
  it(`a truncated partial file, flipped bytes and a garbled resume file: exactly the damage is re-fetched, nothing bad is served (seed ${seed})`, async () => {
    console.log(`${SCENARIO}: seed ${seed} (GROUPSHARE_TEST_SEED=${seed} replays it)`);
    const started = Date.now();
    const rng = seededRng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
    const swarm = await peerSwarm(cleanup, { seed, size: SIZE });
    const fixture = fileFixture(GROUP, swarm.name, swarm.data, PIECE_LENGTH);
    const pieces = fixture.pieceCount;
    const bob = await swarm.member('bob');
    const seeders: ScriptedPeer[] = [];
    for (const user of ['seed-1', 'seed-2']) seeders.push(await swarm.scripted(user, { kind: 'honest', blocksPerSecond: 80 }, fixture));
    const carolWs = await swarm.cluster.connect(1);
    await signUp(carolWs, 'carol', '127.0.0.1:9');
    await carolWs.ok('join_group', { groupId: GROUP });
    await swarm.owner.ok('accept_request', { groupId: GROUP, userId: 'carol' });

    /** What the current process has verified: its bitfield (what it kept) and its `have`s since. */
    const announced = (): Set<number> => new Set(seeders.flatMap((s) => [...s.announcedIn(s.epoch)]));
    const servedPieces = (epoch: number): Set<number> => new Set(seeders.flatMap((s) => s.served.filter((b) => b.epoch === epoch).map((b) => b.index)));
    /** Pieces whose every block was served in `epoch` (so the downloader could verify them). */
    const servedWhole = (epoch: number): number[] => {
      const begins = new Map<number, Set<number>>();
      for (const s of seeders) for (const b of s.served) if (b.epoch === epoch) begins.set(b.index, (begins.get(b.index) ?? new Set()).add(b.begin));
      return [...begins].filter(([i, set]) => set.size === Math.ceil(Math.min(PIECE_LENGTH, SIZE - i * PIECE_LENGTH) / BLOCK)).map(([i]) => i);
    };
    const { dir, since: first } = await swarm.download(bob, 'bob');
    let since = first;
    const part = path.join(dir, `.${swarm.name}.groupshare-part`);
    const state = path.join(dir, `.${swarm.name}.groupshare-state.json`);
    let client: ClientProcess = bob;

    /** Waits for `fraction` of the pieces, pauses the seeders, lets what they sent settle, kills. */
    const stopAt = async (fraction: number, epoch: number): Promise<Set<number>> => {
      await seeders[0]!.waitFor(`${fraction * 100}% announced`, () => announced().size >= Math.floor(fraction * pieces), 60_000);
      for (const s of seeders) s.pause();
      await seeders[0]!.waitFor('every piece served whole announced', () => servedWhole(epoch).every((i) => announced().has(i)), 10_000);
      await client.kill('SIGKILL');
      await Promise.all(seeders.map((s) => s.allClosed()));
      const verified = announced();
      for (const s of seeders) s.epoch = epoch + 1;
      return verified;
    };

    /** Flips one byte (a seeded position and mask) in each of `count` pieces of `from`; returns them. */
    const flip = async (from: number[], count: number): Promise<number[]> => {
      const chosen = new Set<number>();
      while (chosen.size < Math.min(count, from.length)) chosen.add(pick(from));
      const handle = await open(part, 'r+');
      for (const i of chosen) {
        const at = i * PIECE_LENGTH + Math.floor(rng() * Math.min(PIECE_LENGTH, SIZE - i * PIECE_LENGTH));
        const byte = Buffer.alloc(1);
        await handle.read(byte, 0, 1, at);
        byte[0] = byte[0]! ^ (1 + Math.floor(rng() * 255));
        await handle.write(byte, 0, 1, at);
      }
      await handle.close();
      return [...chosen];
    };

    const rounds: Array<{ verified: Set<number>; kept: number[]; damaged: Set<number> }> = [];
    for (const round of [1, 2]) {
      const epoch = round - 1;
      const verified = await stopAt(round === 1 ? 0.3 + 0.2 * rng() : 0.65 + 0.2 * rng(), epoch);
      const sorted = [...verified].sort((a, b) => a - b);
      const damaged = new Set<number>();
      if (round === 1) {
        // Truncated inside a verified piece in the upper part: it and every verified piece after it are lost.
        const cut = sorted[Math.floor(sorted.length * (0.6 + 0.4 * rng()))] as number;
        await truncate(part, cut * PIECE_LENGTH + Math.floor(rng() * PIECE_LENGTH));
        for (const i of sorted) if (i >= cut) damaged.add(i);
        for (const i of await flip(sorted.filter((i) => i < cut), FLIPS)) damaged.add(i);
      } else {
        const garble = rng() < 0.5
          ? Buffer.from(Array.from({ length: 1 + Math.floor(rng() * 300) }, () => Math.floor(rng() * 256)))
          : (await readFile(state)).subarray(0, Math.floor(rng() * 200));
        await writeFile(state, garble);
        for (const i of await flip(sorted, FLIPS)) damaged.add(i);
      }
      const kept = sorted.filter((i) => !damaged.has(i));
      console.log(`${SCENARIO}: round ${round}: ${verified.size}/${pieces} verified, damaged ${[...damaged].join(',')}`);

      ({ client, since } = await swarm.restart('bob'));
      const resumed = await client.waitFor(/^resuming the download of data\.bin from lab \((\d+) of (\d+) pieces already here\)/, { since, timeoutMs: 15_000 });
      expect({ round, kept: Number(resumed[1]) }).toEqual({ round, kept: kept.length });

      await secondDownloader(swarm, carolWs, fixture.infoHash, kept, [...damaged].slice(0, PROBES), round);
      for (const s of seeders) s.resume();
      rounds.push({ verified, kept, damaged });
    }
    await client.waitFor(completion(swarm.name), { since, timeoutMs: 60_000 });
    expect(await sha1OfFile(path.join(dir, swarm.name))).toBe(sha1(swarm.data));
    // From each restart to the next kill (or the end) nothing that was kept is asked for again.
    for (const [r, { kept }] of rounds.entries()) {
      const refetchedKept = kept.filter((i) => servedPieces(r + 1).has(i));
      expect({ round: r + 1, refetchedKept }).toEqual({ round: r + 1, refetchedKept: [] });
    }
    // Of what was verified before each kill, exactly the damaged pieces were fetched again: the
    // ones damaged then, and those damaged at a later round (fetched after that restart).
    const servedAfter = (epoch: number): Set<number> => new Set(seeders.flatMap((s) => s.served.filter((b) => b.epoch >= epoch).map((b) => b.index)));
    const sorted = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);
    const refetched = rounds.map(({ verified }, r) => sorted([...verified].filter((i) => servedAfter(r + 1).has(i))));
    const damagedFrom = rounds.map(({ verified }, r) => sorted([...verified].filter((i) => rounds.slice(r).some((later) => later.damaged.has(i)))));
    expect(refetched).toEqual(damagedFrom);
    // Both counted once per piece (a piece may be damaged in both rounds).
    const damagedCount = new Set(rounds.flatMap((r) => [...r.damaged])).size;
    recordFigure({ scenario: SCENARIO, seed, name: 'pieces damaged', value: damagedCount, unit: 'pieces' });
    recordFigure({ scenario: SCENARIO, seed, name: 'verified pieces fetched again', value: new Set(refetched.flat()).size, unit: 'pieces' });
    recordFigure({ scenario: SCENARIO, seed, name: 'seconds to finish', value: (Date.now() - started) / 1000, unit: 's' });
  }, soakMode ? 180_000 : 60_000);
}

/**
 * A second downloader (a member with a ticket, on the bare wire) against the restarted client:
 * its piece map is exactly `kept`, every block of every kept piece it serves is the right bytes,
 * and a request for a damaged piece gets a reject, never data.
 */
async function secondDownloader(swarm: PeerSwarm, carol: WsClient, infoHash: string, kept: number[], probes: number[], round: number): Promise<void> {
  const { peers, ticket } = await carol.ok('get_peers', { groupId: GROUP, infoHash });
  const bob = peers.find((p) => p.userId === 'bob');
  expect(bob).toBeDefined();
  const peer = await RawPeer.connect(bob!.address);
  try {
    peer.handshake(Buffer.from(infoHash, 'hex'), { ticket });
    expect(await peer.waitFor((f) => f.type === 'bitfield' || f.type === 'have_none' || f.type === 'have_all', 10_000)).toBe(true);
    const advertised = new Set<number>();
    for (const f of peer.frames) {
      if (f.type === 'bitfield') for (let i = 0; i < f.bytes.length * 8; i++) if ((f.bytes[i >> 3]! >> (7 - (i & 7))) & 1) advertised.add(i);
      if (f.type === 'have') advertised.add(f.index);
    }
    expect({ round, advertised: [...advertised].sort((a, b) => a - b) }).toEqual({ round, advertised: kept });
    peer.send({ type: 'interested' });
    expect(await peer.waitFor((f) => f.type === 'unchoke', 10_000)).toBe(true);
    const requests: Array<{ index: number; begin: number; length: number }> = [];
    for (const i of [...kept, ...probes]) {
      const length = Math.min(PIECE_LENGTH, SIZE - i * PIECE_LENGTH);
      for (let begin = 0; begin < length; begin += BLOCK) requests.push({ index: i, begin, length: Math.min(BLOCK, length - begin) });
    }
    // At most reqq (500) outstanding: ask in batches and wait for each batch's answers.
    const answered = (): number => peer.frames.filter((f) => f.type === 'piece' || f.type === 'reject').length;
    for (let at = 0; at < requests.length; at += 200) {
      const batch = requests.slice(at, at + 200);
      peer.send(...batch.map((r) => ({ type: 'request' as const, ...r })));
      const want = answered() + batch.length;
      const deadline = Date.now() + 15_000;
      while (answered() < want && !peer.isClosed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }
    expect(peer.isClosed).toBe(false);
    const bad: string[] = [];
    const keptSet = new Set(kept);
    let blocks = 0;
    for (const f of peer.frames) {
      if (f.type !== 'piece') continue;
      blocks++;
      const at = f.index * PIECE_LENGTH + f.begin;
      if (!keptSet.has(f.index) || !Buffer.from(f.block).equals(swarm.data.subarray(at, at + f.block.length))) bad.push(`${f.index}:${f.begin}`);
    }
    const rejected = peer.frames.filter((f) => f.type === 'reject' && probes.includes(f.index)).length;
    expect({ round, bad, blocks, rejectedProbes: rejected }).toEqual({
      round, bad: [], blocks: requests.length - requests.filter((r) => probes.includes(r.index)).length, rejectedProbes: requests.filter((r) => probes.includes(r.index)).length,
    });
  } finally {
    peer.destroy();
  }
}
