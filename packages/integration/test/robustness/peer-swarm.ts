/**
 * The stage of the peer-side robustness scenarios (peer-*.test.ts): one tracker process, an
 * owner (a bare WebSocket) whose group `lab` everyone joins, real client shells (seeders or the
 * downloader under test) and scripted peers (testkit's ScriptedPeer: honest ones that count
 * what they serve, evil ones), all admitted as members and listed by the tracker as holders of
 * the same file. File bytes come from the scenario's seed, so a run replays exactly.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { passwordOf, ProcessCluster, signUp, type WsClient } from '@groupshare/tracker/testing';
import { ClientProcess, type Mark } from '@groupshare/testkit/client-process';
import { joinAsSeeder, ScriptedPeer, type PeerBehaviour } from '@groupshare/testkit/peers';
import { Cleanup, fileFixture, type FileFixture } from '@groupshare/testkit/scenario';

export const GROUP = 'lab';
export const KiB = 1024;
export const MiB = 1024 * KiB;

export function sha1(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

export async function sha1OfFile(file: string): Promise<string> {
  return sha1(await readFile(file));
}

/**
 * `size` pseudo-random bytes for `seed`: AES-128-CTR over zeros, keyed by the seed. testkit's
 * `testBytes` (a SHA-256 per 32 bytes) took 30 s for the 64 MiB a scenario needs; this takes
 * a fraction of a second and is as reproducible.
 */
export function seededBytes(size: number, seed: number): Buffer {
  const key = createHash('sha256').update(`groupshare-scenario:${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

/** `[C] [lab] <name>: complete, SHA-1 verified: <path>` */
export function completion(name: string): RegExp {
  return new RegExp(`^\\[C\\] \\[${GROUP}\\] ${name.replaceAll('.', '\\.')}: complete, SHA-1 verified: (.+)$`);
}

export interface PeerSwarm {
  cluster: ProcessCluster;
  owner: WsClient;
  root: string;
  /** The file's bytes, written to `<root>/src/<name>`. */
  data: Buffer;
  name: string;
  source: string;
  /** Spawns a client shell for a new account that joins the group, logged in; `args` go on its command line. */
  member(user: string, args?: readonly string[]): Promise<ClientProcess>;
  /** A client shell on an existing account and data directory (a restart), logged in. */
  restart(user: string, args?: readonly string[]): Promise<{ client: ClientProcess; since: Mark }>;
  /** `upload_file` from `client`; the file is then registered with the client's piece length. */
  upload(client: ClientProcess): Promise<FileFixture>;
  /** A scripted peer admitted as a member sharing the file (registered with `fixture`). */
  scripted(user: string, behaviour: PeerBehaviour, fixture: FileFixture): Promise<ScriptedPeer>;
  /** Starts `download_file` into `<root>/dl-<user>`; returns that directory and a mark before it. */
  download(client: ClientProcess, user: string): Promise<{ dir: string; since: Mark }>;
}

/** A tracker, the owner and group, and `size` bytes of seeded test data in `<root>/src/<name>`. */
export async function peerSwarm(cleanup: Cleanup, { seed, size, name = 'data.bin' }: { seed: number; size: number; name?: string }): Promise<PeerSwarm> {
  const cluster = cleanup.add(await ProcessCluster.create({ size: 1 }));
  await cluster.startAll();
  const owner = await cluster.connect(1);
  await signUp(owner, 'owner');
  await owner.ok('create_group', { groupId: GROUP });
  const root = cluster.root;
  const data = seededBytes(size, seed);
  await mkdir(path.join(root, 'src'), { recursive: true });
  const source = path.join(root, 'src', name);
  await writeFile(source, data);
  const accept = async (userId: string): Promise<void> => void (await owner.ok('accept_request', { groupId: GROUP, userId }));
  const spawn = (user: string, args?: readonly string[]): ClientProcess =>
    cleanup.add(ClientProcess.spawn({ name: user, trackerInfo: cluster.infoFile(1), dataDir: path.join(root, `client-${user}`), ...(args ? { args } : {}) }));

  return {
    cluster, owner, root, data, name, source,
    async member(user, args) {
      const client = spawn(user, args);
      await client.run(`create_user ${user} ${passwordOf(user)}`, new RegExp(`^created user ${user}\\b`));
      await client.run(`login ${user} ${passwordOf(user)}`, new RegExp(`^logged in as ${user}\\b`));
      await client.run(`join_group ${GROUP}`, new RegExp(`^asked to join ${GROUP}\\b`));
      await accept(user);
      await client.waitFor(new RegExp(`\\b${GROUP}\\b.*accepted|accepted.*\\b${GROUP}\\b`), { timeoutMs: 10_000 });
      return client;
    },
    async restart(user, args) {
      const client = spawn(user, args);
      const since = client.mark();
      await client.run(`login ${user} ${passwordOf(user)}`, new RegExp(`^logged in as ${user}\\b`), { timeoutMs: 30_000 });
      return { client, since };
    },
    async upload(client) {
      await client.run(`upload_file ${source} ${GROUP}`, new RegExp(`^sharing ${name.replaceAll('.', '\\.')} in ${GROUP}:`), { timeoutMs: 30_000 });
      const { file } = await owner.ok('get_file', { groupId: GROUP, name });
      return fileFixture(GROUP, name, data, file.pieceLength);
    },
    async scripted(user, behaviour, fixture) {
      const peer = cleanup.add(await ScriptedPeer.listen({ name: user, data, pieceLength: fixture.share.pieceLength, infoHash: fixture.infoHash, behaviour }));
      await joinAsSeeder(peer, { ws: await cluster.connect(1), userId: user, groupId: GROUP, accept, share: fixture.share });
      return peer;
    },
    async download(client, user) {
      const dir = path.join(root, `dl-${user}`);
      const since = client.mark();
      await client.run(`download_file ${GROUP} ${name} ${dir}`, new RegExp(`^downloading ${name.replaceAll('.', '\\.')} from ${GROUP} into`));
      return { dir, since };
    },
  };
}
