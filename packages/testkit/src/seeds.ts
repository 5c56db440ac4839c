/**
 * Seeds for randomized scenarios, one convention for the whole robustness suite:
 *
 * - `GROUPSHARE_TEST_SEED=<n>` replays exactly one run with that seed (the seed every run prints);
 * - `GROUPSHARE_SOAK=1` (set by `pnpm soak`) asks for the long version of each scenario, and
 *   `GROUPSHARE_SOAK_RUNS` (default 20) for how many seeded runs of it;
 * - otherwise the regular suite runs each scenario `regularRuns` times (default 1) with fresh seeds.
 *
 * Use: `for (const seed of scenarioSeeds()) it(`... (seed ${seed})`, ...)`, then
 * `seededRng(seed)` from @groupshare/protocol for every random choice in that run.
 */
import { randomInt } from 'node:crypto';

/** True under `pnpm soak`: scenarios use their long durations and sizes. */
export const soakMode = process.env.GROUPSHARE_SOAK === '1';

export function scenarioSeeds({ regularRuns = 1 }: { regularRuns?: number } = {}): number[] {
  const replay = process.env.GROUPSHARE_TEST_SEED;
  if (replay !== undefined && replay !== '') {
    const seed = Number(replay);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`GROUPSHARE_TEST_SEED must be a non-negative integer, not ${JSON.stringify(replay)}`);
    return [seed];
  }
  const runs = soakMode ? Number(process.env.GROUPSHARE_SOAK_RUNS ?? 20) : regularRuns;
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`GROUPSHARE_SOAK_RUNS must be a positive integer`);
  return Array.from({ length: runs }, () => randomInt(2 ** 31));
}
