import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Tests run on the TypeScript sources (the `source` export condition), so no build is needed
// between an edit and a test run. Each package is its own project, configured by its own
// vitest.config.ts; this file only decides which files run beside which (docs/development.md,
// "How the suite is scheduled"). Vitest runs the groups below one after another:
//
// 1. every package's project, MAX_WORKERS files at once. Vitest's default in run mode is
//    cores - 1, a single worker on CI's two cores, so every file ran after the other; yet most
//    files spend their time waiting (tracker and client processes starting, argon2 in another
//    process, timers, loopback sockets);
// 2. `fuzz`: the fuzz and property tests, which only compute, one per core, on their own so that
//    they never slow down a test beside them;
// 3. one file at a time, with nothing beside it: `timing` (tests that measure how fast
//    something answers) and the projects with `fileParallelism: false` (web-ui's browser tests,
//    each starting a Chromium besides trackers and clients).

/** Files at once in group 1. Three keep both cores busy while most files wait. */
const MAX_WORKERS = 3;

/** Compute-only tests (100,000 inputs each): group 2, one per core. */
const FUZZ = ['**/*.fuzz.test.ts', '**/*.property.test.ts'];

/**
 * Tests that assert how long something takes (a ping's p99 under a flood, a push's p95, a
 * retry's pace, a wrong password costing the same as an unknown user) or must do several
 * argon2 logins within a short wall-clock window (sessions that expire after 400 ms): another
 * test file computing beside them would fail them without any bug. They run alone, in group 3.
 */
const TIMING = [
  'packages/client/src/web/availability.test.ts',
  'packages/client/test/web-push.test.ts',
  'packages/engine/src/tracker-link/tracker-link.test.ts',
  'packages/integration/test/hostile-load.test.ts',
  'packages/tracker/src/auth/passwords.test.ts',
  'packages/tracker/test/http-routes.test.ts',
  'packages/tracker/test/sessions-cluster.test.ts',
];

const root = fileURLToPath(new URL('.', import.meta.url));
for (const file of TIMING) if (!existsSync(root + file)) throw new Error(`vitest.config.ts: TIMING lists ${file}, which does not exist`);

/** Each package's own project, without the files that run in `fuzz` or `timing`. */
const packageProjects: TestProjectInlineConfiguration[] = readdirSync(root + 'packages')
  .filter((name) => existsSync(`${root}packages/${name}/vitest.config.ts`))
  .map((name) => ({
    extends: `./packages/${name}/vitest.config.ts`,
    root: `./packages/${name}`,
    test: {
      exclude: [...configDefaults.exclude, ...FUZZ, ...TIMING.filter((f) => f.startsWith(`packages/${name}/`)).map((f) => f.slice(`packages/${name}/`.length))],
    },
  }));

const sources = { resolve: { conditions: ['source'] }, ssr: { resolve: { conditions: ['source'] } } };

export default defineConfig({
  test: {
    maxWorkers: MAX_WORKERS,
    projects: [
      ...packageProjects,
      { ...sources, test: { name: 'fuzz', include: FUZZ.map((f) => `packages/*/src/${f}`), maxWorkers: 2, sequence: { groupOrder: 1 } } },
      // The longest timeouts of the packages these files come from (the integration suite's).
      { ...sources, test: { name: 'timing', include: TIMING, fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 } },
    ],
  },
});
