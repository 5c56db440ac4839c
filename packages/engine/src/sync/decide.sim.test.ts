// Many seeded runs of simulated members editing (and, with --mirror-deletes, deleting), going
// offline and syncing through a simulated group listing, driven by the real decision module:
// afterwards every folder is the same, every saved version not overtaken by a later save that
// knew it is still there (as the file or as a conflict copy), and runs with a single writer make
// no conflict copy at all. A deletion is never undone by a member that was away for long.
import { seededRng } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';

import { decide, savedVersion, type HeldPath, type RemoteVersion, type Version } from './decide.js';
import { compareVectors } from './version-vector.js';

interface Member {
  user: string;
  mirror: boolean;
  online: boolean;
  files: Map<string, string>;
  held: Map<string, HeldPath>;
  /** Contents replaced by a fetch (.groupshare/versions/). */
  kept: string[];
}

/** The group's listing: every version some member holds (a real tracker drops the others). */
function listing(members: readonly Member[]): RemoteVersion[] {
  const out = new Map<string, RemoteVersion>();
  for (const m of members) {
    for (const h of m.held.values()) {
      const prev = out.get(h.held.name);
      // A file changed since it was saved is not served (its content no longer matches); a
      // tombstone has no content to serve.
      const serves = m.online && (h.held.kind === 'd' || m.files.get(h.held.path) === h.held.sha1);
      out.set(h.held.name, { ...h.held, available: (prev?.available ?? false) || serves });
    }
  }
  return [...out.values()];
}

/** In the simulation a content is its own SHA-1; a fetch gets exactly the listed content. */
const contentOf = (v: Version): string => v.sha1;

const TOMB = { sha1: 'tombstone', size: 9 };

/** Versions the member's folder made since its last scan (saves and, mirroring, deletions). */
function scan(m: Member, now: number, saved: Version[]): number {
  const before = saved.length;
  for (const [path, content] of m.files) {
    const at = m.held.get(path);
    if (at !== undefined && at.held.kind === 'f' && at.held.sha1 === content) continue;
    const v = savedVersion(at, path, { sha1: content, size: content.length }, m.user, now);
    m.held.set(path, { held: v });
    saved.push(v);
  }
  for (const [path, at] of [...m.held]) {
    if (m.files.has(path) || at.held.kind === 'd') continue;
    if (!m.mirror) {
      m.held.delete(path); // not propagated: the union brings it back
      continue;
    }
    const v = savedVersion(at, path, TOMB, m.user, now, 'd');
    m.held.set(path, { held: v });
    saved.push(v);
  }
  return saved.length - before;
}

/** One round: returns how many actions it took (unavailable fetches wait). */
function round(m: Member, members: readonly Member[]): number {
  let done = 0;
  for (const a of decide(m.held, listing(members), m.mirror)) {
    if (a.kind === 'relabel') {
      m.held.set(a.path, { held: a.as });
      done++;
      continue;
    }
    if (!a.version.available) continue;
    const content = contentOf(a.version);
    if (a.kind === 'fetch') {
      const old = m.files.get(a.path);
      if (old !== undefined) m.kept.push(old);
      if (a.version.kind === 'd') m.files.delete(a.path);
      else m.files.set(a.path, content);
    } else if (a.kind === 'yield') {
      m.files.set(a.conflictVersion.path, m.files.get(a.path) as string);
      m.held.set(a.conflictVersion.path, { held: a.conflictVersion });
      m.files.set(a.path, content);
    } else {
      m.files.set(a.conflictVersion.path, content);
      m.held.set(a.conflictVersion.path, { held: a.conflictVersion });
    }
    m.held.set(a.path, { held: a.as });
    done++;
  }
  return done;
}

function newMembers(mirror: boolean): Member[] {
  return ['ann', 'bob', 'cy'].map((user) => ({ user, mirror, online: true, files: new Map(), held: new Map(), kept: [] }));
}

/** Rounds at every member (all online) until nothing more happens. */
function settle(members: readonly Member[], now: number, saved: Version[]): void {
  for (let i = 0; i < 30; i++) {
    let busy = 0;
    for (const m of members) busy += scan(m, now, saved) + round(m, members);
    if (busy === 0) return;
  }
}

