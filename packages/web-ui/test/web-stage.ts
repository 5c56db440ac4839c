/**
 * The stage of the browser tests: one real tracker process and real client processes serving
 * the web UI (`./client 127.0.0.1:0 tracker_info.txt --web 127.0.0.1:<port>`, optionally
 * `--headless`), each with its own data directory, a chosen folder (`--web-root`) and a
 * downloads folder, all under the cluster's temp directory. Started and stopped through
 * testkit's launchers, so the processes are the built dist/ (pnpm run build first).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ClientProcess } from '@groupshare/testkit/client-process';
import { Cleanup } from '@groupshare/testkit/scenario';
import { freePort, ProcessCluster, passwordOf, sleep } from '@groupshare/tracker/testing';
import type { Page } from 'playwright-core';

export interface WebPeer {
  name: string;
  /** http://127.0.0.1:<port>/ */
  url: string;
  port: number;
  dataDir: string;
  /** The folder given with --web-root (files to share live here). */
  root: string;
  /** The downloads folder (--web-downloads). */
  downloads: string;
  headless: boolean;
  /** More command-line options (e.g. --web-max-upload), kept across restarts. */
  args: string[];
  client: ClientProcess;
}

export interface WebStage {
  cluster: ProcessCluster;
  /** Starts a peer with a web UI; resolves once its API answers. */
  peer(name: string, opts?: { headless?: boolean; args?: string[] }): Promise<WebPeer>;
  /** Starts `peer` again on the same data directory, folders and web port. */
  restart(peer: WebPeer): Promise<WebPeer>;
}

/** Waits until `url`'s /api/session answers 200, or the process exits, or 30 s pass. */
async function waitServing(peer: WebPeer): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!peer.client.running) throw new Error(`${peer.name} exited before serving its web UI\n${peer.client.describe()}`);
    try {
      const res = await fetch(`${peer.url}api/session`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${peer.name}: no web UI at ${peer.url} within 30 s\n${peer.client.describe()}`);
    await sleep(100);
  }
}

/** A cluster of `trackers` (default one); peers are added with `peer()`. Everything stops at `cleanup`. */
export async function webStage(cleanup: Cleanup, { trackers = 1 }: { trackers?: number } = {}): Promise<WebStage> {
  const cluster = cleanup.add(await ProcessCluster.create({ size: trackers }));
  await cluster.startAll();

  const spawn = async (base: Omit<WebPeer, 'client'>): Promise<WebPeer> => {
    const args = ['--web', `127.0.0.1:${base.port}`, '--web-root', base.root, '--web-downloads', base.downloads, ...(base.headless ? ['--headless'] : []), ...base.args];
    const client = cleanup.add(ClientProcess.spawn({ name: base.name, trackerInfo: cluster.infoFile(1), dataDir: base.dataDir, args }));
    const peer = { ...base, client };
    await waitServing(peer);
    return peer;
  };

  return {
    cluster,
    async peer(name, opts = {}) {
      const port = await freePort();
      const root = path.join(cluster.root, `files-${name}`);
      const downloads = path.join(cluster.root, `downloads-${name}`);
      await mkdir(root, { recursive: true });
      await mkdir(downloads, { recursive: true });
      return spawn({ name, port, url: `http://127.0.0.1:${port}/`, dataDir: path.join(cluster.root, `client-${name}`), root, downloads, headless: opts.headless ?? false, args: opts.args ?? [] });
    },
    async restart(peer) {
      const { client: _old, ...base } = peer;
      return spawn(base);
    },
  };
}

/**
 * Logs `userId` in through the page's form (creating the account first when `create`), the way
 * a person does, and waits for the shell (its "Log out" button).
 */
export async function logInInPage(page: Page, userId: string, opts: { create?: boolean } = {}): Promise<void> {
  await page.getByLabel('User id').fill(userId);
  await page.getByLabel('Password').fill(passwordOf(userId));
  await page.getByRole('button', { name: opts.create ? 'Create account' : 'Log in', exact: true }).click();
  await page.getByRole('button', { name: 'Log out', exact: true }).waitFor({ timeout: 20_000 });
}

/** Creates group `groupId` from the page and waits for its link. */
export async function createGroupInPage(page: Page, groupId: string): Promise<void> {
  await page.getByLabel('Group id').fill(groupId);
  await page.getByRole('button', { name: 'Create group', exact: true }).click();
  await page.getByRole('link', { name: groupId, exact: true }).waitFor();
}
