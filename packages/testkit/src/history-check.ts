/**
 * The checker for a History (history.ts): after a scenario, waits until the trackers report the
 * same digest and vector, then reads each tracker through its client API and verifies, tracker
 * by tracker, that
 *
 * - every acknowledged write is there exactly once, as written (owner, member, info-hash);
 * - nothing is there that nobody asked for (every item is an acknowledged or in-doubt write);
 * - two acknowledged writes of one key from different owners (a conflict) left exactly one
 *   winner, and the loser's writes in that group are gone, as docs/replication.md rules;
 * - every tracker reads the same.
 *
 * It throws one error listing every problem (lost, doubled, unexplained, differing), so a
 * failed run says what went wrong where rather than "digests differ".
 *
 * Reading: `list_groups` lists every group to any logged-in user; members and files are read by
 * a reader that belongs to the group. Users have no listing: each acknowledged user id is probed
 * with `register`, which answers ERR_USER_EXISTS without writing anything when it is there, and
 * the user count (`/status`) bounds the rest.
 */
import { actorOf, type Entry, type History, type Write } from './history.js';
import { passwordOf, type ProcessCluster, type WsClient } from '@groupshare/tracker/testing';

export interface CheckInit {
  cluster: ProcessCluster;
  trackers: number[];
  /** Logged-in connections on tracker n, between them members of every group written to. */
  readers: (n: number) => WsClient[];
  /** How long the trackers may take to reach one digest. */
  convergeTimeoutMs: number;
}

export interface Conflict {
  key: string;
  winner: string;
  losers: string[];
}

export interface CheckResult {
  digest: string;
  /** From the start of the check until every tracker reported the same digest and vector. */
  convergeMs: number;
  conflicts: Conflict[];
  /** Acknowledged writes the conflict rules discarded (the loser's writes in a lost group). */
  discarded: Entry[];
}

/** What one tracker shows. Items are `key` → description, so trackers compare as text. */
interface Observed {
  items: Map<string, string>;
  /** Keys listed more than once. */
  doubled: string[];
  userCount: number;
}

export async function checkHistory(history: History, init: CheckInit): Promise<CheckResult> {
  const problems: string[] = [];
  const started = Date.now();
  let digest = '';
  let convergeMs = -1;
  try {
    ({ digest } = await init.cluster.waitConverged(init.trackers, init.convergeTimeoutMs));
    convergeMs = Date.now() - started;
  } catch (err) {
    problems.push(`not converged: ${(err as Error).message}`);
  }

  const acked = new Map<string, Entry[]>();
  const known = new Set<string>(); // acked or in doubt
  for (const e of history.entries) {
    if (e.outcome === 'refused') continue;
    known.add(e.key);
    if (e.outcome === 'acked') acked.set(e.key, [...(acked.get(e.key) ?? []), e]);
  }

  const observed = new Map<number, Observed>();
  for (const n of init.trackers) observed.set(n, await observe(init, n, history, problems));

  // Conflicts: one key acknowledged for different owners. The winner is whoever holds it.
  const conflicts: Conflict[] = [];
  const losersOf = new Map<string, Set<string>>(); // group id -> owners that lost it
  for (const [key, entries] of acked) {
    const owners = new Set(entries.map((e) => actorOf(e.write)));
    if (owners.size < 2) continue;
    const first = observed.get(init.trackers[0]!)!.items.get(key);
    const winner = first?.match(/owner=(\S+)/)?.[1] ?? first ?? '(none)';
    conflicts.push({ key, winner, losers: [...owners].filter((o) => o !== winner) });
    if (entries[0]!.write.kind === 'group') losersOf.set(entries[0]!.write.groupId, new Set([...owners].filter((o) => o !== winner)));
  }
  const discardedByConflict = (w: Write): boolean => (w.kind === 'membership' || w.kind === 'share') && (losersOf.get(w.groupId)?.has(actorOf(w)) ?? false);

  const discarded: Entry[] = [];
  for (const [key, entries] of acked) {
    const last = entries[entries.length - 1]!;
    const expected = describe(last.write);
    for (const n of init.trackers) {
      const seen = observed.get(n)!.items.get(key);
      const where = `tracker ${n}: ${key} (acked by tracker ${entries.map((e) => e.tracker).join(' and ')} at +${last.answeredAt - history.entries[0]!.sentAt} ms)`;
      if (discardedByConflict(last.write)) {
        if (seen !== undefined) problems.push(`${where}: kept although its group went to another owner (${seen})`);
        continue;
      }
      if (seen === undefined) problems.push(`${where}: LOST`);
      else if (entries.length === 1 && seen !== expected) problems.push(`${where}: is "${seen}", was written as "${expected}"`);
    }
    if (discardedByConflict(last.write)) discarded.push(last);
  }
  for (const n of init.trackers) {
    const o = observed.get(n)!;
    for (const key of o.doubled) problems.push(`tracker ${n}: ${key} DOUBLED (listed more than once)`);
    for (const [key, what] of o.items) if (!known.has(key) && !key.startsWith('user:')) problems.push(`tracker ${n}: ${key} (${what}) UNEXPLAINED: nobody wrote it`);
    const ackedUsers = [...acked.keys()].filter((k) => k.startsWith('user:')).length;
    const possibleUsers = [...known].filter((k) => k.startsWith('user:')).length;
    if (o.userCount < ackedUsers || o.userCount > possibleUsers) {
      problems.push(`tracker ${n}: ${o.userCount} users, expected between ${ackedUsers} (acked) and ${possibleUsers} (acked or in doubt)`);
    }
  }
  problems.push(...differences(init.trackers, observed));

  if (problems.length > 0) {
    const shown = problems.slice(0, 60).join('\n  ');
    const more = problems.length > 60 ? `\n  ... and ${problems.length - 60} more` : '';
    throw new Error(`history check failed (${history.summary()}):\n  ${shown}${more}`);
  }
  return { digest, convergeMs, conflicts, discarded };
}

