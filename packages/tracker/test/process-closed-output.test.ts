/**
 * The real tracker process whose stdout reader went away (`./tracker … | head`, a restarted
 * journal): its stdout pipe is closed by the test before the process writes anything, so every
 * log line and console answer written there fails with EPIPE. A tracker is a service: it keeps
 * serving, its console keeps working, and it stops cleanly when told, with no stack trace.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProcessSandbox, assertBuilt, getJson, sleep } from './process-helpers.js';

const sandbox = new ProcessSandbox();

beforeAll(() => {
  assertBuilt();
});

afterEach(async () => {
  await sandbox.cleanup();
});

describe('a closed stdout', () => {
  it('leaves the tracker serving; console answers are dropped and quit still stops it with status 0', async () => {
    const c = await sandbox.cluster();
    const proc = await sandbox.spawn({ infoFile: c.infoFile, dataDir: c.dataDir });
    // Node takes tens of milliseconds to start: the read end is closed before the first write.
    proc.child.stdout?.destroy();
    const healthy = async (): Promise<boolean> => (await getJson(c.healthUrl).catch(() => ({ status: 0 }))).status === 200;
    const deadline = Date.now() + 15_000;
    while (!(await healthy())) {
      if (Date.now() > deadline || !proc.running) throw new Error(`the tracker never answered /health\n${proc.describe()}`);
      await sleep(50);
    }
    // Answers that go to the closed stdout.
    proc.command('status');
    proc.command('help');
    for (let i = 0; i < 4; i++) {
      await sleep(250);
      expect(await healthy(), proc.describe()).toBe(true);
    }
    proc.command('quit');
    expect(await proc.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(proc.stderr).toBe('');
  }, 30_000);
});