function run(seed: number, singleWriter: boolean, mirror = false): { members: Member[]; saved: Version[] } {
  const rng = seededRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  const members = newMembers(mirror);
  const paths = ['a.txt', 'sub/b.txt', 'c'];
  const saved: Version[] = [];
  let now = 1_700_000_000_000;
  let edits = 0;
  for (let step = 0; step < 60; step++) {
    now += Math.floor(rng() * 3000);
    const m = singleWriter && rng() < 0.5 ? (members[0] as Member) : pick(members);
    const r = rng();
    if (r < 0.35 && (!singleWriter || m === members[0])) m.files.set(pick(paths), `${m.user}-${++edits}`);
    else if (r < 0.4 && mirror) m.files.delete(pick(paths));
    else if (r < 0.45) m.online = !m.online;
    else if (m.online) {
      scan(m, now, saved);
      round(m, members);
    }
  }
  for (const m of members) m.online = true;
  settle(members, now, saved);
  return { members, saved };
}

describe('concurrent edits over many seeded runs', () => {
  const seeds = Array.from({ length: 300 }, (_, i) => 9000 + i);

  it.each([false, true])('every folder converges and every saved version that no later save knew survives (mirror deletes: %s)', (mirror) => {
    let conflicts = 0;
    for (const seed of seeds) {
      const { members, saved } = run(seed, false, mirror);
      const [first, ...rest] = members.map((m) => [...m.files].sort());
      for (const other of rest) expect(other, `seed ${seed}`).toEqual(first);
      const contents = new Set((first ?? []).map(([, c]) => c));
      for (const v of saved.filter((x) => x.kind === 'f')) {
        const overtaken = saved.some((o) => o.path === v.path && compareVectors(v.vector, o.vector) === 'before');
        if (!overtaken) expect(contents.has(v.sha1), `seed ${seed}: ${v.name} (${v.sha1}) lost`).toBe(true);
      }
      conflicts += (first ?? []).filter(([p]) => p.includes('.sync-conflict-')).length;
    }
    expect(conflicts).toBeGreaterThan(0); // the runs do exercise concurrent edits
  });

  it('a single writer never makes a conflict copy', () => {
    for (const seed of seeds) {
      const { members } = run(seed, true);
      for (const m of members) expect([...m.files.keys()].filter((p) => p.includes('.sync-conflict-')), `seed ${seed}`).toEqual([]);
    }
  });
});

describe('tombstones (--mirror-deletes)', () => {
  it('never expire: a member back 456 days later with the old file does not bring it back', () => {
    const members = newMembers(true);
    const [ann, , cy] = members as [Member, Member, Member];
    const saved: Version[] = [];
    let now = Date.UTC(2026, 0, 1);
    ann.files.set('plan.txt', 'the plan');
    settle(members, now, saved);
    expect(cy.files.get('plan.txt')).toBe('the plan');
    cy.online = false;
    ann.files.delete('plan.txt');
    for (const m of members.filter((x) => x.online)) scan(m, now, saved);
    for (let day = 0; day < 456; day += 5) {
      now += 5 * 86_400_000; // the others keep syncing, day after day
      for (const m of members.filter((x) => x.online)) {
        scan(m, now, saved);
        round(m, members);
      }
    }
    cy.online = true;
    settle(members, now, saved);
    for (const m of members) expect(m.files.has('plan.txt'), m.user).toBe(false);
    expect(cy.kept).toContain('the plan'); // cy's copy went to its versions, not lost
  });

  it('lose to a change made without knowing of them: the changed file stays everywhere', () => {
    const members = newMembers(true);
    const [ann, bob] = members as [Member, Member, Member];
    const saved: Version[] = [];
    const now = Date.UTC(2026, 0, 1);
    ann.files.set('a.txt', 'v1');
    settle(members, now, saved);
    bob.online = false;
    ann.files.delete('a.txt');
    scan(ann, now + 10_000, saved); // deleted later than bob's change: still loses
    bob.files.set('a.txt', 'bob v2');
    scan(bob, now, saved);
    bob.online = true;
    settle(members, now + 20_000, saved);
    for (const m of members) expect(m.files.get('a.txt'), m.user).toBe('bob v2');
  });
});