/** A write as the checker expects to read it back. */
function describe(w: Write): string {
  switch (w.kind) {
    case 'user':
      return 'exists';
    case 'group':
      return `owner=${w.owner}`;
    case 'membership':
      return 'member';
    case 'share':
      return `infoHash=${w.infoHash} sharedBy=${w.sharedBy}`;
  }
}

/** Reads tracker n through its readers; what cannot be read is a problem. */
async function observe(init: CheckInit, n: number, history: History, problems: string[]): Promise<Observed> {
  const items = new Map<string, string>();
  const doubled: string[] = [];
  const put = (key: string, what: string): void => {
    if (items.has(key)) doubled.push(key);
    items.set(key, what);
  };
  const readers = init.readers(n);
  if (readers.length === 0) throw new Error(`no reader for tracker ${n}`);
  // Which reader belongs to which group, from each one's list_groups (the same groups for all).
  const listings = await Promise.all(readers.map((r) => r.ok('list_groups')));
  for (const g of listings[0]!.groups) put(`group:${g.groupId}`, `owner=${g.owner}`);
  for (const g of listings[0]!.groups) {
    const i = listings.findIndex((l) => l.groups.some((x) => x.groupId === g.groupId && (x.membership === 'owner' || x.membership === 'member')));
    if (i < 0) {
      problems.push(`tracker ${n}: no reader is a member of ${g.groupId}; cannot check its members and files`);
      continue;
    }
    const reader = readers[i]!;
    const [{ members }, { files }] = await Promise.all([reader.ok('list_members', { groupId: g.groupId }), reader.ok('list_files', { groupId: g.groupId })]);
    for (const m of members) if (!m.owner) put(`member:${g.groupId}/${m.userId}`, 'member');
    for (const f of files) put(`share:${g.groupId}/${f.name}`, `infoHash=${f.infoHash} sharedBy=${f.sharedBy}`);
    if (members.length !== g.memberCount) problems.push(`tracker ${n}: ${g.groupId} lists ${members.length} members but counts ${g.memberCount}`);
  }
  // Users: a probe per acknowledged id (ERR_USER_EXISTS: there, nothing written).
  const probe = await init.cluster.connect(n);
  try {
    const userIds = new Set(history.entries.filter((e) => e.outcome === 'acked' && e.write.kind === 'user').map((e) => (e.write as { userId: string }).userId));
    for (const userId of userIds) {
      const reply = await probe.request('register', { userId, password: passwordOf(userId) });
      if (!reply.ok && reply.error.code === 'ERR_USER_EXISTS') put(`user:${userId}`, 'exists');
      else problems.push(`tracker ${n}: probing user ${userId} answered ${reply.ok ? 'ok (it was missing, and is now registered)' : reply.error.code}`);
    }
  } finally {
    probe.terminate();
  }
  return { items, doubled, userCount: (await init.cluster.status(n)).users };
}

/** Items that differ between trackers, as `key: tracker 1 "..." / tracker 2 (missing)`. */
function differences(trackers: number[], observed: Map<number, Observed>): string[] {
  const keys = new Set<string>();
  for (const o of observed.values()) for (const k of o.items.keys()) keys.add(k);
  const out: string[] = [];
  for (const key of [...keys].sort()) {
    const values = trackers.map((n) => observed.get(n)!.items.get(key));
    if (new Set(values).size > 1) out.push(`differs: ${key}: ${trackers.map((n, i) => `tracker ${n} ${values[i] === undefined ? '(missing)' : `"${values[i]}"`}`).join(' / ')}`);
  }
  return out;
}
