// Lost replication frames (issue 14, finding 5). The link from tracker 1 to tracker 2 runs through
// a TcpProxy that cuts it into WebSocket frames and loses whole `ops` frames, as a network that
// loses a message without breaking the stream would. Before batches were numbered and resent,
// one lost frame left tracker 2 behind until the next write, and after four the sender never
// sent again (its window of unacknowledged batches stayed full) while the link looked live.
import { eventually, ProcessCluster, sleep } from '@groupshare/tracker/testing';
import { TcpProxy } from '@groupshare/testkit/faults';
import { Cleanup } from '@groupshare/testkit/scenario';
import { afterEach, expect, it } from 'vitest';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

it('four lost ops frames: equal digests within 5 s of the last loss with no further write, and the sender still sends', async () => {
  const cluster = cleanup.add(await ProcessCluster.create({ size: 2 }));
  const proxy = cleanup.add(await TcpProxy.start({ target: { host: '127.0.0.1', port: cluster.ports[1]! }, websocket: true }));
  await cluster.setTrackerInfo(1, [cluster.address(1), proxy.address]);
  await cluster.startAll();
  await eventually('tracker 1 in sync with tracker 2 through the proxy', async () => (await cluster.status(1)).sync === 'in sync', 10_000);
  await cluster.waitConverged([1, 2]);

  // Each registration on tracker 1 is one op, pushed to tracker 2 in an `ops` frame of its own.
  const client = await cluster.connect(1);
  proxy.dropFrames('up', '{"t":"ops"', 4);
  for (const userId of ['lost1', 'lost2', 'lost3', 'lost4']) {
    await client.ok('register', { userId, password: `${userId}-password` });
    await sleep(50); // one frame per write, not a batch of several
  }
  await eventually('four ops frames lost', () => proxy.stats.framesDropped === 4, 5_000);
  const lastLoss = Date.now();
  expect((await cluster.digest(2)).digest).not.toBe((await cluster.digest(1)).digest);

  // No further write: the resend alone closes the gap.
  const { ms } = await cluster.waitConverged([1, 2], 5_000);
  expect(Date.now() - lastLoss).toBeLessThan(5_000);
  expect((await cluster.digest(2)).vector).toEqual((await cluster.digest(1)).vector);
  console.log(`converged ${ms} ms after the check began, ${Date.now() - lastLoss} ms after the last loss`);

  // The window is free again: a new write reaches tracker 2 at once.
  await client.ok('register', { userId: 'after', password: 'after-password' });
  const at = Date.now();
  await cluster.waitConverged([1, 2], 1_000);
  expect(Date.now() - at).toBeLessThan(1_000);
});
