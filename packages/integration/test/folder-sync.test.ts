// Folder sync with real processes: one tracker, three real client shells (ann, bob, cy), each
// syncing its own folder with the group `lab`. Their folders converge to the union; a file
// added at one appears at the others; a file changed at one replaces it at the others with the
// old version kept; concurrent changes leave a conflict copy; a member logged out during changes
// catches up at its next login.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClientProcess } from '@groupshare/testkit/client-process';
import { Cleanup } from '@groupshare/testkit/scenario';
import { passwordOf } from '@groupshare/tracker/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { GROUP, peerSwarm } from './robustness/peer-swarm.js';

const cleanup = new Cleanup();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
afterEach(() => cleanup.run());

/** Every file under `dir` but `.groupshare/`, path → content. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(dir, path.join(e.parentPath, e.name));
    if (e.isFile() && !rel.startsWith('.groupshare')) out[rel] = await readFile(path.join(dir, rel), 'utf8');
  }
  return out;
}

/** The shells, for their output when a folder does not converge. */
const shells: ClientProcess[] = [];

/** `check`, failing with every shell's recent output. */
async function diagnosed(check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${shells.map((s) => s.describe()).join('\n')}`, { cause: err });
  }
}

async function allHold(dirs: readonly string[], expected: Record<string, string>): Promise<void> {
  await diagnosed(async () => {
    for (const dir of dirs) await expect.poll(() => tree(dir), { timeout: 30_000, interval: 200 }).toEqual(expected);
  });
}

describe('folder sync between three real clients', () => {
  it('converges to the union, spreads additions and changes, keeps conflicts, and catches up at login', async () => {
    const swarm = await peerSwarm(cleanup, { seed: 1701, size: 1024 });
    const dirs: Record<string, string> = {};
    const clients: Record<string, ClientProcess> = {};
    for (const user of ['ann', 'bob', 'cy']) {
      const dir = (dirs[user] = path.join(swarm.root, `sync-${user}`));
      await mkdir(path.join(dir, 'sub'), { recursive: true });
      await writeFile(path.join(dir, `${user}.txt`), `${user}'s own`);
      await writeFile(path.join(dir, 'sub', `${user}-deep.txt`), `${user} deep`);
      const client = (clients[user] = await swarm.member(user));
      shells.push(client);
      await client.run(`sync_folder ${GROUP} ${dir}`, new RegExp(`^syncing ${dir.replaceAll('/', '\\/')} with ${GROUP}\\b`));
    }
    const { ann, bob, cy } = clients as Record<'ann' | 'bob' | 'cy', ClientProcess>;
    const all = Object.values(dirs);
    let union: Record<string, string> = {};
    for (const user of ['ann', 'bob', 'cy']) union = { ...union, [`${user}.txt`]: `${user}'s own`, [`sub/${user}-deep.txt`]: `${user} deep` };
    await allHold(all, union);
    // A round a push started may still be scanning: ask until it is done.
    let listed = '';
    for (let i = 0; i < 50 && !listed.endsWith('6 files, up to date'); i++) {
      if (i > 0) await sleep(100);
      listed = (await ann.run('list_synced', new RegExp(`^${GROUP}  .*$`)))[0];
    }
    expect(listed).toBe(`${GROUP}  ${dirs.ann}  6 files, up to date`);
    // list_files shows what people share, not the versions behind synced folders: it counts them.
    const files = await ann.run(`list_files ${GROUP}`, /^\(and (\d+) versions of synced folders' files, not listed: see list_synced\)$/);
    expect(Number(files[1])).toBeGreaterThanOrEqual(6);

    // Added at bob: appears at ann and cy.
    await mkdir(path.join(dirs.bob as string, 'new dir'));
    await writeFile(path.join(dirs.bob as string, 'new dir/added.txt'), 'added by bob');
    union = { ...union, 'new dir/added.txt': 'added by bob' };
    await allHold(all, union);

    // Changed at cy: replaces it at ann and bob, the old one kept among their versions.
    await writeFile(path.join(dirs.cy as string, 'ann.txt'), 'cy rewrote it');
    union = { ...union, 'ann.txt': 'cy rewrote it' };
    await allHold(all, union);
    await ann.waitFor(/^\[sync\] \[lab\] ann\.txt: updated; the replaced version is kept as \.groupshare\/versions\/ann~\d{8}-\d{6}\.txt$/);
    for (const user of ['ann', 'bob']) {
      const kept = await readdir(path.join(dirs[user] as string, '.groupshare/versions'));
      expect(await readFile(path.join(dirs[user] as string, '.groupshare/versions', kept.find((k) => k.startsWith('ann~')) as string), 'utf8')).toBe("ann's own");
    }

    // Offline during changes: cy logs out, bob changes a file and adds one; cy catches up at login.
    await cy.run('logout', /^logged out cy/);
    await writeFile(path.join(dirs.bob as string, 'bob.txt'), 'bob, while cy was away');
    await writeFile(path.join(dirs.bob as string, 'later.txt'), 'later');
    union = { ...union, 'bob.txt': 'bob, while cy was away', 'later.txt': 'later' };
    await allHold([dirs.ann as string], union);
    expect((await tree(dirs.cy as string))['later.txt']).toBeUndefined();
    await cy.run(`login cy ${passwordOf('cy')}`, /^logged in as cy\b/);
    await allHold(all, union);

    // Concurrent changes of one file, at ann and bob, while bob is logged out: both survive.
    await bob.run('logout', /^logged out bob/);
    await writeFile(path.join(dirs.ann as string, 'cy.txt'), 'ann changed it');
    await allHold([dirs.cy as string], { ...union, 'cy.txt': 'ann changed it' });
    await writeFile(path.join(dirs.bob as string, 'cy.txt'), 'bob changed it too');
    await bob.run(`login bob ${passwordOf('bob')}`, /^logged in as bob\b/);
    // The later save wins the name; the other is kept as cy.sync-conflict-<date>-ann.txt everywhere.
    const resolved = async (): Promise<Record<string, string> | undefined> => {
      const t = await tree(dirs.ann as string);
      return t['cy.txt'] === 'bob changed it too' && Object.keys(t).some((p) => p.includes('.sync-conflict-')) ? t : undefined;
    };
    await diagnosed(() => expect.poll(resolved, { timeout: 30_000 }).toBeDefined());
    const final = (await resolved()) as Record<string, string>;
    const copy = Object.keys(final).find((p) => p.includes('.sync-conflict-')) as string;
    expect(copy).toMatch(/^cy\.sync-conflict-\d{8}-\d{6}-ann\.txt$/);
    expect(final).toEqual({ ...union, 'cy.txt': 'bob changed it too', [copy]: 'ann changed it' });
    await allHold(all, final);
    let shown = '';
    for (let i = 0; i < 50 && !shown.endsWith('up to date, 1 conflict'); i++) {
      if (i > 0) await sleep(100);
      shown = (await cy.run('show_downloads', /^\[S\] .*$/))[0];
    }
    expect(shown).toBe(`[S] [lab] ${dirs.cy}: up to date, 1 conflict`);
  });
});
