/**
 * Traffic: a seeded writer that keeps trackers busy with the writes a History checks (users,
 * groups, memberships, shares), one every `intervalMs`, spread over the trackers it is given,
 * while a scenario breaks things. Every write goes through the History, so afterwards
 * `checkHistory` can tell whether any acknowledged one was lost or doubled.
 *
 * One owner account (`<prefix>owner`) creates the groups and accepts the joins, so it can read
 * every group it wrote to: its connections are the checker's readers. A few member accounts
 * ask to join. All are registered once, on the first tracker, and resume their sessions on
 * the others (sessions are replicated), so the steady traffic costs no argon2 except for the
 * new users it registers.
 *
 * Writes are not awaited one after the other: a slow write (a hash, a stalled link) does not
 * hold back the next, as with real users. A tracker whose connection died is skipped until
 * `reconnect(n)`.
 */
import { passwordOf, sleep, type ProcessCluster, type WsClient } from '@groupshare/tracker/testing';
import { fileFixture, testBytes } from './fixtures.js';
import type { History, Write } from './history.js';

export interface TrafficInit {
  cluster: ProcessCluster;
  history: History;
  /** Trackers to write on, in turn. */
  trackers: number[];
  random: () => number;
  intervalMs?: number;
  /** Prefix of every id this writer makes, so two writers never collide. */
  prefix?: string;
  /** Member accounts (they join groups); 2 by default. */
  members?: number;
}

interface Session {
  userId: string;
  token: string;
}

/** Relative weights of the write kinds: registrations hash a password, so they are rarer. */
const WEIGHTS: Array<[Write['kind'], number]> = [
  ['user', 1],
  ['group', 3],
  ['membership', 3],
  ['share', 2],
];

export class Traffic {
  private readonly sessions: Session[] = [];
  /** Connections per tracker, in the order of `sessions` (owner first). */
  private readonly connections = new Map<number, WsClient[]>();
  /** Groups each tracker acknowledged, and who has been asked in: joins go where the group is. */
  private readonly groupsBy = new Map<number, string[]>();
  private readonly asked = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly errors: unknown[] = [];
  private counter = 0;
  private turn = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  private constructor(private readonly init: TrafficInit) {}

  /** Registers the accounts on the first tracker and opens their sessions on every tracker. */
  static async start(init: TrafficInit): Promise<Traffic> {
    const traffic = new Traffic(init);
    const prefix = init.prefix ?? 'w-';
    const first = init.trackers[0]!;
    const ids = [`${prefix}owner`, ...Array.from({ length: init.members ?? 2 }, (_, i) => `${prefix}m${i}`)];
    const opened = await Promise.all(
      ids.map(async (userId) => {
        const client = await init.cluster.connect(first);
        await init.history.must({ kind: 'user', userId }, first, () => client.request('register', { userId, password: passwordOf(userId) }));
        // A peer address, so the owner may share (nothing listens there: no one downloads these).
        const { token } = await client.ok('login', { userId, password: passwordOf(userId), peerAddress: '127.0.0.1:6999' });
        return { client, session: { userId, token } };
      }),
    );
    traffic.sessions.push(...opened.map((o) => o.session));
    traffic.connections.set(first, opened.map((o) => o.client));
    await init.cluster.waitConverged(init.trackers, 10_000);
    for (const n of init.trackers.slice(1)) await traffic.reconnect(n);
    return traffic;
  }

  /** The owner's connection to tracker n: it can read every group this writer made. */
  reader(n: number): WsClient {
    const owner = this.connections.get(n)?.[0];
    if (!owner) throw new Error(`no connection to tracker ${n}`);
    return owner;
  }

  get owner(): string {
    return this.sessions[0]!.userId;
  }

  /** Connects to tracker n again (after a restart) and resumes every session there. */
  async reconnect(n: number): Promise<void> {
    const clients: WsClient[] = [];
    for (const s of this.sessions) {
      const client = await this.init.cluster.connect(n);
      await client.ok('resume', { token: s.token });
      clients.push(client);
    }
    this.connections.set(n, clients);
  }

  /** Starts writing every `intervalMs`. */
  run(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const write = this.next();
        if (write) {
          // A write's own failures are outcomes in the History; anything else is a bug of the
          // scenario, kept for stop() to throw (not an unhandled rejection meanwhile).
          const settled = write.catch((err: unknown) => void this.errors.push(err));
          this.inFlight.add(settled);
          void settled.finally(() => this.inFlight.delete(settled));
        }
        await sleep(this.init.intervalMs ?? 50);
      }
    })();
  }

  /** Stops and waits for the writes still in flight; throws the first unexpected error. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all([...this.inFlight]);
    if (this.errors.length > 0) throw this.errors.splice(0)[0];
  }

  /** The next write on the next tracker whose connections are open, if any. */
  private next(): Promise<void> | undefined {
    const { trackers, random } = this.init;
    for (let tries = 0; tries < trackers.length; tries++) {
      const n = trackers[this.turn++ % trackers.length]!;
      const clients = this.connections.get(n);
      if (clients?.every((c) => c.open)) return this.write(n, clients, this.pickKind(random()));
    }
    return undefined;
  }

  private pickKind(r: number): Write['kind'] {
    const total = WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
    let left = r * total;
    for (const [kind, w] of WEIGHTS) if ((left -= w) < 0) return kind;
    return 'group';
  }

  private async write(n: number, clients: WsClient[], kind: Write['kind']): Promise<void> {
    const { history, random } = this.init;
    const prefix = this.init.prefix ?? 'w-';
    const id = String(this.counter++).padStart(5, '0');
    const owner = clients[0]!;
    const groups = this.groupsBy.get(n) ?? [];
    const pickGroup = (): string | undefined => groups[Math.floor(random() * groups.length)];
    if (kind === 'user') {
      const userId = `${prefix}u${id}`;
      // A new connection per registration, as a new user would come; if the tracker is going
      // down as it connects, nothing was sent and nothing is recorded.
      const fresh = await this.init.cluster.connect(n).catch(() => undefined);
      if (!fresh) return;
      try {
        await history.record({ kind: 'user', userId }, n, () => fresh.request('register', { userId, password: passwordOf(userId) }));
      } finally {
        fresh.terminate();
      }
      return;
    }
    if (kind === 'share' && groups.length > 0) {
      const groupId = pickGroup()!;
      const file = fileFixture(groupId, `f${id}.bin`, testBytes(1_000 + Math.floor(random() * 40_000), this.counter));
      await history.record({ kind: 'share', groupId, name: file.share.name, infoHash: file.infoHash, sharedBy: this.owner }, n, () => owner.request('share_file', file.share));
      return;
    }
    if (kind === 'membership' && groups.length > 0) {
      const m = 1 + Math.floor(random() * (clients.length - 1));
      const groupId = pickGroup()!;
      const member = this.sessions[m]!.userId;
      if (m > 0 && !this.asked.has(`${groupId}/${member}`)) {
        this.asked.add(`${groupId}/${member}`);
        // The request is not one of the checked writes; the owner's accept is.
        const joined = await clients[m]!.request('join_group', { groupId }).catch(() => undefined);
        if (!joined?.ok) return;
        await history.record({ kind: 'membership', groupId, userId: member, owner: this.owner }, n, () => owner.request('accept_request', { groupId, userId: member }));
        return;
      }
    }
    const groupId = `${prefix}g${id}`;
    const outcome = await history.record({ kind: 'group', groupId, owner: this.owner }, n, () => owner.request('create_group', { groupId }));
    if (outcome === 'acked') this.groupsBy.set(n, [...groups, groupId]);
  }
}
