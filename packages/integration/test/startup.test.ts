// Start-up checks an operator meets before anything replicates.
import { chmod, writeFile } from 'node:fs/promises';
import { afterEach, expect, it } from 'vitest';
import { ProcessCluster } from '@groupshare/tracker/testing';
import { Cleanup } from '@groupshare/testkit/scenario';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

it('several trackers and a cluster secret file other users can read: exit code 2 and a line saying to chmod 600 it', async () => {
  const cluster = cleanup.add(await ProcessCluster.create({ size: 2, secret: null }));
  const secretFile = `${cluster.infoFile(1)}.secret`;
  await writeFile(secretFile, 'a-secret-somebody-copied-carelessly\n');
  await chmod(secretFile, 0o644);
  const proc = cluster.spawn(1);
  const exit = await proc.waitForExit(10_000);
  expect(exit).toEqual({ code: 2, signal: null });
  expect(proc.stderr).toContain(secretFile);
  expect(proc.stderr).toContain(`chmod 600 ${secretFile}`);
  expect(proc.stderr.trim().split('\n')).toHaveLength(1); // one line, no stack trace
  // It never listened: the replication port is not opened with a secret others may know.
  await expect(fetch(`http://${cluster.address(1)}/health`, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow();
});
