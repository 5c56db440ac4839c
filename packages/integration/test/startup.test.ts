// Start-up checks an operator meets before anything replicates.
import { afterEach, expect, it } from 'vitest';
import { Cleanup, ProcessCluster } from '@groupshare/testkit';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

it('several trackers listed but no cluster secret: exit code 2 and a line saying to set GROUPSHARE_CLUSTER_SECRET', async () => {
  const cluster = cleanup.add(await ProcessCluster.create({ size: 2, secret: null }));
  const proc = cluster.spawn(1);
  const exit = await proc.waitForExit(10_000);
  expect(exit).toEqual({ code: 2, signal: null });
  expect(proc.stderr).toMatch(/GROUPSHARE_CLUSTER_SECRET/);
  expect(proc.stderr.trim().split('\n')).toHaveLength(1); // one line, no stack trace
  // It never listened: the replication port is not left open to anybody.
  await expect(fetch(`http://${cluster.address(1)}/health`, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow();
});
