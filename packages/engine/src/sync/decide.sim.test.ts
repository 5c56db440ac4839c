// Many seeded runs of simulated members editing, going offline and syncing through a simulated
// group listing, driven by the real decision module: afterwards every folder is the same, every
// saved version not overtaken by a later save that knew it is still there (as the file or as a
// conflict copy), and runs with a single writer make no conflict copy at all.
import { seededRng } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';

import { decide, savedVersion, type HeldPath, type RemoteVersion, type Version } from './decide.js';
import { compareVectors } from './version-vector.js';

interface Member {
  user: string;
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
      // A file changed since it was saved is not served (its content no longer matches).
      const serves = m.online && m.files.get(h.held.path) === h.held.sha1;
      out.set(h.held.name, { ...h.held, available: (prev?.available ?? false) || serves });
    }
  }
  return [...out.values()];
}

/** In the simulation a content is its own SHA-1; a fetch gets exactly the listed content. */
const contentOf = (v: Version): string => v.sha1;

function scan(m: Member, now: number, saved: Version[]): void {
  for (const [path, content] of m.files) {
    const at = m.held.get(path);
    if (at !== undefined && at.held.sha1 === content) continue;
    const v = savedVersion(at, path, { sha1: content, size: content.length }, m.user, now);
    m.held.set(path, { held: v, known: v.vector });
    saved.push(v);
  }
}

/** One round: returns how many actions it took (unavailable fetches wait). */
function round(m: Member, members: readonly Member[]): number {
  let done = 0;
  for (const a of decide(m.held, listing(members))) {
    if (a.kind === 'merge') {
      (m.held.get(a.path) as HeldPath).known = a.known;
      done++;
      continue;
    }
    if (!a.version.available) continue;
    const content = contentOf(a.version);
    if (a.kind === 'fetch') {
      const old = m.files.get(a.path);
      if (old !== undefined) m.kept.push(old);
      m.files.set(a.path, content);
      m.held.set(a.path, { held: a.version, known: a.known });
    } else if (a.kind === 'yield') {
      m.files.set(a.conflictVersion.path, m.files.get(a.path) as string);
      m.held.set(a.conflictVersion.path, { held: a.conflictVersion, known: a.conflictVersion.vector });
      m.files.set(a.path, content);
      m.held.set(a.path, { held: a.version, known: a.known });
    } else {
      m.files.set(a.conflictVersion.path, content);
      m.held.set(a.conflictVersion.path, { held: a.conflictVersion, known: a.conflictVersion.vector });
      (m.held.get(a.path) as HeldPath).known = a.known;
    }
    done++;
  }
  return done;
}

function run(seed: number, singleWriter: boolean): { members: Member[]; saved: Version[] } {
  const rng = seededRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  const members: Member[] = ['ann', 'bob', 'cy'].map((user) => ({ user, online: true, files: new Map(), held: new Map(), kept: [] }));
  const paths = ['a.txt', 'sub/b.txt', 'c'];
  const saved: Version[] = [];
  let now = 1_700_000_000_000;
  let edits = 0;
  for (let step = 0; step < 60; step++) {
    now += Math.floor(rng() * 3000);
    const m = singleWriter && rng() < 0.5 ? (members[0] as Member) : pick(members);
    const r = rng();
    if (r < 0.35 && (!singleWriter || m === members[0])) m.files.set(pick(paths), `${m.user}-${++edits}`);
    else if (r < 0.45) m.online = !m.online;
    else if (m.online) {
      scan(m, now, saved);
      round(m, members);
    }
  }
  for (const m of members) m.online = true;
  for (let i = 0; i < 30; i++) {
    let busy = 0;
    for (const m of members) {
      scan(m, now, saved);
      busy += round(m, members);
    }
    if (busy === 0) break;
  }
  return { members, saved };
}

describe('concurrent edits over many seeded runs', () => {
  const seeds = Array.from({ length: 300 }, (_, i) => 9000 + i);

  it('every folder converges and every saved version that no later save knew survives', () => {
    let conflicts = 0;
    for (const seed of seeds) {
      const { members, saved } = run(seed, false);
      const [first, ...rest] = members.map((m) => [...m.files].sort());
      for (const other of rest) expect(other, `seed ${seed}`).toEqual(first);
      const contents = new Set((first ?? []).map(([, c]) => c));
      for (const v of saved) {
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
